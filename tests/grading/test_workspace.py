"""The grading workspace in the admin: the queue of an assignment, the workspace of a
hand-in (rubric items, save and next, conflicts, bad input), anonymous grading, the page
images and their authorization, the release preview, and fixed query counts."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from decimal import Decimal as D

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from grading import services
from grading.models import Grade, RubricCriterion
from submissions.models import SubmissionPreview
from tests.grading.conftest import Course2023, grade, hand_in
from tests.submissions import filegen

pytestmark = pytest.mark.django_db


def queue_url(assignment):
    return reverse("grading-admin:queue", args=[assignment.pk])


def workspace_url(submission):
    return reverse("grading-admin:workspace", args=[submission.pk])


def page_url(submission, n=1):
    return reverse("submissions:page-image", args=[submission.pk, n])


def with_file(submission, data: bytes, name="report.pdf", kind="pdf"):
    submission.file.save(name, ContentFile(data), save=False)
    submission.original_name = name
    submission.content_kind = kind
    submission.save()
    return submission


@pytest.fixture
def reading(course):
    """Three groups handed in the reading report (a real 2-page PDF); a 2-item rubric."""
    RubricCriterion.objects.create(
        assignment=course.reading, name="Understanding", max_points=12, position=0
    )
    RubricCriterion.objects.create(
        assignment=course.reading, name="Writing", max_points=8, position=1
    )
    work = []
    for i, name in enumerate(["Alpha", "Beta", "Gamma"]):
        group, _ = course.group_of(f"r{i}a@x.test", f"r{i}b@x.test", name=name)
        work.append(with_file(hand_in(course.reading, group), filegen.report_pdf(2)))
    return work


def grade_r(course, group, total, *, release=False):
    """Grade the reading report through its rubric: ``total`` out of 20 (understanding
    first, up to 12)."""
    understanding, writing = RubricCriterion.objects.filter(assignment=course.reading)
    total = D(str(total))
    first = min(total, D(12))
    g = services.grade_save(
        actor=course.ta,
        assignment=course.reading,
        group=group,
        rubric={understanding.pk: first, writing.pk: total - first},
        via="system",
    )
    if release:
        services.grade_release(actor=course.ta, assignment=course.reading, via="system")
    return g


def _post(client, submission, *, revision=0, action="next", **fields):
    data = {"revision": str(revision), "feedback": "", "action": action, **fields}
    return client.post(workspace_url(submission), data)


def test_the_queue_shows_status_grader_score_and_progress(client, course, reading):
    grade_r(course, reading[1].group, 15)
    client.force_login(course.ta)
    response = client.get(queue_url(course.reading))
    html = response.content.decode()
    assert response.status_code == 200
    assert "graded 1 of 3" in html
    assert '<progress id="progress" value="1" max="3">' in html
    rows = re.findall(r"<tr class=\"status-[^\"]+\">(.*?)</tr>", html, re.S)
    assert [re.search(r"<th scope=\"row\">(.*?)</th>", r).group(1) for r in rows] == [
        "Alpha",
        "Beta",
        "Gamma",
    ]
    assert "not graded" in rows[0] and "draft" in rows[1] and "15 / 20" in rows[1]
    # Times in the edition's zone with its abbreviation: an hour before the 23:59 deadline.
    assert re.search(r"2023-05-19 22:59 CEST", html)


def test_the_queue_filters_and_the_split_is_stored_and_shown(client, course, reading):
    second = course.ta.__class__.objects.create_user(email="ta2@x.test", password="x")
    from courses.models import Membership
    from tests.factories import MembershipFactory

    MembershipFactory(edition=course.edition, user=second, role=Membership.Role.TA)
    grade_r(course, reading[0].group, 10)
    client.force_login(course.ta)
    response = client.post(reverse("grading-admin:split", args=[course.reading.pk]), follow=True)
    assert "2 hand-ins assigned" in response.content.decode()
    graders = set(
        Grade.objects.filter(assignment=course.reading, score__isnull=True).values_list(
            "grader_id", flat=True
        )
    )
    assert graders == {course.ta.pk, second.pk}
    html = client.get(queue_url(course.reading)).content.decode()
    assert "Sharing the work" in html and "ta2@x.test" in html
    todo = client.get(queue_url(course.reading) + "?show=todo").content.decode()
    assert "Alpha" not in todo and "Beta" in todo and "Gamma" in todo
    mine = client.get(queue_url(course.reading) + "?show=mine").content.decode()
    assert mine.count("status-") == len(
        Grade.objects.filter(assignment=course.reading, grader=course.ta)
    )


def test_save_and_next_stores_the_rubric_and_goes_to_the_next_ungraded(client, course, reading):
    grade_r(course, reading[1].group, 15)  # Beta is graded
    client.force_login(course.ta)
    understanding, writing = RubricCriterion.objects.filter(assignment=course.reading)
    page = client.get(workspace_url(reading[0]))
    html = page.content.decode()
    assert page.status_code == 200
    assert page_url(reading[0], 1) in html and page_url(reading[0], 2) in html
    assert "<kbd>1</kbd> Understanding" in html
    assert 'src="/static/grading/workspace.js"' in html
    assert "<script>" not in html and " onclick=" not in html
    response = _post(
        client,
        reading[0],
        **{f"on_{understanding.pk}": "on", f"points_{writing.pk}": "5.5"},
        feedback="Good.",
    )
    assert response.status_code == 302
    assert response["Location"] == workspace_url(reading[2])  # Beta is skipped
    saved = Grade.objects.get(assignment=course.reading, group=reading[0].group)
    assert (saved.score, saved.grader, saved.feedback) == (D("17.5"), course.ta, "Good.")
    assert saved.revision == 1


def test_rubric_points_out_of_range_are_refused_and_nothing_is_saved(client, course, reading):
    client.force_login(course.ta)
    understanding = RubricCriterion.objects.filter(assignment=course.reading).first()
    response = _post(client, reading[0], **{f"points_{understanding.pk}": "13"})
    assert response.status_code == 400
    assert "less than or equal to 12" in response.content.decode()
    assert not Grade.objects.filter(assignment=course.reading).exists()


def test_the_second_of_two_tas_saving_at_once_gets_a_conflict_and_keeps_their_text(
    client, course, reading
):
    writing = RubricCriterion.objects.get(assignment=course.reading, name="Writing")
    client.force_login(course.ta)
    first = _post(client, reading[0], action="save", feedback="First TA.")
    assert first.status_code == 302
    second = _post(
        client, reading[0], action="save", revision=0, feedback="Second TA's long comment."
    )
    html = second.content.decode()
    assert second.status_code == 409
    assert "saved this grade while you had it open" in html
    assert "Second TA&#x27;s long comment." in html  # nothing typed is lost
    saved = Grade.objects.get(assignment=course.reading, group=reading[0].group)
    assert saved.feedback == "First TA."
    # Saving again from the conflict page (its revision is the saved one) replaces it.
    revision = re.search(r'name="revision" value="(\d+)"', html).group(1)
    again = _post(
        client,
        reading[0],
        action="save",
        revision=int(revision),
        feedback="Second TA's long comment.",
        **{f"points_{writing.pk}": "4"},
    )
    assert again.status_code == 302
    saved.refresh_from_db()
    assert saved.feedback == "Second TA's long comment."


def test_release_this_grade_releases_only_it(client, course, reading, mailoutbox):
    client.force_login(course.ta)
    understanding, writing = RubricCriterion.objects.filter(assignment=course.reading)
    fields = {f"on_{understanding.pk}": "on", f"on_{writing.pk}": "on"}
    _post(client, reading[1], action="save", **fields)
    response = _post(client, reading[0], action="release", **fields)
    assert response.status_code == 302
    statuses = dict(
        Grade.objects.filter(assignment=course.reading).values_list("group__name", "status")
    )
    assert statuses == {"Alpha": "released", "Beta": "draft"}


def test_anonymous_grading_hides_every_name_until_release(client, course, reading):
    course.reading.anonymous_grading = True
    course.reading.save()
    client.force_login(course.ta)
    names = ["Alpha", "Beta", "Gamma"] + [m.email for s in reading for m in s.members.all()]
    queue = client.get(queue_url(course.reading)).content.decode()
    workspace = client.get(workspace_url(reading[1])).content.decode()
    for html in (queue, workspace):
        assert not [n for n in names if n in html]
    assert "Hand-in #1" in queue and "Hand-in #2" in workspace
    grade_r(course, reading[1].group, 12, release=True)
    assert "Beta" in client.get(queue_url(course.reading)).content.decode()


def test_page_images_go_to_the_editions_staff_only(client, course, reading):
    other = Course2023("elsewhere")
    student = reading[0].members.first()
    client.force_login(course.ta)
    response = client.get(page_url(reading[0], 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response).startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(page_url(reading[0], 3 + 1)).status_code == 404
    missing = client.get(page_url(reading[0], 99))
    for user in (student, other.ta):
        client.force_login(user)
        refused = client.get(page_url(reading[0], 1))
        assert refused.status_code == 404
        assert refused.content == missing.content
    client.logout()
    assert client.get(page_url(reading[0], 1)).status_code == 404


def test_pages_are_rendered_once_and_kept_in_storage(client, course, reading):
    from submissions.preview_services import submission_pages_render

    preview = submission_pages_render(submission=reading[0])
    assert preview.status == SubmissionPreview.Status.READY and preview.page_count >= 2
    storage = reading[0].file.storage
    assert storage.exists(f"{preview.folder}/page-1.png")
    client.force_login(course.ta)
    assert client.get(page_url(reading[0], 1)).status_code == 200
    assert SubmissionPreview.objects.get(pk=reading[0].pk).folder == preview.folder


def test_a_pdf_that_cannot_be_rendered_shows_no_preview_and_the_download(client, course):
    group, _ = course.group_of("broken@x.test", name="Broken")
    submission = hand_in(course.reading, group)  # "%PDF-1.4 test": not a PDF pdfium reads
    client.force_login(course.ta)
    response = client.get(workspace_url(submission))
    html = response.content.decode()
    assert response.status_code == 200
    assert "No preview" in html
    assert reverse("submissions:file", args=[submission.pk]) in html
    assert client.get(page_url(submission, 1)).status_code == 404


def test_a_notebook_is_rendered_without_scripts_and_with_its_outputs(client, course):
    course.hw1.accepted_kinds = ["notebook"]
    course.hw1.save()
    group, _ = course.group_of("nb@x.test", name="Notebookers")
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": 1,
                "id": "c1",
                "metadata": {},
                "source": ["print('hello')"],
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["hello output\n"]},
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {
                            "text/html": ["<b onclick='steal()'>bold</b><script>alert(1)</script>"]
                        },
                    },
                ],
            },
            {
                "cell_type": "markdown",
                "id": "m1",
                "metadata": {},
                "source": ["<img src=x onerror=alert(2)>"],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    submission = with_file(
        hand_in(course.hw1, group), json.dumps(notebook).encode(), "work.ipynb", "notebook"
    )
    client.force_login(course.ta)
    html = client.get(workspace_url(submission)).content.decode()
    assert "hello output" in html and "<b>bold</b>" in html
    assert "alert(1)" not in html and "onclick" not in html and "onerror" not in html


def test_a_zip_lists_its_files_with_text_inline(client, course):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("src/model.py", "import torch\nprint('<b>hi</b>')\n")
        archive.writestr("weights.bin", b"\x00\x01" * 10)
    group, _ = course.group_of("zip@x.test", name="Zippers")
    submission = with_file(hand_in(course.project, group), buffer.getvalue(), "code.zip", "zip")
    client.force_login(course.ta)
    html = client.get(workspace_url(submission)).content.decode()
    assert "src/model.py" in html and "weights.bin" in html
    assert "print(&#x27;&lt;b&gt;hi&lt;/b&gt;&#x27;)" in html


def test_the_workspace_and_queue_are_404_for_another_editions_ta(client, course, reading):
    other = Course2023("elsewhere")
    client.force_login(other.ta)
    assert client.get(queue_url(course.reading)).status_code == 404
    assert client.get(workspace_url(reading[0])).status_code == 404
    assert (
        client.post(reverse("grading-admin:release", args=[course.reading.pk])).status_code == 404
    )
    assert not Grade.objects.filter(status="released").exists()


def test_the_release_preview_counts_lists_and_shows_a_students_view(
    client, course, reading, django_capture_on_commit_callbacks, mailoutbox
):
    grade_r(course, reading[0].group, 14)
    grade_r(course, reading[1].group, 8)
    Grade.objects.filter(group=reading[0].group).update(feedback="Solid work overall.")
    client.force_login(course.ta)
    url = reverse("grading-admin:release", args=[course.reading.pk])
    html = client.get(url).content.decode()
    assert "2 grades will be released" in html
    assert "Gamma — handed in, not graded yet" in html
    assert '<meter min="0" max="1" value="1">' in html
    assert "Reading report: 14 / 20" in html and "Solid work overall." in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    assert Grade.objects.filter(assignment=course.reading, status="released").count() == 2
    assert len(mailoutbox) == 2


def test_links_to_the_queue_from_the_assignment_and_grade_admin(client, course, reading):
    g = grade_r(course, reading[0].group, 14)
    client.force_login(course.instructor)
    grade_page = client.get(reverse("admin:grading_grade_change", args=[g.pk])).content.decode()
    assert workspace_url(reading[0]) in grade_page and queue_url(course.reading) in grade_page
    from django.contrib.auth.models import Permission

    course.instructor.user_permissions.add(Permission.objects.get(codename="view_assignment"))
    listing = client.get(reverse("admin:assignments_assignment_changelist")).content.decode()
    assert queue_url(course.reading) in listing


def _more_hand_ins(course, n, start):
    for i in range(start, start + n):
        group, _ = course.group_of(f"q{i}@x.test", name=f"Q{i:02d}")
        submission = hand_in(course.reading, group)
        grade(course.reading, group, 10, actor=course.ta)
        SubmissionPreview.objects.create(submission=submission, status="failed")
    return submission


def test_queue_and_workspace_queries_do_not_grow_with_the_hand_ins(
    client, course, django_assert_max_num_queries
):
    last = _more_hand_ins(course, 3, 0)
    client.force_login(course.ta)
    client.get(queue_url(course.reading))  # session, permissions cached by the first view
    with django_assert_max_num_queries(12) as small_queue:
        client.get(queue_url(course.reading))
    with django_assert_max_num_queries(22) as small_ws:
        client.get(workspace_url(last))
    last = _more_hand_ins(course, 12, 3)
    with django_assert_max_num_queries(len(small_queue)):
        assert "graded 15 of 15" in client.get(queue_url(course.reading)).content.decode()
    with django_assert_max_num_queries(len(small_ws)):
        assert client.get(workspace_url(last)).status_code == 200


def test_the_admin_shows_edition_times_labelled_choices_and_presets_the_grader(
    client, course, reading
):
    # Handed in 2023-05-19 23:59 Brussels time (21:59 UTC), one hour before the deadline.
    reading[0].__class__.objects.filter(pk=reading[0].pk).update(
        submitted_at=dt.datetime(2023, 5, 19, 21, 59, tzinfo=dt.UTC)
    )
    client.force_login(course.ta)
    listing = client.get(reverse("admin:grading_submissiontograde_changelist")).content.decode()
    assert "2023-05-19 23:59 CEST" in listing
    add = client.get(reverse("admin:grading_grade_add")).content.decode()
    assert "Reading report — info8010-grading</option>" in add
    assert "Alpha — info8010-grading</option>" in add
    assert re.search(rf'<option value="{course.ta.pk}" selected>', add)
