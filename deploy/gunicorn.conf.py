"""gunicorn settings read by the image's command (``--config deploy/gunicorn.conf.py``).

Only what the command line cannot say: the hooks that keep Prometheus' multiprocess mode
right (docs/deployment.md, "Metrics"). With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker
process writes its metrics to files in that folder and ``/metrics`` adds them up; the
folder is emptied when gunicorn starts (values of a previous run would count twice), and a
worker that exits is marked dead so that its live gauges drop out (its counters stay).
"""

import os
from pathlib import Path


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
