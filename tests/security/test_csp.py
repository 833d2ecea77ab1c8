"""Issue 10, case 11: a Content-Security-Policy without inline script on every HTML page.

The pages are those of the authorization matrix (``test_authorization_matrix.py``): every
mounted route, asked with GET by an anonymous visitor, a student and the staff, so a page
mounted tomorrow is checked too. Every HTML answer — pages, the admin, allauth, the API
docs, DRF's browsable API, error pages — must carry the policy.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client

from tests.security.test_authorization_matrix import ROUTES, cases_for, url_of

ROLES_ASKED = ("anonymous", "member", "instructor")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict(header: str | None, where: str) -> None:
    assert header, f"{where}: no Content-Security-Policy"
    policy = directives(header)
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts is not None, f"{where}: no script-src"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert not any(s in ("*", "data:", "http:", "https:") for s in scripts), where
    assert policy["object-src"] == ["'none'"], where
    assert policy["base-uri"] == ["'self'"], where
    assert policy["frame-ancestors"] == ["'none'"], where


@pytest.mark.django_db
def test_every_html_page_carries_a_policy_without_inline_script(world):
    clients = {}
    for role in ROLES_ASKED:
        clients[role] = Client()
        if (user := world.user(role)) is not None:
            clients[role].force_login(user)
    checked = set()
    for route in ROUTES:
        for case in cases_for(route) or []:
            if case.method != "get":
                continue
            url = url_of(route, case, world)
            for role, client in clients.items():
                savepoint = transaction.savepoint()
                try:
                    response = client.get(url, HTTP_ACCEPT="text/html")
                finally:
                    transaction.savepoint_rollback(savepoint)
                if not response.get("Content-Type", "").startswith("text/html"):
                    continue
                where = f"{role} GET {url} ({response.status_code})"
                assert_strict(response.get("Content-Security-Policy"), where)
                checked.add((route.key.split(":")[0], response.status_code))
    # The kinds of page: the site's, allauth's, the admin's, the API docs and browsable API,
    # and error pages.
    namespaces = {namespace for namespace, _ in checked}
    assert {"agenda", "submissions", "grading", "admin", "api"} <= namespaces, namespaces
    assert any(key.startswith("account_") for key, _ in checked)
    assert {status for _, status in checked} >= {200, 403, 404}


def test_the_api_docs_load_their_start_up_script_from_a_file(client):
    page = client.get("/api/docs/")
    assert_strict(page["Content-Security-Policy"], "/api/docs/")
    sources = re.findall(r"<script([^>]*)>", page.content.decode())
    assert sources and all("src=" in attributes for attributes in sources)


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_has_inline_script_or_event_handlers(template):
    html = template.read_text()
    for attributes in re.findall(r"<script\b([^>]*)>", html, flags=re.IGNORECASE):
        assert "src=" in attributes or "application/json" in attributes, attributes
    assert not re.search(r"\son[a-z]+\s*=", html, flags=re.IGNORECASE)
    assert "javascript:" not in html.lower()
