"""The README read as Markdown tokens (markdown-it-py): blocks with their source lines, and an
inline text as a list of pieces (text, links, line breaks, strikethrough).

The reader never splits Markdown by hand: tables, links, code spans, emphasis and fences are
what markdown-it says they are, and every block keeps its 1-based source line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

from config.validators import link_url_problem

# Links are validated by Lectern's own rule (config.validators), with a line-numbered problem:
# markdown-it's own check would silently turn a javascript: link into plain text.
_md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_md.validateLink = lambda url: True  # type: ignore[method-assign]

_BR_RE = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_HTML_URL_RE = re.compile(r"""\b(?:href|src|action|formaction)\s*=\s*["']?([^"'\s>]+)""", re.I)


@dataclass
class Row:
    line: int
    cells: list[Token]  # the inline token of each cell


@dataclass
class Block:
    kind: str  # "heading", "table", "bullet", "paragraph", "other"
    line: int  # first source line, 1-based
    end: int  # last source line, 1-based
    level: int = 0  # headings: 1 for "#", 2 for "##", …
    inline: Token | None = None  # headings, paragraphs, a bullet's first paragraph
    rows: list[Row] = field(default_factory=list)  # tables: the header row first

    @property
    def text(self) -> str:
        """The inline source as written (a heading's title, a bullet's first paragraph)."""
        return self.inline.content if self.inline is not None else ""


@dataclass
class Document:
    lines: list[str]
    blocks: list[Block]
    # (line, url) of every link, image and HTML link in the whole README.
    urls: list[tuple[int, str]]


def read(text: str) -> Document:
    """Parse ``text`` (newlines already normalised) into top-level blocks."""
    tokens = _md.parse(text)
    blocks: list[Block] = []
    urls: list[tuple[int, str]] = []
    for token in tokens:
        _collect_urls(token, urls)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.level != 0 or token.nesting == -1:
            index += 1
            continue
        start, end = (token.map[0] + 1, token.map[1]) if token.map else (0, 0)
        if token.type == "heading_open":
            blocks.append(Block("heading", start, end, int(token.tag[1]), tokens[index + 1]))
        elif token.type == "paragraph_open":
            blocks.append(Block("paragraph", start, end, inline=tokens[index + 1]))
        elif token.type == "table_open":
            blocks.append(Block("table", start, end, rows=_rows(tokens, index)))
        elif token.type == "bullet_list_open":
            for item in _list_items(tokens, index):
                blocks.append(item)
        elif token.map is not None:
            blocks.append(Block("other", start, end))
        index = _close(tokens, index) + 1 if token.nesting == 1 else index + 1
    return Document(text.split("\n"), blocks, urls)


def _close(tokens: list[Token], index: int) -> int:
    """The index of the token closing ``tokens[index]``."""
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1


def _rows(tokens: list[Token], index: int) -> list[Row]:
    rows: list[Row] = []
    for position in range(index + 1, _close(tokens, index)):
        token = tokens[position]
        if token.type == "tr_open":
            rows.append(Row(token.map[0] + 1 if token.map else 0, []))
        elif token.type == "inline" and rows:
            rows[-1].cells.append(token)
    return rows


def _list_items(tokens: list[Token], index: int) -> list[Block]:
    items: list[Block] = []
    for position in range(index + 1, _close(tokens, index)):
        token = tokens[position]
        if token.type == "list_item_open" and token.level == 1 and token.map:
            item = Block("bullet", token.map[0] + 1, token.map[1])
            inline = next(
                (t for t in tokens[position : _close(tokens, position)] if t.type == "inline"),
                None,
            )
            item.inline = inline
            items.append(item)
    return items


def _collect_urls(token: Token, urls: list) -> None:
    line = token.map[0] + 1 if token.map else 0
    if token.type in ("html_block",):
        urls += [(line, url) for url in _HTML_URL_RE.findall(token.content)]
    if token.type != "inline" or not token.children:
        return
    for offset, child in enumerate(token.children):
        if child.type in ("link_open", "image"):
            key = "href" if child.type == "link_open" else "src"
            urls.append((line + _line_offset(token.children, offset), str(child.attrs[key])))
        elif child.type == "html_inline":
            urls += [(line, url) for url in _HTML_URL_RE.findall(child.content)]


def _line_offset(children: list[Token], offset: int) -> int:
    return sum(1 for child in children[:offset] if child.type in ("softbreak", "hardbreak"))


def url_problems(document: Document, *, body_schemes: tuple[str, ...] = ("mailto",)) -> list:
    """(line, message) for every link the README may not carry (config.validators)."""
    found = []
    for line, url in document.urls:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme in body_schemes and "/" not in url.split(":", 1)[0]:
            continue
        if problem := link_url_problem(url):
            found.append((line, problem))
    return found


# --------------------------------------------------------------------------- inline pieces

TEXT = "text"
LINK = "link"
BREAK = "break"
STRIKE_OPEN = "s_open"
STRIKE_CLOSE = "s_close"


@dataclass
class Piece:
    kind: str  # TEXT, LINK, BREAK, STRIKE_OPEN, STRIKE_CLOSE
    text: str = ""  # TEXT: Markdown as written (code spans, emphasis); LINK: the label
    url: str = ""  # LINK


def pieces(inline: Token) -> list[Piece]:
    """The inline token as pieces; adjacent text is merged, emphasis and code kept as markup."""
    out: list[Piece] = []
    link: Piece | None = None

    def add_text(text: str) -> None:
        if link is not None:
            link.text += text
        elif out and out[-1].kind == TEXT:
            out[-1].text += text
        else:
            out.append(Piece(TEXT, text))

    for child in inline.children or []:
        kind = child.type
        if kind == "text":
            add_text(child.content)
        elif kind == "code_inline":
            add_text(f"{child.markup}{child.content}{child.markup}")
        elif kind in ("em_open", "em_close", "strong_open", "strong_close"):
            add_text(child.markup)
        elif kind in ("softbreak", "hardbreak"):
            add_text(" ")
        elif kind == "link_open":
            link = Piece(LINK, "", str(child.attrs.get("href", "")))
        elif kind == "link_close" and link is not None:
            out.append(link)
            link = None
        elif kind == "html_inline" and _BR_RE.match(child.content.strip()):
            out.append(Piece(BREAK))
        elif kind == "s_open" and link is None:
            out.append(Piece(STRIKE_OPEN))
        elif kind == "s_close" and link is None:
            out.append(Piece(STRIKE_CLOSE))
        else:
            add_text(child.markup or child.content)
    return out


def split_breaks(items: list[Piece]) -> list[list[Piece]]:
    """The pieces of each ``<br>``-separated part."""
    parts: list[list[Piece]] = [[]]
    for piece in items:
        if piece.kind == BREAK:
            parts.append([])
        else:
            parts[-1].append(piece)
    return parts


def as_text(items: list[Piece]) -> str:
    """The pieces written back as Markdown."""
    out = []
    for piece in items:
        if piece.kind == LINK:
            out.append(f"[{piece.text}]({piece.url})")
        elif piece.kind == TEXT:
            out.append(piece.text)
        elif piece.kind in (STRIKE_OPEN, STRIKE_CLOSE):
            out.append("~~")
        else:
            out.append("<br>")
    return "".join(out)
