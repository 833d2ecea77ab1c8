"""Fills locale/fr/LC_MESSAGES/django.po from fr_translations.FR (run by `make messages`).

Reads the catalogue as `makemessages --no-wrap` writes it: one line per msgctxt, msgid,
msgid_plural. Prints the strings that have no French yet and exits non-zero if any."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from fr_translations import FR

PO = Path(__file__).resolve().parent / "fr" / "LC_MESSAGES" / "django.po"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _value(line: str, keyword: str) -> str:
    return ast.literal_eval(line[len(keyword) + 1 :])


def main() -> int:
    lines = PO.read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    missing: list[str] = []
    ctx: str | None = None
    msgid: str | None = None
    for line in lines:
        if line.startswith("msgctxt "):
            ctx = _value(line, "msgctxt")
        elif line.startswith("msgid "):
            msgid = _value(line, "msgid")
        elif line.startswith("msgstr") and msgid:
            key = (ctx, msgid) if ctx else msgid
            french = FR.get(key)
            if french is None:
                missing.append(repr(key))
                out.append(line)
                continue
            if line.startswith("msgstr "):
                out.append(f"msgstr {_quote(french if isinstance(french, str) else french[0])}")
            else:
                index = int(line[len("msgstr[") : line.index("]")])
                forms = (french, french) if isinstance(french, str) else french
                out.append(f"msgstr[{index}] {_quote(forms[min(index, 1)])}")
            continue
        elif line.startswith("#, fuzzy"):
            continue  # the French here is reviewed: nothing is a guess
        elif line == '"Language: \\n"':
            line = '"Language: fr\\n"'
        elif not line.strip():
            ctx = None
        out.append(line)
    PO.write_text("\n".join(out) + "\n", encoding="utf-8")
    for key in missing:
        print(f"no French for {key}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
