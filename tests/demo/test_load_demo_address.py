"""``load_demo`` prints the address ``make run`` serves, not always port 8000 (issue 14)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_load_demo_prints_the_real_host_and_port(monkeypatch):
    monkeypatch.setenv("HOST", "lectern.local")
    monkeypatch.setenv("PORT", "8123")
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert (
        "Open http://lectern.local:8123/ — admin at http://lectern.local:8123/admin/"
        in out.getvalue()
    )
    assert ":8000" not in out.getvalue()
