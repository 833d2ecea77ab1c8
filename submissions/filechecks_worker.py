"""The processes that parse uploaded files under resource limits.

Started by ``submissions.filechecks`` (never by hand). Each web process starts one **check
server** (``serve``): ``python -I`` with a minimal environment, which imports the parsers
once and then forks a **child** per file. A check thus costs a fork, not an interpreter start
and imports, and every file still gets a fresh process of its own: nothing one hostile file
did reaches the next one's check, and no child holds Django, a database connection or the
web process's secrets.

Protocol. The web process holds a ``SOCK_SEQPACKET`` control socket to the server. For a
check it makes two socket pairs and sends one end of each over the control socket, with a
header ``{"wall": seconds}``:

- the **data** socket goes to the child: the web process writes the request (kind, rules,
  limits) and the file's bytes on it and reads back one verdict,
  ``{"ok": {"pages": ..., "counted_pages": ...}}``, ``{"rejected": {"code": ..., "message":
  ...}}`` or ``{"error": ...}`` (a bug, not the file). The server closes its copy at once, so
  the web process sees EOF as soon as the child is gone;
- the **status** socket stays with the server, which writes ``{"exit": code}`` once it has
  reaped the child (``-N`` for a signal). The server kills a child that outlives its wall
  time (``{"exit": -9, "wall": true}``).

Frames are a 4-byte big-endian length and a payload. The limits are set in the child after
the request is read, so they bound the parsing of the file: running out of CPU time kills
it with SIGXCPU ("timeout"), running out of address space raises MemoryError, reported by
the exit status ``filechecks.WORKER_EXIT_NO_MEMORY`` ("too_complex"). The child's standard
output and error go to /dev/null: with ``RLIMIT_FSIZE`` at 0, a library printing to a log
file would otherwise kill it.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import logging
import math
import os
import resource
import selectors
import signal
import socket
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from submissions import filechecks

# Imported by the server before it forks anything: every child has them loaded.
_PARSER_MODULES = {
    filechecks.FileKind.PDF: "pypdf",
    filechecks.FileKind.NOTEBOOK: "nbformat",
    filechecks.FileKind.ZIP: "zipfile",
}
MAX_CHILDREN = 64  # checks in flight at once; more wait in the control socket's queue
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


# --- the child ------------------------------------------------------------------------


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    _, current_hard = resource.getrlimit(kind)
    hard = soft if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(kind, (soft, hard))


def apply_limits(*, cpu_seconds: int, memory_bytes: int) -> None:
    """Bound this process: CPU time, address space, no core dumps, no files written.

    ``cpu_seconds`` is counted from now (RLIMIT_CPU counts from the process start);
    ``memory_bytes`` is the whole address space, interpreter and parsers included.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = math.ceil(usage.ru_utime + usage.ru_stime)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, 0)
    # No new processes (for the user's other processes count too, a parser has no use for
    # one). Not enforced for root, which a deployment never runs as.
    _limit(resource.RLIMIT_NPROC, 0)
    # SIGXCPU at the soft limit; the hard limit (SIGKILL) one second later is the backstop.
    _limit(resource.RLIMIT_CPU, spent + cpu_seconds, spent + cpu_seconds + 1)
    _limit(resource.RLIMIT_AS, memory_bytes)


def check(request: dict, content: bytes) -> dict:
    """The verdict on ``content``: parsed under the request's limits."""
    kind = filechecks.FileKind(request["kind"])
    importlib.import_module(_PARSER_MODULES[kind])  # loaded by the server already
    rules = filechecks.rules_from_request(request["rules"])
    apply_limits(cpu_seconds=request["cpu_seconds"], memory_bytes=request["memory_bytes"])
    try:
        inspection = filechecks.inspect_content(kind, content, rules)
    except filechecks.FileRejected as rejected:
        return {"rejected": {"code": rejected.code.value, "message": rejected.message}}
    return {"ok": {"pages": inspection.pages, "counted_pages": inspection.counted_pages}}


def _child(data: socket.socket, handler: Callable[[dict, bytes], dict]) -> None:
    """Runs in the forked child; never returns."""
    code = 0
    try:
        _die_with_the_server()
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stdout = sys.stderr = open(1, "w", closefd=False)  # noqa: SIM115
        logging.disable(logging.CRITICAL)
        warnings.simplefilter("ignore")
        request = json.loads(filechecks.read_frame(data) or b"null")
        content = filechecks.read_frame(data, max_bytes=request["size"])
        verdict = handler(request, content)
    except MemoryError:
        os._exit(filechecks.WORKER_EXIT_NO_MEMORY)  # too little memory left to report it
    except BaseException as exc:  # noqa: BLE001 — a bug, not the file: say so, then fail
        verdict, code = {"error": f"{type(exc).__name__}: {exc}"[:2000]}, 1
    try:
        filechecks.write_frame(data, json.dumps(verdict).encode())
    finally:
        os._exit(code)


