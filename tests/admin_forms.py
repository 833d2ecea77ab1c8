"""Submit a Django admin form as a browser would: every field as the page shows it, with
the changes a test makes."""

from __future__ import annotations

from tests.agenda.html_tree import Node, parse

SKIPPED_INPUTS = {"submit", "button", "file", "image", "reset"}


def _text(node: Node) -> str:
    return "".join(c if isinstance(c, str) else _text(c) for c in node.children)


def form_data(html: bytes | str) -> dict[str, str | list[str]]:
    """The fields of the page's admin form (``<form id="…_form">``) and their values."""
    form = next(
        f for f in parse(html).find_all("form") if (f.attrs.get("id") or "").endswith("_form")
    )
    data: dict[str, str | list[str]] = {}
    for node in form.iter():
        name = node.attrs.get("name")
        if not name or "__prefix__" in name:
            continue
        if node.tag == "input":
            kind = (node.attrs.get("type") or "text").lower()
            if kind in SKIPPED_INPUTS:
                continue
            if kind in ("checkbox", "radio"):
                if "checked" in node.attrs:
                    data[name] = node.attrs.get("value") or "on"
                continue
            data[name] = node.attrs.get("value") or ""
        elif node.tag == "textarea":
            data[name] = _text(node).removeprefix("\n")
        elif node.tag == "select":
            chosen = [
                o.attrs.get("value") or "" for o in node.find_all("option") if "selected" in o.attrs
            ]
            data[name] = chosen if "multiple" in node.attrs else (chosen[0] if chosen else "")
    return data


def submit(client, url: str, **changes: str | list[str]):
    """GET the admin form at ``url`` and POST it back with ``changes``."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return client.post(url, {**form_data(page.content), **changes})
