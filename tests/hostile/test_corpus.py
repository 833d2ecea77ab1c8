"""The hostile-input corpus (issue 10, "Also"): crafted files, receipts, headers and
parameters sent to the web form, the REST API and the admin. Each must be refused with a
4xx and a clear code (the API's ``error``; the page and the admin show the same message),
and nothing may be written: no row, no stored file.

The other files of this folder hold one case of the issue each (DST extension, join codes,
the allow-list, receipts, junk bytes, CSV formulas, long file names); this module runs the
whole corpus across the entry points. Add a hostile input here, with the code it must get.
"""

from __future__ import annotations

import html
import io
import os
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.hostile.test_receipts import CRAFTED
from tests.submissions import filegen

pytestmark = pytest.mark.django_db


# --- what "nothing written" means ---------------------------------------------------------


def _snapshot() -> tuple[dict[str, int], int]:
    """Row counts of every model of Lectern's apps, and the number of stored files."""
    rows = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in ("accounts", "courses", "assignments", "submissions", "grading", "authtoken")
        and model._meta.label != "sessions.Session"
    }
    files = sum(len(names) for _, _, names in os.walk(settings.MEDIA_ROOT))
    return rows, files


def _client(user=None, **defaults) -> Client:
    client = Client(raise_request_exception=False, **defaults)
    if user is not None:
        client.force_login(user)
    return client


# --- files --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HostileFile:
    name: str
    content: bytes
    code: str

    def upload(self):
        """For the admin form (Django's test client sends the base name only)."""
        data = io.BytesIO(self.content)
        data.name = self.name
        return data


BOUNDARY = "hostile-boundary-7f3a"


