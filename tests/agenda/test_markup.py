"""The ``markdown`` template filter: staff Markdown in, safe HTML out, whatever the input."""

import pytest
from django.template import Context, Template

from courses.templatetags.markup import render_inline_markdown, render_markdown


def _render(source: str, value) -> str:
    return Template("{% load markup %}" + source).render(Context({"value": value}))


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=https://evil.test/x.js></SCRIPT>",
        '<img src="x" onerror="alert(1)">',
        '<a href="https://ok.test" onclick="alert(1)" onmouseover="alert(1)">x</a>',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        '<a href="java&#x09;script:alert(1)">x</a>',
        "[click](  javascript:alert(1))",
        '<a href="vbscript:msgbox(1)">x</a>',
        "![x](javascript:alert(1))",
        '<img src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
        '<iframe src="https://evil.test"></iframe>',
        '<object data="https://evil.test/x.swf"></object>',
        "<style>body{display:none}</style>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<svg onload="alert(1)"><circle/></svg>',
        '<form action="https://evil.test"><input name="password"></form>',
        '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
        '<a href="https://ok.test" target="_blank" rel="opener">x</a>',
        "<!-- <script>alert(1)</script> -->",
        '"><script>alert(1)</script>',
    ],
)
def test_hostile_input_loses_every_script_handler_and_dangerous_url(hostile):
    html = _render("{{ value|markdown }}", hostile).lower()

    for forbidden in (
        "<script",
        "javascript:",
        "vbscript:",
        "data:",
        "onerror",
        "onclick",
        "onload",
        "onmouseover",
        "<iframe",
        "<object",
        "<style",
        "style=",
        "<svg",
        "<form",
        "<input",
        "alert(1)",
        'opener"',
    ):
        assert forbidden not in html, f"{forbidden!r} survived in {html!r}"


def test_links_get_rel_noopener_noreferrer():
    html = render_markdown("[slides](https://glouppe.github.io/info8010-deep-learning/)")

    assert html == (
        '<p><a href="https://glouppe.github.io/info8010-deep-learning/" '
        'rel="noopener noreferrer">slides</a></p>'
    )


def test_a_rel_written_by_the_author_is_replaced():
    html = render_markdown('<a href="https://ok.test" rel="opener">x</a>')

    assert 'rel="noopener noreferrer"' in html
    assert 'opener"' not in html.replace('rel="noopener noreferrer"', "")


def test_markdown_is_rendered_bold_code_lists_and_relative_links():
    html = render_markdown(
        "Submit **before 23:59**; see `autograd`.\n\n- one\n- [two](./homeworks)\n"
    )

    assert "<strong>before 23:59</strong>" in html
    assert "<code>autograd</code>" in html
    assert "<ul>\n<li>one</li>" in html
    assert '<a href="./homeworks" rel="noopener noreferrer">two</a>' in html


def test_markdown_tables_get_column_headers():
    html = render_markdown("| Date | Topic |\n| --- | --- |\n| May 19 | Deadline |\n")

    assert '<th scope="col">Date</th>' in html
    assert "<td>May 19</td>" in html


def test_text_is_escaped_not_interpreted():
    html = render_markdown("1 < 2 & 3 > 2")

    assert html == "<p>1 &lt; 2 &amp; 3 &gt; 2</p>"


def test_inline_markdown_drops_the_paragraph_of_a_single_line():
    assert render_inline_markdown("Tensor operations, `autograd` and `nn`.") == (
        "Tensor operations, <code>autograd</code> and <code>nn</code>."
    )


def test_inline_markdown_keeps_paragraphs_of_several():
    assert render_inline_markdown("one\n\ntwo") == "<p>one</p>\n<p>two</p>"


@pytest.mark.parametrize("value", [None, ""])
def test_empty_values_render_nothing(value):
    assert _render("{{ value|markdown }}|{{ value|inline_markdown }}", value) == "|"


def test_filter_output_is_not_escaped_again_by_the_template():
    assert _render("{{ value|markdown }}", "**bold**") == "<p><strong>bold</strong></p>"
