"""Celery application. Tasks run in-process (eager) when no broker is configured.

Its signals carry the request id into tasks (``config/request_id.py``), count failed tasks
(``config/celery_metrics.py``) and keep the worker's logging as ``LOGGING`` says (JSON lines
with ``LOG_FORMAT=json``) instead of Celery's own.
"""

import logging
import logging.config
import os
from typing import Any

from celery import Celery, signals

from . import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("lectern")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

signals.before_task_publish.connect(request_id.task_published, weak=False)
signals.task_prerun.connect(request_id.task_starting, weak=False)
signals.task_postrun.connect(request_id.task_finished, weak=False)


@signals.task_failure.connect(weak=False)
def _count_failure(sender: Any = None, **kwargs: Any) -> None:
    from .celery_metrics import task_failed

    task_failed(getattr(sender, "name", None) or "unknown")


@signals.setup_logging.connect(weak=False)
def _django_logging(loglevel: Any = None, **kwargs: Any) -> None:
    """A worker or beat logs through ``LOGGING`` (Celery does not install its own handlers
    when this signal has a receiver); ``--loglevel`` still sets the level."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
