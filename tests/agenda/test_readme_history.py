"""import_history: a course's git history, one archived edition per tag (dulwich, no network)."""

import io

import pytest
from django.core.management import CommandError, call_command

from agenda.readme_history import HistoryError, history_import, read_versions
from agenda.readme_services import slug_from_tag
from courses.models import Edition, Lecture, PreviousEdition
from tests.agenda import history_repo

pytestmark = pytest.mark.django_db


@pytest.fixture
def repo(tmp_path):
    return history_repo.course_history(tmp_path / "course", head=history_repo.readme("shapes.md"))


@pytest.mark.parametrize(
    ("tag", "slug"),
    [
        ("v6-info8010-2023", "info8010-2023"),
        ("V12_info8010-2031", "info8010-2031"),
        ("info8010-2019", "info8010-2019"),
        ("release 2020!", "release-2020"),
    ],
)
def test_slug_from_tag(tag, slug):
    assert slug_from_tag(tag) == slug


def test_five_tags_give_five_archived_editions_and_a_second_run_changes_nothing(repo):
    first = history_import(path=str(repo))
    assert [(r.tag, r.slug, r.outcome) for r in first] == [
        ("v5-info8010-2022", "info8010-2022", "created"),
        ("v6-info8010-2023", "info8010-2023", "created"),
        ("v7-info8010-2024", "info8010-2024", "created"),
        ("v8-info8010-2025", "info8010-2025", "created"),
        ("v9-info8010-2026", "info8010-2026", "created"),
    ]
    editions = Edition.objects.order_by("slug")
    assert [(e.slug, e.status) for e in editions] == [
        (f"info8010-{year}", Edition.Status.ARCHIVED) for year in range(2022, 2027)
    ]
    assert Lecture.objects.filter(edition__slug="info8010-2025", cancelled=True).count() == 1
    counts = (Edition.objects.count(), Lecture.objects.count(), PreviousEdition.objects.count())

    second = history_import(path=str(repo))
    assert [r.outcome for r in second] == ["unchanged"] * 5
    assert (Edition.objects.count(), Lecture.objects.count(), PreviousEdition.objects.count()) == (
        counts
    )


def test_previous_editions_link_to_the_archived_editions_when_they_exist(repo, client):
    history_import(path=str(repo))
    links = {
        p.label: p.linked_edition.slug if p.linked_edition else None
        for p in PreviousEdition.objects.filter(edition__slug="info8010-2024")
    }
    assert links == {
        "2022-2023": "info8010-2023",
        "2021-2022": "info8010-2022",
        "2020-2021": None,
        "2019-2020": None,
        "2018-2019": None,
    }
    html = client.get("/editions/info8010-2024/archives/").content.decode()
    assert 'href="/editions/info8010-2023/"' in html
    assert 'href="https://github.com/glouppe/info8010-deep-learning/tree/v4-info8010-2021"' in html


def test_live_imports_the_current_branch_readme(repo):
    results = history_import(path=str(repo), live_slug="info8010")
    assert (results[-1].tag, results[-1].slug, results[-1].outcome) == ("", "info8010", "created")
    live = Edition.objects.get(slug="info8010")
    assert live.status == Edition.Status.DRAFT
    # The live edition links the archived 2024 one imported just before.
    assert PreviousEdition.objects.get(edition=live, label="2023-2024").linked_edition.slug == (
        "info8010-2024"
    )


def test_tags_glob_and_non_course_readmes(tmp_path):
    path = history_repo.build(
        tmp_path / "r",
        [
            ("v6-info8010-2023", history_repo.readme("info8010-2023.md")),
            ("docs-1", "# Notes\n\nNot a course.\n"),
            ("v7-broken", history_repo.readme("broken.md")),
        ],
    )
    assert [v.tag for v in read_versions(str(path), tags="v*")] == [
        "v6-info8010-2023",
        "v7-broken",
    ]
    results = history_import(path=str(path))
    assert [(r.tag, r.outcome) for r in results] == [
        ("v6-info8010-2023", "created"),
        ("docs-1", "skipped"),
        ("v7-broken", "failed"),
    ]
    assert "line 12" in results[2].line()
    assert not Edition.objects.filter(slug="broken").exists()


def test_a_tag_with_a_hostile_readme_writes_nothing(tmp_path):
    path = history_repo.build(
        tmp_path / "r", [("v1-info8010-2023", history_repo.readme("hostile-urls.md"))]
    )
    [result] = history_import(path=str(path))
    assert result.outcome == "failed"
    assert {p.line for p in result.problems} >= {3, 11, 24}
    assert not Edition.objects.exists()


def test_not_a_repository(tmp_path):
    with pytest.raises(HistoryError):
        history_import(path=str(tmp_path))


def test_command_prints_one_line_per_tag_and_fails_when_a_tag_fails(repo, tmp_path):
    out = io.StringIO()
    call_command("import_history", str(repo), "--tags", "v[5-7]-*", stdout=out)
    lines = out.getvalue().strip().split("\n")
    assert [line.split(":")[0] for line in lines] == [
        "v5-info8010-2022 -> info8010-2022",
        "v6-info8010-2023 -> info8010-2023",
        "v7-info8010-2024 -> info8010-2024",
    ]
    broken = history_repo.build(tmp_path / "b", [("v1-x-2023", history_repo.readme("broken.md"))])
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1"):
        call_command("import_history", str(broken), stdout=io.StringIO(), stderr=err)
    assert "v1-x-2023:README.md:12:" in err.getvalue()
    with pytest.raises(CommandError, match="not a git repository"):
        call_command("import_history", str(tmp_path / "none"))
