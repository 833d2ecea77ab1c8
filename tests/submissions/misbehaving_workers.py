"""Check-server children that go wrong, for tests of how the web process copes.

Each is a ``handler(request, content) -> verdict`` for ``submissions.filechecks_worker.serve``
and runs in the forked child in place of the real check; ``serving`` starts a check server
that uses one of them (``filechecks._server_command`` is the seam).
"""

import json
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


def report_fds(request, content):
    """Answers with how many file descriptors the child holds."""
    fds = os.listdir("/proc/self/fd")  # the listing's own descriptor is among them
    return {"ok": {"pages": len(fds) - 1, "counted_pages": None}}


def answer_then_linger(request, content):
    """Sends its verdict (its pid as the page count) itself, then keeps running."""
    import socket

    from submissions import filechecks

    for fd in map(int, os.listdir("/proc/self/fd")):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                data = socket.socket(fileno=fd)
                break
        except OSError:
            continue
    verdict = {"ok": {"pages": os.getpid(), "counted_pages": None}}
    filechecks.write_frame(data, json.dumps(verdict).encode())
    time.sleep(60)


def odd_pages(request, content):
    return {"ok": {"pages": "many", "counted_pages": None}}


def odd_code(request, content):
    return {"rejected": {"code": "anything", "message": "<script>"}}
