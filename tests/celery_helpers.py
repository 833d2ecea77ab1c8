"""Point the project's Celery app at another broker for one test, and back."""

from contextlib import contextmanager

from kombu import pools as kombu_pools

from config.celery import app as celery_app


def _reset_pools():
    # Connections and producers are pooled per broker; drop them so the next publish
    # connects to the broker configured now.
    # kombu keeps a process-wide registry of producer pools per broker URL, too.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def celery_on(broker_url: str, **conf):
    """Tasks published inside go to ``broker_url`` instead of running in-process."""
    keys = ["broker_url", "task_always_eager", *conf]
    old = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=broker_url, task_always_eager=False, **conf)
    _reset_pools()
    try:
        yield celery_app
    finally:
        celery_app.conf.update(**old)
        _reset_pools()
