/* The grading workspace's keyboard (docs/grading.md): digits toggle rubric items, "s" saves
   and goes to the next hand-in, "n" / "p" go to the next / previous one. Without this file the
   page is a plain form and works the same. No inline script: the page's CSP forbids it. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var form = document.getElementById("grade-form");
    if (!form) return;
    var total = document.getElementById("total");
    var items = Array.prototype.slice.call(form.querySelectorAll(".rubric-item"));

    function parts(item) {
      return {
        box: item.querySelector("input[type=checkbox]"),
        points: item.querySelector("input[type=number]"),
      };
    }

    function refreshTotal() {
      if (!total || !items.length) return;
      var sum = 0;
      items.forEach(function (item) {
        var p = parts(item);
        var value = parseFloat(p.points.value);
        if (!isNaN(value)) sum += value;
        else if (p.box.checked) sum += parseFloat(p.points.dataset.max);
      });
      total.textContent = String(Math.round(sum * 100) / 100);
    }

    function setItem(item, on) {
      var p = parts(item);
      p.box.checked = on;
      p.points.value = on ? p.points.dataset.max : "0";
      item.classList.toggle("is-on", on);
      refreshTotal();
    }

    function toggle(item) {
      var p = parts(item);
      var full = parseFloat(p.points.value) === parseFloat(p.points.dataset.max);
      setItem(item, !full);
    }

    items.forEach(function (item) {
      var p = parts(item);
      item.classList.toggle("is-on", p.box.checked);
      p.box.addEventListener("change", function () { setItem(item, p.box.checked); });
      p.points.addEventListener("input", function () {
        var on = parseFloat(p.points.value) === parseFloat(p.points.dataset.max);
        p.box.checked = on;
        item.classList.toggle("is-on", on);
        refreshTotal();
      });
    });

    Array.prototype.forEach.call(form.querySelectorAll(".reuse-comment"), function (button) {
      button.addEventListener("click", function () {
        var box = form.querySelector("textarea[name=feedback]");
        box.value = box.value ? box.value + "\n" + button.dataset.comment : button.dataset.comment;
        box.focus();
      });
    });

    function go(id) {
      var link = document.getElementById(id);
      if (link) window.location.assign(link.href);
    }

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var tag = target && target.tagName;
      if (tag === "TEXTAREA" || tag === "SELECT" ||
          (tag === "INPUT" && target.type !== "checkbox") || (target && target.isContentEditable)) {
        if (event.key === "Escape") target.blur();
        return;
      }
      var key = event.key;
      if (/^[1-9]$/.test(key)) {
        var item = items[parseInt(key, 10) - 1];
        if (item) { event.preventDefault(); toggle(item); }
      } else if (key === "s") {
        event.preventDefault();
        var button = document.getElementById("save-next");
        if (form.requestSubmit) form.requestSubmit(button); else button.click();
      } else if (key === "n") {
        event.preventDefault(); go("next-link");
      } else if (key === "p") {
        event.preventDefault(); go("prev-link");
      }
    });
  });
})();
