"""Rules about the code's shape that a machine can hold (docs/architecture.md)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 600


def _allowed() -> set[str]:
    """The modules docs/architecture.md lists, with a reason, under "Modules over 600 lines"."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text.split("## Modules over 600 lines", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+\.py)` \| \S", section, flags=re.MULTILINE))


def test_no_module_is_longer_than_600_lines_without_a_written_reason():
    long = {
        str(path.relative_to(ROOT)): n
        for path in ROOT.rglob("*.py")
        if not {".venv", "migrations", "var", "node_modules"} & set(path.parts)
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    unexplained = {path: n for path, n in long.items() if path not in _allowed()}
    assert not unexplained, (
        f"Over {LIMIT} lines with no reason in docs/architecture.md: {unexplained}"
    )


def test_the_list_of_long_modules_names_only_long_modules():
    stale = [p for p in _allowed() if len((ROOT / p).read_text().splitlines()) <= LIMIT]
    assert not stale, f"Listed as over {LIMIT} lines but no longer are: {stale}"


def test_every_csv_export_writes_through_the_one_safe_writer():
    """Formula injection (docs/security.md): only ``config/csv_safe.py`` makes a CSV writer."""
    writers = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if not {".venv", "migrations", "var", "node_modules", "tests", "bench"} & set(path.parts)
        and path.relative_to(ROOT).as_posix() != "config/csv_safe.py"
        and writers.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"Write CSV with config.csv_safe.writer: {offenders}"
