"""Sentry is optional: on with SENTRY_DSN (Django and Celery integrations, no personal data),
absent otherwise (config/sentry.py). Settings are imported in a subprocess: this one's are
configured already."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; django.setup()\n"
    "import sentry_sdk\n"
    "client = sentry_sdk.get_client()\n"
    "print(json.dumps({'active': client.is_active(),"
    " 'pii': client.options.get('send_default_pii'),"
    " 'integrations': sorted(getattr(client, 'integrations', {}))}))\n"
)


def _settings_with(**variables: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", **variables)
    result = subprocess.run(  # noqa: S603 — our own interpreter and a fixed program
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_dsn_sentry_is_not_initialised():
    assert _settings_with()["active"] is False


def test_with_a_dsn_sentry_reports_django_and_celery_errors_without_personal_data():
    # Nothing is sent unless an error happens; the address is a closed local port anyway.
    found = _settings_with(SENTRY_DSN="http://public@127.0.0.1:9/1", SENTRY_ENVIRONMENT="ci")
    assert found["active"] is True
    assert found["pii"] is False
    assert {"django", "celery"} <= set(found["integrations"])
