"""File-check workers that go wrong, for tests of how the parent copes.

Each takes the worker's arguments (``submissions.filechecks_worker.run``); they live in an
importable module because the fork server's child imports its target by name.
"""

import os
import signal
import sys
import time


def hang(request_json, content, reply):
    time.sleep(60)


def killed(request_json, content, reply):
    os.kill(os.getpid(), signal.SIGKILL)


def crash(request_json, content, reply):
    sys.exit("worker bug")


def silent(request_json, content, reply):
    """Exits cleanly without a verdict."""
