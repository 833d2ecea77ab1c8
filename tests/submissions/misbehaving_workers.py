"""Check-server children that go wrong, for tests of how the web process copes.

Each is a ``handler(request, content) -> verdict`` for ``submissions.filechecks_worker.serve``
and runs in the forked child in place of the real check; ``serving`` starts a check server
that uses one of them (``filechecks._server_command`` is the seam).
"""

import os
import signal
import sys
import time

from submissions import filechecks

_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from submissions.filechecks_worker import serve; "
    "from tests.submissions import misbehaving_workers; "
    "serve(int(sys.argv[2]), getattr(misbehaving_workers, sys.argv[3]))"
)


def serving(monkeypatch, handler: str) -> None:
    """From now on checks run ``handler`` in the child; the caller stops the server at the
    end (``filechecks.stop_check_server``)."""
    filechecks.stop_check_server()
    monkeypatch.setattr(
        filechecks,
        "_server_command",
        lambda fd: [
            sys.executable,
            "-I",
            "-c",
            _BOOTSTRAP,
            str(filechecks._PROJECT_ROOT),
            str(fd),
            handler,
        ],
    )


def hang(request, content):
    time.sleep(60)


def killed(request, content):
    os.kill(os.getpid(), signal.SIGKILL)


def crash(request, content):
    sys.exit("worker bug")


def silent(request, content):
    """Exits cleanly without a verdict."""
    os._exit(0)
