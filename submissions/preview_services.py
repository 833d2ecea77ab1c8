"""The page images of PDF hand-ins, rendered once and kept in storage.

Rendered by a Celery task queued after a PDF hand-in commits (``render_submission_pages``)
and, when they are missing (a broker outage, a file handed in before previews existed), on
demand by the first staff member who asks for a page. A PDF pdfium cannot render is
recorded as "no preview" (the page offers the download), never an error page.
"""

from __future__ import annotations

import logging
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from . import previews
from .models import Submission, SubmissionPreview

logger = logging.getLogger(__name__)

ROOT = "previews"


def _storage() -> Storage:
    return Submission._meta.get_field("file").storage


def _page_name(folder: str, number: int) -> str:
    return f"{folder}/page-{number}.png"


def submission_pages_render(*, submission: Submission) -> SubmissionPreview | None:
    """Render every page of a PDF hand-in to PNG in storage and record it; None for other
    kinds of file. Rendering again replaces the previous images."""
    if submission.content_kind != "pdf":
        return None
    storage = _storage()
    previous = SubmissionPreview.objects.filter(submission=submission).first()
    try:
        with submission.file.open("rb") as handle:
            pages = previews.pdf_pages_png(handle.read())
    except (previews.PreviewError, OSError) as exc:
        logger.warning("No preview for submission %s: %s", submission.pk, exc)
        preview, _ = SubmissionPreview.objects.update_or_create(
            submission=submission,
            defaults={
                "status": SubmissionPreview.Status.FAILED,
                "page_count": 0,
                "folder": "",
                "error": str(exc)[:300],
            },
        )
        return preview
    folder = f"{ROOT}/{submission.assignment.edition_id}/{secrets.token_urlsafe(16)}"
    for number, png in enumerate(pages, start=1):
        storage.save(_page_name(folder, number), ContentFile(png))
    preview, _ = SubmissionPreview.objects.update_or_create(
        submission=submission,
        defaults={
            "status": SubmissionPreview.Status.READY,
            "page_count": len(pages),
            "folder": folder,
            "error": "",
        },
    )
    if previous is not None and previous.folder and previous.folder != folder:
        for number in range(1, previous.page_count + 1):
            storage.delete(_page_name(previous.folder, number))
    return preview


def submission_preview_ensure(*, submission: Submission) -> SubmissionPreview | None:
    """The preview of a PDF hand-in, rendered now if it is missing (or its files are)."""
    if submission.content_kind != "pdf":
        return None
    preview = SubmissionPreview.objects.filter(submission=submission).first()
    if preview is not None and (
        preview.status == SubmissionPreview.Status.FAILED
        or _storage().exists(_page_name(preview.folder, 1))
    ):
        return preview
    return submission_pages_render(submission=submission)


def submission_page_png(*, submission: Submission, number: int) -> bytes | None:
    """Page ``number`` (from 1) of a PDF hand-in as PNG bytes, rendering the pages if they
    are missing; None when there is no such page (or no preview)."""
    if number < 1:
        return None
    preview = getattr(submission, "preview", None) if hasattr(submission, "preview") else None
    if preview is None or preview.status != SubmissionPreview.Status.READY:
        preview = submission_preview_ensure(submission=submission)
    if preview is None or preview.status != SubmissionPreview.Status.READY:
        return None
    if number > preview.page_count:
        return None
    storage = _storage()
    name = _page_name(preview.folder, number)
    try:
        with storage.open(name, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        preview = submission_pages_render(submission=submission)
        if preview is None or preview.status != SubmissionPreview.Status.READY:
            return None
        if number > preview.page_count:
            return None
        with storage.open(_page_name(preview.folder, number), "rb") as handle:
            return handle.read()
