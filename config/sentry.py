"""Optional error reporting to Sentry, turned on by ``SENTRY_DSN`` (docs/deployment.md).

Called from the settings, so web processes, workers and beat alike report. No personal data
is sent (``send_default_pii=False``: no cookies, no user, no client address); performance
tracing is off unless ``SENTRY_TRACES_SAMPLE_RATE`` asks for a share of transactions.
"""

from __future__ import annotations


def sentry_init(*, dsn: str, environment: str, traces_sample_rate: float) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        traces_sample_rate=traces_sample_rate,
    )