def multipart(fields: dict[str, object], *, field: str, upload: HostileFile) -> bytes:
    """A multipart body with ``upload``'s name exactly as given (folders, NUL and all), as a
    crafted client sends it; Django's test client would send only its base name."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    quoted = upload.name.replace('"', "&quot;").replace("\n", "&#10;")  # Django unescapes
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; filename="{quoted}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + upload.content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post_file(client: Client, url: str, upload: HostileFile, field: str = "file", **fields):
    return client.post(
        url,
        multipart(fields, field=field, upload=upload),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


PDF = filegen.pdf(filegen.text_pages(1))

FILES = {
    "empty": HostileFile("report.pdf", b"", "empty"),
    "png_named_pdf": HostileFile("report.pdf", filegen.png(), "unknown_type"),
    "html_named_pdf": HostileFile("report.pdf", b"<html><script>alert(1)</script>", "unknown_type"),
    "pdf_named_notebook": HostileFile("report.ipynb", PDF, "extension_mismatch"),
    "truncated_pdf": HostileFile("report.pdf", filegen.truncated_pdf(), "pdf_unreadable"),
    "encrypted_pdf": HostileFile("report.pdf", filegen.encrypted_pdf(), "pdf_encrypted"),
    "zip_not_accepted": HostileFile("code.zip", filegen.code_zip(), "kind_not_accepted"),
    "traversal_name": HostileFile("../../etc/passwd.pdf", PDF, "bad_name"),
    "backslash_name": HostileFile("..\\..\\boot.pdf", PDF, "bad_name"),
    "right_to_left_override": HostileFile("report\u202efdp.pdf", PDF, "bad_name"),
    "newline_in_name": HostileFile("report\n.pdf", PDF, "bad_name"),
    "only_an_extension": HostileFile(".pdf", PDF, "bad_name"),
    "long_name": HostileFile("a" * 300 + ".pdf", PDF, "bad_name"),
    "broken_notebook": HostileFile("nb.ipynb", b'{"cells": [', "kind_not_accepted"),
    "nul_in_name": HostileFile("report\x00.pdf", PDF, "bad_name"),
}


@pytest.mark.parametrize("label", sorted(FILES))
def test_a_hostile_file_is_refused_everywhere_and_nothing_is_written(world, label):
    hostile = FILES[label]
    before = _snapshot()

    api = post_file(
        _client(world.users["member"]),
        reverse("submissions-api:submission-create", args=[world.homework.pk]),
        hostile,
    )
    assert api.status_code == 400, api.content
    assert api.json()["code"] == hostile.code
    message = api.json()["detail"]

    web = post_file(
        _client(world.users["member"]),
        reverse("submissions:assignment", args=[world.homework.pk]),
        hostile,
    )
    assert web.status_code == 400
    assert html.escape(message) in web.content.decode()

    admin_client = _client(world.users["instructor"])
    admin = post_file(
        admin_client,
        reverse("admin:submissions_submission_add"),
        hostile,
        field="upload",
        assignment=world.homework.pk,
        student=world.users["member"].pk,
    )
    assert admin.status_code == 302  # back to the form, with the message
    shown = admin_client.get(admin["Location"]).content.decode()
    assert html.escape(message) in shown

    assert _snapshot() == before


# --- receipts -----------------------------------------------------------------------------


@pytest.mark.parametrize("label", sorted(CRAFTED))
def test_a_crafted_receipt_is_an_invalid_receipt_and_writes_nothing(world, label):
    before = _snapshot()

    response = _client(world.users["instructor"]).post(
        reverse("submissions:verify-receipt"), {"text": CRAFTED[label](world.receipt_a)}
    )

    assert response.status_code == 400
    assert "Invalid receipt" in response.content.decode()
    assert _snapshot() == before


# --- headers ------------------------------------------------------------------------------

HEADERS = {
    "nul_in_token": ({"HTTP_AUTHORIZATION": "Token abc\x00"}, 400, "invalid_characters"),
    "nul_in_cookie": ({"HTTP_COOKIE": "sessionid=abc\x00def"}, 400, "invalid_characters"),
    "nul_in_user_agent": ({"HTTP_USER_AGENT": "curl\x00"}, 400, "invalid_characters"),
    "foreign_host": ({"HTTP_HOST": "evil.test"}, 400, None),
    "unknown_token": ({"HTTP_AUTHORIZATION": "Token " + "f" * 40}, 401, None),
    "malformed_authorization": ({"HTTP_AUTHORIZATION": "Token a b c"}, 401, None),
}

SURFACES = {
    "web_form": lambda w: ("post", reverse("submissions:assignment", args=[w.homework.pk])),
    "api": lambda w: ("post", reverse("submissions-api:submission-create", args=[w.homework.pk])),
    "admin": lambda w: ("post", reverse("admin:submissions_submission_add")),
}


def _named_pdf():
    data = io.BytesIO(PDF)
    data.name = "report.pdf"
    return data


@pytest.mark.parametrize(
    ("label", "surface"),
    [
        (label, surface)
        for label, (_, status, _) in sorted(HEADERS.items())
        for surface in sorted(SURFACES)
        if status != 401 or surface == "api"  # token authentication is the API's
    ],
)
def test_a_hostile_header_is_a_4xx_and_writes_nothing(world, label, surface):
    headers, status, code = HEADERS[label]
    _, url = SURFACES[surface](world)
    before = _snapshot()
    client = _client(world.users["instructor" if surface == "admin" else "member"])

    response = client.post(
        url,
        {
            "file": _named_pdf(),
            "upload": _named_pdf(),
            "assignment": world.homework.pk,
            "student": world.users["member"].pk,
        },
        **headers,
    )

    assert response.status_code == status, response.content[:300]
    if code:
        assert code.encode() in response.content
    assert _snapshot() == before


# --- parameters ---------------------------------------------------------------------------

PARAMETERS = {
    "nul_query_web": (
        "get",
        lambda w: reverse("submissions:dashboard", args=[w.pub.slug]) + "?x=%00",
    ),
    "nul_query_api": ("get", lambda w: "/api/v1/me/grades/?edition=%00"),
    "invalid_utf8_query_api": ("get", lambda w: "/api/v1/me/submissions/?page=%C3%28"),
    "nul_admin_search": (
        "get",
        lambda w: reverse("admin:submissions_submission_changelist") + "?q=%00",
    ),
    "nul_admin_filter": (
        "get",
        lambda w: reverse("admin:submissions_submission_changelist") + "?group__id__exact=%00",
    ),
    "nul_in_path": ("get", lambda w: "/editions/%00/"),
    "nul_calendar_token": ("get", lambda w: "/calendar/%00.ics"),
}


@pytest.mark.parametrize("label", sorted(PARAMETERS))
def test_a_hostile_parameter_is_400_invalid_characters(world, label):
    method, url = PARAMETERS[label]
    before = _snapshot()

    response = getattr(_client(world.users["instructor"]), method)(url(world))

    assert response.status_code == 400, response.content[:300]
    assert b"invalid_characters" in response.content
    assert _snapshot() == before


FORMS = {
    "group_create_nul_name": {"action": "create", "create-name": "Evil\x00"},
    "group_join_nul_code": {"action": "join", "join-code": "\x00"},
    "group_join_invalid_utf8": {"action": "join", "join-code": "\udcff"},
}


@pytest.mark.parametrize("label", sorted(FORMS))
def test_a_hostile_form_field_is_400_and_writes_nothing(world, label):
    before = _snapshot()
    body = urlencode(FORMS[label], encoding="utf-8", errors="surrogateescape")

    response = _client(world.users["student_elsewhere"]).post(
        reverse("submissions:group", args=[world.elsewhere.slug]),
        body,
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
    assert b"invalid_characters" in response.content
    assert _snapshot() == before


def test_a_path_that_is_not_utf8_is_an_ordinary_404(world):
    response = _client(world.users["member"]).get("/editions/%FF%FE/dashboard/")

    assert response.status_code == 404


def test_an_out_of_range_page_is_a_documented_404(world):
    response = _client(world.users["member"]).get("/api/v1/me/submissions/?page=99999999999999")

    assert response.status_code == 404


# --- the edition's time zone ----------------------------------------------------------------


def test_an_unknown_time_zone_is_refused_in_the_admin_and_nothing_changes(world):
    from tests.admin_forms import submit

    client = _client(world.users["instructor"])
    before = _snapshot()
    url = reverse("admin:courses_edition_change", args=[world.pub.pk])

    response = submit(client, url, timezone="Mars/Olympus_Mons")

    shown = client.get(response.url).content.decode() if response.status_code == 302 else ""
    assert "Unknown time zone" in response.content.decode() + shown
    world.pub.refresh_from_db()
    assert world.pub.timezone == "Europe/Brussels"
    assert _snapshot() == before


def test_a_new_time_zone_that_puts_an_extension_in_its_gap_answers_no_500(world):
    """Deadlines follow the edition's zone (derived on read). A zone in which a deadline
    does not exist is refused; one in which only a group's *extended* end does not exist is
    allowed (the ``assignments`` app cannot see extensions) and read by decision 0013."""
    import datetime as dt

    import time_machine

    from assignments.services import edition_update
    from submissions import services
    from tests.factories import AssignmentFactory

    # 2027-03-14 02:00 → 03:00 in New York; Brussels changes two weeks later.
    late = AssignmentFactory(
        edition=world.pub, title="Late homework", due_date=dt.date(2027, 3, 13), min_group_size=1
    )
    services.extension_grant(
        actor=world.users["instructor"], assignment=late, group=world.group_a, hours=3
    )
    edition = type(world.pub).objects.get(pk=world.pub.pk)  # the world's copy stays as it is
    edition.timezone = "America/New_York"
    edition_update(edition=edition)
    late.refresh_from_db()

    with time_machine.travel(dt.datetime(2027, 3, 14, 6, 0, tzinfo=dt.UTC), tick=False):
        client = _client(world.users["member"])
        page = client.get(reverse("submissions:assignment", args=[late.pk]))
        board = client.get(reverse("submissions:dashboard", args=[world.pub.slug]))

    assert page.status_code == 200
    assert board.status_code == 200
    # 02:59 read at the offset before the change (EST, -05:00) = 07:59 UTC = 03:59 EDT.
    deadline = services.group_effective_deadline(assignment=late, group=world.group_a)
    assert deadline == dt.datetime(2027, 3, 14, 7, 59, tzinfo=dt.UTC)
