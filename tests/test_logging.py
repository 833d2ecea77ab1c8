"""One line per event: Django's warnings are not printed twice (issue 14, point 11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("settings_module", ["config.settings.dev", "config.settings.test"])
def test_a_django_warning_is_logged_once(settings_module):
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('Not Found: /nowhere/')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    result = subprocess.run(  # noqa: S603 — our own interpreter and a fixed program
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert (result.stderr + result.stdout).count("Not Found: /nowhere/") == 1
