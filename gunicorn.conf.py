"""gunicorn's settings file (read from the working directory; command-line flags win).

After a worker has loaded Django, every object it holds (modules, URL patterns, templates,
settings: a few hundred thousand) is moved out of the garbage collector's reach with
``gc.freeze()``. Without it, each full collection walks all of them while holding the GIL,
and every thread of the worker waits: tens of milliseconds added to whichever requests are
running at that moment (docs/performance.md, "Latency tails").
"""

import gc


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
