"""A tiny HTML tree for tests that read pages the way a person (or a screen reader) does."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str, class_: str | None = None) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag and (class_ is None or class_ in n.classes)]

    def find(self, tag: str, class_: str | None = None) -> Node:
        found = self.find_all(tag, class_)
        assert found, f"no <{tag} class={class_!r}>"
        return found[0]

    def text(self, *, hidden: bool = False) -> str:
        """Text content, whitespace collapsed; ``hidden`` includes screen-reader-only text."""
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif hidden or "visually-hidden" not in child.classes:
                parts.append(child.text(hidden=hidden))
        return " ".join("".join(parts).split())

    def links(self) -> list[tuple[str, str]]:
        """(visible text, href) of every link, in document order."""
        return [(a.text(), a.attrs.get("href") or "") for a in self.find_all("a")]


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str | bytes) -> Node:
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    return builder.root
