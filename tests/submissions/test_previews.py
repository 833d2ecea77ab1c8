"""Page images of PDF hand-ins: rendered by a task queued once the hand-in commits, kept in
storage; a file pdfium cannot read is recorded as "no preview". And the pure module."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from submissions import previews, services
from submissions.models import SubmissionPreview
from tests.submissions import filegen
from tests.submissions.conftest import pdf_upload

HW1_DEADLINE = dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_pdf_hand_in_queues_its_page_rendering_after_commit(
    homework, group, alice, django_capture_on_commit_callbacks
):
    with time_machine.travel(HW1_DEADLINE - dt.timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks() as callbacks:
            submission = services.submission_create(
                user=alice, assignment=homework, upload=pdf_upload(2)
            )
        assert not SubmissionPreview.objects.exists()  # nothing before the commit
        for callback in callbacks:
            callback()
    preview = SubmissionPreview.objects.get(submission=submission)
    assert (preview.status, preview.page_count) == ("ready", 2)
    assert submission.file.storage.exists(f"{preview.folder}/page-2.png")


@pytest.mark.django_db
def test_a_notebook_hand_in_queues_no_rendering(
    homework, group, alice, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with time_machine.travel(HW1_DEADLINE - dt.timedelta(hours=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.submission_create(
                user=alice,
                assignment=homework,
                upload=SimpleUploadedFile("work.ipynb", filegen.notebook()),
            )
    assert not SubmissionPreview.objects.exists()


def test_pages_render_as_png_and_a_broken_pdf_is_a_preview_error():
    pages = previews.pdf_pages_png(filegen.pdf(filegen.text_pages(2)))
    assert len(pages) == 2 and all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pages)
    assert len(previews.pdf_pages_png(filegen.pdf(filegen.text_pages(5)), max_pages=3)) == 3
    with pytest.raises(previews.PreviewError):
        previews.pdf_pages_png(b"%PDF-1.4 not really")
    with pytest.raises(previews.PreviewError):
        previews.notebook_html(b"{not json")
    with pytest.raises(previews.PreviewError):
        previews.zip_entries(b"PK\x03\x04 broken")
