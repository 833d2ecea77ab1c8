"""The workspace's own panel: the hand-in itself (PDF pages, notebook, ZIP file list).
Other apps add theirs with ``queue_selectors.workspace_panel`` (e.g. an autograder's
results), imported from their ``AppConfig.ready``."""

from __future__ import annotations

import warnings

from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from submissions import preview_services, previews
from submissions.models import Submission, SubmissionPreview

from .queue_selectors import Panel, workspace_panel

NOTEBOOK_CACHE_SECONDS = 24 * 3600


def _read(submission: Submission) -> bytes | None:
    try:
        with submission.file.open("rb") as handle:
            return handle.read()
    except OSError:
        return None


def _notebook(submission: Submission) -> dict:
    # Keyed by content: a hand-in never changes, so the copy never needs invalidating.
    key = f"grading:notebook-html:{submission.sha256}"
    html = cache.get(key)
    if html is None:
        data = _read(submission)
        if data is None:
            return {"error": _("The file is missing from storage.")}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                html = previews.notebook_html(data)
        except previews.PreviewError as exc:
            return {"error": str(exc)}
        cache.set(key, html, NOTEBOOK_CACHE_SECONDS)
    return {"notebook_html": html}


def _zip(submission: Submission) -> dict:
    data = _read(submission)
    if data is None:
        return {"error": _("The file is missing from storage.")}
    try:
        return {"is_zip": True, "entries": previews.zip_entries(data)}
    except previews.PreviewError as exc:
        return {"error": str(exc)}


def _pdf(submission: Submission) -> dict:
    preview: SubmissionPreview | None = getattr(submission, "preview", None)
    if preview is None:  # not rendered yet (no worker, a broker outage): render it now
        preview = preview_services.submission_preview_ensure(submission=submission)
    if preview is None or preview.status != SubmissionPreview.Status.READY:
        return {"error": _("The PDF cannot be rendered.")}
    return {
        "pages": [
            (n, reverse("submissions:page-image", args=[submission.pk, n]))
            for n in range(1, preview.page_count + 1)
        ]
    }


@workspace_panel
def hand_in_panel(submission: Submission) -> Panel:
    builders = {"pdf": _pdf, "notebook": _notebook, "zip": _zip}
    build = builders.get(submission.content_kind)
    context = build(submission) if build else {"error": _("There is none for this kind of file.")}
    return Panel(
        key="hand-in",
        title=_("%(name)s (version %(version)s)")
        % {"name": submission.original_name, "version": submission.version},
        template="admin/grading/panels/hand_in.html",
        context={
            "download_url": reverse("submissions:file", args=[submission.pk]),
            **context,
        },
    )
