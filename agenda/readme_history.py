"""A course's whole history from its git repository: one archived edition per tag.

``history_import`` reads every tag of a local repository (dulwich: no ``git`` binary, no
network) whose README is a course README, oldest first, and imports it with
``readme_import`` as the archived edition named after the tag (``v6-info8010-2023`` ->
``info8010-2023``); ``live_slug`` imports the current branch's README as the live edition.
Each tag is its own transaction and a re-run changes nothing (docs/readme-format.md).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from dulwich.errors import NotGitRepository
from dulwich.object_store import tree_lookup_path
from dulwich.objects import Blob, Commit, Tag
from dulwich.refs import Ref
from dulwich.repo import Repo

from courses.models import Edition

from . import readme_format as fmt
from .readme_services import ImportReport, ReadmeImportError, readme_import, slug_from_tag

README_NAMES = (b"README.md", b"readme.md", b"Readme.md", b"README.markdown")
MAX_README_BYTES = 1_000_000


class HistoryError(Exception):
    """The repository cannot be read at all; nothing was imported."""


@dataclass
class Version:
    """The README of one tag (or of the current branch: ``tag`` empty)."""

    tag: str
    commit_time: int
    text: str | None = None
    skipped: str = ""  # why this version is not imported


@dataclass
class TagResult:
    tag: str
    slug: str
    outcome: str  # "created", "updated", "unchanged", "skipped", "failed"
    report: ImportReport | None = None
    problems: list[fmt.Problem] = field(default_factory=list)
    reason: str = ""

    def line(self) -> str:
        """One line of report for the tag."""
        name = self.tag or "(current branch)"
        if self.outcome in ("skipped", "failed"):
            return f"{name}: {self.outcome}: {self.reason}"
        detail = ""
        if self.report is not None and self.outcome != "unchanged":
            detail = "; " + "; ".join(self.report.summary_lines()[:2])
        return f"{name} -> {self.slug}: {self.outcome}{detail}"


def _commit_of(repo: Repo, sha: bytes) -> Commit | None:
    obj = repo[sha]
    while isinstance(obj, Tag):
        obj = repo[obj.object[1]]
    return obj if isinstance(obj, Commit) else None


def _readme(repo: Repo, commit: Commit) -> tuple[str | None, str]:
    for name in README_NAMES:
        try:
            _mode, sha = tree_lookup_path(repo.__getitem__, commit.tree, name)
        except KeyError:
            continue
        blob = repo[sha]
        if not isinstance(blob, Blob):
            continue
        if blob.raw_length() > MAX_README_BYTES:
            return None, f"{name.decode()} is larger than {MAX_README_BYTES} bytes"
        try:
            return blob.data.decode("utf-8"), ""
        except UnicodeDecodeError:
            return None, f"{name.decode()} is not UTF-8"
    return None, "no README.md"


def read_versions(path: str, *, tags: str = "*", live: bool = False) -> list[Version]:
    """The README of every tag matching the glob ``tags``, oldest commit first, then (with
    ``live``) the current branch's. Raises ``HistoryError`` if ``path`` is no repository."""
    try:
        repo = Repo(path)
    except (NotGitRepository, FileNotFoundError, NotADirectoryError) as exc:
        raise HistoryError(f"{path} is not a git repository") from exc
    with repo:
        versions = []
        for ref in repo.refs.keys(base=Ref(b"refs/tags")):
            name = ref.decode("utf-8", "replace")
            if not fnmatch.fnmatchcase(name, tags):
                continue
            commit = _commit_of(repo, repo.refs[Ref(b"refs/tags/" + ref)])
            if commit is None:
                versions.append(Version(name, 0, skipped="the tag names no commit"))
                continue
            text, why = _readme(repo, commit)
            versions.append(Version(name, commit.commit_time, text, why))
        versions.sort(key=lambda v: (v.commit_time, v.tag))
        if live:
            head = repo[repo.head()]
            assert isinstance(head, Commit)
            text, why = _readme(repo, head)
            versions.append(Version("", head.commit_time, text, why))
        return versions


def _is_course_readme(parsed: fmt.ParsedReadme) -> bool:
    return bool(parsed.course_code) and not any(
        p.message == 'no "## Agenda" section' for p in parsed.problems
    )


def history_import(
    *, path: str, tags: str = "*", live_slug: str | None = None, dry_run: bool = False
) -> list[TagResult]:
    """Create or update one archived edition per tag (and the live one); idempotent."""
    results = []
    for version in read_versions(path, tags=tags, live=bool(live_slug)):
        slug = live_slug if not version.tag and live_slug else slug_from_tag(version.tag)
        if not slug:
            results.append(TagResult(version.tag, slug, "skipped", reason="no slug in the tag"))
            continue
        if version.text is None:
            results.append(TagResult(version.tag, slug, "skipped", reason=version.skipped))
            continue
        if not _is_course_readme(fmt.parse_readme(version.text)):
            results.append(TagResult(version.tag, slug, "skipped", reason="not a course README"))
            continue
        status = Edition.Status.ARCHIVED if version.tag else None
        try:
            report = readme_import(
                text=version.text, edition_slug=slug, status=status, dry_run=dry_run
            )
        except ReadmeImportError as exc:
            first = f" (line {exc.problems[0].line}: {exc.problems[0].message})"
            reason = str(exc) + (first if exc.problems else "")
            results.append(
                TagResult(version.tag, slug, "failed", problems=exc.problems, reason=reason)
            )
            continue
        if report.edition_created:
            outcome = "created"
        else:
            outcome = "updated" if report.changed else "unchanged"
        results.append(TagResult(version.tag, slug, outcome, report=report))
    return results
