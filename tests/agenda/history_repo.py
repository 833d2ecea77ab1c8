"""A local git repository of a course's README history, built with dulwich from fixtures.

Used by tests/agenda/test_readme_history.py and bench/history.py; never the network.
"""

from __future__ import annotations

from pathlib import Path

from dulwich import porcelain

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "readmes"
AUTHOR = b"Course Staff <staff@example.org>"
# (tag, fixture): the 2022, 2023 and 2024 READMEs, then synthetic editions of other shapes.
TAGGED = (
    ("v5-info8010-2022", "info8010-2022.md"),
    ("v6-info8010-2023", "info8010-2023.md"),
    ("v7-info8010-2024", "info8010-2024.md"),
    ("v8-info8010-2025", "shapes.md"),
    ("v9-info8010-2026", "quirks.md"),
)


def readme(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def build(path: Path, versions, *, head: str | None = None) -> Path:
    """Commit each (tag, README text) in order, one day apart, and tag it (annotated for
    every other tag); then commit ``head`` as the current README if given."""
    path.mkdir(parents=True, exist_ok=True)
    repo = porcelain.init(str(path))
    env = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(path)}
    when = 1_600_000_000
    for index, (tag, text) in enumerate(versions):
        when += 86_400
        (path / "README.md").write_text(text, encoding="utf-8")
        porcelain.add(repo, paths=[str(path / "README.md")])
        sha = porcelain.commit(
            repo,
            message=f"Edition {tag}".encode(),
            author=AUTHOR,
            committer=AUTHOR,
            author_timestamp=when,
            commit_timestamp=when,
        )
        porcelain.tag_create(
            repo,
            tag.encode(),
            author=AUTHOR,
            message=f"{tag}".encode(),
            annotated=bool(index % 2),
            objectish=sha,
            tag_time=when,
            env=env,
        )
    if head is not None:
        (path / "README.md").write_text(head, encoding="utf-8")
        porcelain.add(repo, paths=[str(path / "README.md")])
        porcelain.commit(
            repo,
            message=b"Live edition",
            author=AUTHOR,
            committer=AUTHOR,
            author_timestamp=when + 86_400,
            commit_timestamp=when + 86_400,
        )
    repo.close()
    return path


def course_history(path: Path, *, head: str | None = None) -> Path:
    return build(path, [(tag, readme(name)) for tag, name in TAGGED], head=head)