def _die_with_the_server() -> None:
    """SIGKILL this child if the check server (its parent) ends first (Linux prctl)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the CPU limit still ends it
        return
    if os.getppid() == 1:  # the server ended between the fork and the prctl
        os._exit(1)


# --- the server -----------------------------------------------------------------------


@dataclass
class _Running:
    status: socket.socket  # the web process's status socket for this check
    deadline: float
    killed: bool = False  # by us: past its wall time, or the web process gave up on it


def serve(control_fd: int, handler: Callable[[dict, bytes], dict] = check) -> None:
    """Fork a child per check request arriving on ``control_fd``, until the web process
    closes it; report each child's exit status; kill a child past its wall time or whose
    check the web process gave up on (it closed the status socket)."""
    for module in _PARSER_MODULES.values():
        importlib.import_module(module)
    # Checks yield the CPU to the web threads: a flood of large files slows the checks,
    # not the pages (docs/file-checks.md, "Bounds on checking"). Children inherit it.
    os.nice(10)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a dev server is not for us
    control = socket.socket(fileno=control_fd)
    control.setblocking(False)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the selector through wake_w
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wake_r, selectors.EVENT_READ)
    running: dict[int, _Running] = {}

    def kill(pid: int) -> None:
        if not running[pid].killed:
            running[pid].killed = True
            os.kill(pid, signal.SIGKILL)

    def start(message: bytes, fds: list[int]) -> None:
        sockets = [socket.socket(fileno=fd) for fd in fds]
        try:
            data, status = sockets
            wall = float(json.loads(message)["wall"])
            pid = os.fork()
        except (ValueError, TypeError, KeyError, OSError):  # a bad request, or no fork now
            for sock in sockets:
                sock.close()  # the web process reads EOF on both: a server fault
            return
        if pid == 0:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for fd in (selector.fileno(), control.fileno(), wake_r, wake_w, status.fileno()):
                os.close(fd)
            for other in running.values():
                os.close(other.status.fileno())
            _child(data, handler)
        data.close()  # the child's now: EOF for the web process as soon as it is gone
        running[pid] = _Running(status, time.monotonic() + wall)
        selector.register(status, selectors.EVENT_READ, pid)

    def report(pid: int, wait_status: int) -> None:
        child = running.pop(pid)
        with contextlib.suppress(KeyError):  # unless the web process closed it already
            selector.unregister(child.status)
        ending = {"exit": os.waitstatus_to_exitcode(wait_status), "wall": child.killed}
        try:
            filechecks.write_frame(child.status, json.dumps(ending).encode())
        except OSError:
            pass  # the web process gave up on this check already
        child.status.close()

    while True:
        now = time.monotonic()
        deadlines = [c.deadline for c in running.values() if not c.killed]
        timeout = max(0.0, min(deadlines, default=now + 60) - now)
        for key, _ in selector.select(timeout):
            if key.fileobj is control:
                try:
                    message, fds, _, _ = socket.recv_fds(control, filechecks.MAX_FRAME, 2)
                except BlockingIOError:
                    continue
                if not message:  # the web process is gone: so are its checks
                    for pid in list(running):
                        kill(pid)
                    return
                start(message, fds)
            elif key.fileobj == wake_r:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake_r, 512):
                        pass
            else:  # a status socket: the web process only ever closes it
                with contextlib.suppress(OSError):
                    key.fileobj.recv(1)
                selector.unregister(key.fileobj)
                kill(key.data)
        while running:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            if pid in running:
                report(pid, wait_status)
        now = time.monotonic()
        for pid, child in list(running.items()):
            if now >= child.deadline:
                kill(pid)
        full, listening = len(running) >= MAX_CHILDREN, control in selector.get_map()
        if full and listening:
            selector.unregister(control)  # further requests wait in the control socket
        elif not full and not listening:
            selector.register(control, selectors.EVENT_READ)


if __name__ == "__main__":  # python -I filechecks_worker.py is not how it starts: see serve
    sys.exit("started by submissions.filechecks only")
