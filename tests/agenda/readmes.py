"""The README fixtures (tests/fixtures/readmes/) and what the README tests compare them by."""

from __future__ import annotations

import dataclasses
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "readmes"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def without_lines(parsed) -> dict:
    """The parsed data with the source line numbers cleared (they differ after a render)."""
    data = dataclasses.asdict(parsed)

    def clear(value):
        if isinstance(value, dict):
            return {k: clear(v) for k, v in value.items() if k != "line"}
        if isinstance(value, list):
            return [clear(v) for v in value]
        return value

    return clear(data)
