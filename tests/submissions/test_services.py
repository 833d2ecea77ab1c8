"""The acceptance service: the one place that decides whether a hand-in is on time."""

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from assignments.models import Assignment
from submissions import filechecks, services
from submissions.errors import DeadlinePassed, NotAllowed, SubmissionRefused
from submissions.models import Submission
from tests.factories import PaperFactory
from tests.submissions import filegen
from tests.submissions.conftest import make_group, make_student, pdf_upload

US = dt.timedelta(microseconds=1)
HW1_DEADLINE = dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)  # 23:59 CET


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db
def test_hand_in_one_microsecond_before_the_deadline_is_accepted(homework, group, alice):
    with time_machine.travel(HW1_DEADLINE - US, tick=False):
        submission = services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload()
        )
    assert submission.version == 1
    assert submission.submitted_at == HW1_DEADLINE - US
    assert submission.deadline_at == HW1_DEADLINE


@pytest.mark.django_db
def test_hand_in_at_the_deadline_is_refused_and_stores_nothing(homework, group, alice, settings):
    with time_machine.travel(HW1_DEADLINE, tick=False):
        with pytest.raises(DeadlinePassed) as refused:
            services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    assert refused.value.deadline == HW1_DEADLINE
    assert "23:59:00 Brussels time (CET) on Mon 6 Mar 2023" in refused.value.message
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_an_extension_moves_the_boundary_for_that_group_only(
    homework, group, other_group, alice, carol, ta
):
    services.extension_grant(actor=ta, assignment=homework, group=group, days=2)
    extended = HW1_DEADLINE + dt.timedelta(days=2)
    with time_machine.travel(extended - US, tick=False):
        services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
        with pytest.raises(DeadlinePassed):
            services.submission_create(user=carol, assignment=homework, upload=pdf_upload())
    with time_machine.travel(extended, tick=False):
        with pytest.raises(DeadlinePassed):
            services.submission_create(user=alice, assignment=homework, upload=pdf_upload())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("due_date", "deadline_utc"),
    [
        (dt.date(2023, 3, 26), dt.datetime(2023, 3, 26, 21, 59, tzinfo=dt.UTC)),  # CEST begins
        (dt.date(2023, 10, 29), dt.datetime(2023, 10, 29, 22, 59, tzinfo=dt.UTC)),  # CET again
    ],
)
def test_boundary_holds_on_the_days_brussels_changes_clocks(
    edition, group, alice, due_date, deadline_utc
):
    assignment = Assignment.objects.create(
        edition=edition, kind="homework", title="DST homework", due_date=due_date
    )
    assert assignment.due_at == deadline_utc
    with time_machine.travel(deadline_utc - US, tick=False):
        services.submission_create(user=alice, assignment=assignment, upload=pdf_upload())
    with time_machine.travel(deadline_utc, tick=False):
        with pytest.raises(DeadlinePassed):
            services.submission_create(user=alice, assignment=assignment, upload=pdf_upload())


@pytest.mark.django_db
def test_extension_across_the_march_2023_dst_change_ends_at_2359_local(edition, group, alice, ta):
    # Due Sat 25 March (CET); +2 days ends Mon 27 March 23:59 CEST = 21:59 UTC.
    assignment = Assignment.objects.create(
        edition=edition, kind="homework", title="H", due_date=dt.date(2023, 3, 25)
    )
    services.extension_grant(actor=ta, assignment=assignment, group=group, days=2)
    boundary = dt.datetime(2023, 3, 27, 21, 59, tzinfo=dt.UTC)
    with time_machine.travel(boundary - US, tick=False):
        services.submission_create(user=alice, assignment=assignment, upload=pdf_upload())
    with time_machine.travel(boundary, tick=False):
        with pytest.raises(DeadlinePassed):
            services.submission_create(user=alice, assignment=assignment, upload=pdf_upload())


@pytest.mark.django_db
def test_every_upload_is_a_new_version_with_the_members_of_that_moment(
    homework, group, alice, bob, carol
):
    with time_machine.travel(HW1_DEADLINE - dt.timedelta(days=1), tick=False):
        first = services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
        second = services.submission_create(user=bob, assignment=homework, upload=pdf_upload(2))
    assert (first.version, second.version) == (1, 2)
    assert set(first.members.values_list("email", flat=True)) == {alice.email, bob.email}
    assert second.submitted_by == bob
    assert second.pages == 2


