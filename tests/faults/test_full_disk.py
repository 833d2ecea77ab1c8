"""A full upload disk: a small tmpfs mounted as MEDIA_ROOT (CI runs as root), filled to
leave less room than a hand-in needs. The hand-in answers 503 storage_unavailable with
Retry-After, leaves no row, no partial and no empty file, /readyz says not ready; once
space is freed, the same request (same Idempotency-Key) is accepted.

Where mounting is not permitted (not root), the disk is simulated: the storage writes
half of the file and then fails with ENOSPC, as a full disk does."""

import datetime as dt
import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from rest_framework.test import APIClient

from submissions.models import Submission
from tests.submissions.conftest import pdf_upload

pytestmark = [pytest.mark.slow]

DISK_BYTES = 2 * 1024 * 1024
MIN_FREE_MB = 1


def files_under(root: Path) -> dict[str, int]:
    # Hand-ins only: page previews (grading workspace) are rendered after a PDF is stored.
    return {
        str(p.relative_to(root)): p.stat().st_size
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).parts[0] == "previews"
    }


class SmallDisk:
    """A tmpfs of DISK_BYTES at ``root``, or a simulated one (see the module doc)."""

    def __init__(self, root: Path, monkeypatch):
        self.root = root
        self.filler = root / "filler"
        self.mounted = False
        self.monkeypatch = monkeypatch
        mount = shutil.which("mount")
        if mount and os.geteuid() == 0:
            done = subprocess.run(  # noqa: S603
                [mount, "-t", "tmpfs", "-o", f"size={DISK_BYTES}", "tmpfs", str(root)],
                capture_output=True,
                check=False,
            )
            self.mounted = done.returncode == 0

    def fill(self, *, leave: int) -> None:
        """Leave ``leave`` bytes free (a real tmpfs), or make writes fail (simulated)."""
        if self.mounted:
            free = shutil.disk_usage(self.root).free
            self.filler.write_bytes(b"\0" * (free - leave))
            assert shutil.disk_usage(self.root).free <= leave + 4096
            return

        def full_disk(storage, name, content):
            path = Path(storage.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.read()[: max(content.size // 2, 1)])  # half written
            raise OSError(errno.ENOSPC, "No space left on device")

        self.monkeypatch.setattr(FileSystemStorage, "_save", full_disk)
        self.monkeypatch.setattr(
            "config.health.free_bytes", lambda storage: leave
        )  # /readyz sees the same disk

    def free_up(self) -> None:
        if self.mounted:
            self.filler.unlink()
            return
        self.monkeypatch.undo()

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", str(self.root)], check=False)  # noqa: S603, S607


@pytest.fixture
def small_disk(tmp_path, settings, monkeypatch):
    root = tmp_path / "media"
    root.mkdir()
    disk = SmallDisk(root, monkeypatch)
    settings.MEDIA_ROOT = str(root)
    settings.LECTERN_MEDIA_MIN_FREE_MB = MIN_FREE_MB
    yield disk
    disk.unmount()


@pytest.fixture
def open_homework(homework):
    homework.due_date = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)
    homework.save()
    return homework


@pytest.mark.django_db
def test_a_full_disk_answers_503_and_leaves_no_file_then_the_retry_is_accepted(
    small_disk, client, open_homework, group, alice, mailoutbox, django_capture_on_commit_callbacks
):
    upload = pdf_upload(pages=3)
    size = upload.size
    assert client.get(reverse("readyz")).status_code == 200
    small_disk.fill(leave=size // 2)  # less room than the file needs
    before = files_under(small_disk.root)

    api = APIClient()
    api.force_authenticate(alice)
    url = reverse("submissions-api:submission-create", args=[open_homework.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            url,
            {"file": pdf_upload(pages=3)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="hand-in-1",
        )
    assert response.status_code == 503
    assert response.json()["code"] == "storage_unavailable"
    assert int(response["Retry-After"]) > 0
    assert not Submission.objects.exists()
    assert files_under(small_disk.root) == before  # no partial file, no empty file
    assert mailoutbox == []

    ready = client.get(reverse("readyz"))
    assert ready.status_code == 503
    assert ready.json()["checks"]["storage"].startswith("error")

    # The web form says the same, with nothing stored.
    client.force_login(alice)
    page = client.post(
        reverse("submissions:assignment", args=[open_homework.pk]), {"file": pdf_upload(pages=3)}
    )
    assert page.status_code == 503
    assert "cannot store files" in page.content.decode()
    assert "Retry-After" in page
    assert files_under(small_disk.root) == before

    small_disk.free_up()
    assert client.get(reverse("readyz")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        retried = api.post(
            url,
            {"file": pdf_upload(pages=3)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="hand-in-1",
        )
    assert retried.status_code == 201
    submission = Submission.objects.get()
    assert submission.version == 1
    stored = files_under(small_disk.root)
    assert stored == {submission.file.name: size}
    assert len(mailoutbox) == 1
