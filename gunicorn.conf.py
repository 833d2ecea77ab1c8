"""gunicorn's settings file (read from the working directory; command-line flags win).

After a worker has loaded Django, every object it holds (modules, URL patterns, templates,
settings: a few hundred thousand) is moved out of the garbage collector's reach with
``gc.freeze()``. Without it, each full collection walks all of them while holding the GIL,
and every thread of the worker waits: tens of milliseconds added to whichever requests are
running at that moment (docs/performance.md, "Latency tails").

With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker writes its metrics to files in that folder
and ``/metrics`` adds them up (docs/deployment.md, "Metrics"): the folder is emptied when
gunicorn starts (a previous run's values would count twice), and a worker that exits is
marked dead so that its live gauges drop out (its counters stay).
"""

import gc
import os
from pathlib import Path


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def post_worker_init(worker):
    gc.collect()
    gc.freeze()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