@pytest.mark.django_db
def test_a_homework_from_a_group_of_one_is_refused(edition, homework, settings):
    loner = make_student(edition, "loner@example.test")
    make_group(edition, loner, name="Solo")
    with time_machine.travel(HW1_DEADLINE - dt.timedelta(days=1), tick=False):
        with pytest.raises(SubmissionRefused) as refused:
            services.submission_create(user=loner, assignment=homework, upload=pdf_upload())
    assert refused.value.code == "group_too_small"
    assert "groups of 2 to 3" in refused.value.message
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


BAD_FILES = {
    "png_renamed_pdf": ("report.pdf", filegen.png(), "unknown_type"),
    "truncated_pdf": ("report.pdf", filegen.truncated_pdf(), "pdf_unreadable"),
    "encrypted_pdf": ("report.pdf", filegen.encrypted_pdf(), "pdf_encrypted"),
    "empty": ("report.pdf", b"", "empty"),
    "path_traversal_name": ("../../etc/passwd.pdf", filegen.pdf(filegen.text_pages(1)), "bad_name"),
    "zip_bomb": ("code.zip", filegen.zip_of_zeros(200 * 1024 * 1024), "zip_bomb"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(
    case, edition, group, alice, settings
):
    name, data, code = BAD_FILES[case]
    assignment = Assignment.objects.create(
        edition=edition,
        kind="project",
        title="Project",
        due_date=dt.date(2023, 5, 19),
        accepted_kinds=["pdf", "zip"],
    )
    with time_machine.travel(dt.datetime(2023, 5, 1, tzinfo=dt.UTC), tick=False):
        with pytest.raises(SubmissionRefused) as refused:
            services.submission_create(
                user=alice,
                assignment=assignment,
                upload=SimpleUploadedFile(name, data),
                client_name=name,
            )
    assert refused.value.code == code, refused.value.message
    assert refused.value.message
    assert not Submission.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(edition, group, alice, settings):
    assignment = Assignment.objects.create(
        edition=edition, kind="project", title="P", due_date=dt.date(2023, 5, 19), max_file_mb=1
    )
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    with time_machine.travel(dt.datetime(2023, 5, 1, tzinfo=dt.UTC), tick=False):
        with pytest.raises(SubmissionRefused) as refused:
            services.submission_create(user=alice, assignment=assignment, upload=big)
    assert refused.value.code == "too_large"
    assert "1 MB" in refused.value.message
    assert stored_files(settings) == []


@pytest.fixture
def reading(edition):
    assignment = Assignment.objects.create(
        edition=edition,
        kind="reading_report",
        title="Reading assignment",
        due_date=dt.date(2023, 5, 19),
        max_pages=2,
        pages_exclude_references=True,
    )
    PaperFactory(assignment=assignment)
    return assignment


@pytest.mark.django_db
def test_a_three_page_reading_report_is_refused(reading, group, alice):
    paper = reading.papers.get()
    upload = SimpleUploadedFile("r.pdf", filegen.report_pdf(3))
    with time_machine.travel(dt.datetime(2023, 5, 1, tzinfo=dt.UTC), tick=False):
        with pytest.raises(SubmissionRefused) as refused:
            services.submission_create(
                user=alice, assignment=reading, upload=upload, paper_id=paper.pk
            )
    assert refused.value.code == "too_many_pages"
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_two_pages_plus_references_are_accepted_with_the_chosen_paper(reading, group, alice):
    paper = reading.papers.get()
    upload = SimpleUploadedFile("r.pdf", filegen.report_pdf(2, reference_pages=2))
    with time_machine.travel(dt.datetime(2023, 5, 1, tzinfo=dt.UTC), tick=False):
        submission = services.submission_create(
            user=alice, assignment=reading, upload=upload, paper_id=paper.pk
        )
    assert (submission.pages, submission.counted_pages) == (4, 2)
    assert submission.paper == paper


@pytest.mark.django_db
def test_a_reading_report_without_a_paper_choice_is_refused(reading, group, alice):
    with time_machine.travel(dt.datetime(2023, 5, 1, tzinfo=dt.UTC), tick=False):
        with pytest.raises(SubmissionRefused) as refused:
            services.submission_create(
                user=alice,
                assignment=reading,
                upload=SimpleUploadedFile("r.pdf", filegen.report_pdf(1)),
            )
    assert refused.value.code == "paper_required"


@pytest.mark.django_db
def test_project_requiring_an_approved_proposal_waits_for_approval(edition, group, alice, ta):
    proposal = Assignment.objects.create(
        edition=edition, kind="project_proposal", title="Proposal", due_date=dt.date(2023, 3, 20)
    )
    project = Assignment.objects.create(
        edition=edition,
        kind="project",
        title="Project",
        due_date=dt.date(2023, 5, 19),
        requires_approved_proposal=True,
    )
    with time_machine.travel(dt.datetime(2023, 4, 1, tzinfo=dt.UTC), tick=False):
        with pytest.raises(SubmissionRefused) as refused:
            services.submission_create(user=alice, assignment=project, upload=pdf_upload())
        assert refused.value.code == "proposal_not_approved"
        with pytest.raises(ValidationError):
            services.proposal_review(
                reviewer=ta, assignment=proposal, group=group, approved=False, comment=""
            )
        services.proposal_review(reviewer=ta, assignment=proposal, group=group, approved=True)
        assert services.submission_create(user=alice, assignment=project, upload=pdf_upload())


@pytest.mark.django_db
def test_a_student_of_another_edition_cannot_hand_in(homework):
    from tests.factories import EditionFactory

    other = EditionFactory(slug="elsewhere")
    outsider = make_student(other, "outsider@example.test")
    with pytest.raises(NotAllowed):
        services.submission_create(user=outsider, assignment=homework, upload=pdf_upload())


@pytest.mark.django_db
def test_receipt_signature_verifies_and_detects_tampering(homework, group, alice):
    with time_machine.travel(HW1_DEADLINE - dt.timedelta(hours=1), tick=False):
        submission = services.submission_create(
            user=alice, assignment=homework, upload=pdf_upload()
        )
    receipt = services.submission_receipt(submission=submission)
    assert receipt.signature == submission.signature
    valid, message = services.receipt_verify(text=receipt.to_json())
    assert valid, message
    forged = receipt.to_json().replace(receipt.submitted_at_utc, "2023-03-06T20:00:00+00:00")
    valid, message = services.receipt_verify(text=forged)
    assert not valid
    assert "signature does not match" in message
    valid, _ = services.receipt_verify(text="not json")
    assert not valid


@pytest.mark.django_db
def test_receipt_is_emailed_once_to_every_member_after_commit(
    homework, group, alice, bob, mailoutbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(HW1_DEADLINE - dt.timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks() as callbacks:
            submission = services.submission_create(
                user=alice, assignment=homework, upload=pdf_upload()
            )
        assert mailoutbox == []  # nothing leaves before the commit
        for callback in callbacks:
            callback()
    assert len(mailoutbox) == 1
    assert set(mailoutbox[0].to) == {alice.email, bob.email}
    assert submission.sha256 in mailoutbox[0].body
    assert mailoutbox[0].attachments[0][0].endswith(".json")
    from submissions.notification_services import receipt_email_send

    assert receipt_email_send(submission_id=submission.pk) is False  # already sent
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_late_hand_in_is_refused_before_its_file_is_parsed(homework, group, alice, monkeypatch):
    """Parsing costs a process per upload: late retries in a deadline rush must not pay it."""

    def parse(**kwargs):
        raise AssertionError("the file of a late hand-in was parsed")

    monkeypatch.setattr(filechecks, "check_file", parse)
    with time_machine.travel(HW1_DEADLINE, tick=False):
        with pytest.raises(DeadlinePassed) as refused:
            services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    assert refused.value.official_time == HW1_DEADLINE
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_on_time_on_arrival_but_late_at_the_group_lock_is_refused(
    homework, group, alice, settings, monkeypatch
):
    """The check on arrival is a shortcut; the lock time decides
    (docs/decisions/0002-deadline-rule.md)."""
    check_file = filechecks.check_file
    with time_machine.travel(HW1_DEADLINE - US, tick=False) as traveller:

        def slow_check(**kwargs):
            traveller.move_to(HW1_DEADLINE)
            return check_file(**kwargs)

        monkeypatch.setattr(filechecks, "check_file", slow_check)
        with pytest.raises(DeadlinePassed) as refused:
            services.submission_create(user=alice, assignment=homework, upload=pdf_upload())
    assert refused.value.official_time == HW1_DEADLINE
    assert not Submission.objects.exists()
    assert stored_files(settings) == []
