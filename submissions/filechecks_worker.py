"""The child process that parses one uploaded file under resource limits.

Started by ``submissions.filechecks`` (never by hand), forked from multiprocessing's fork
server, which has this module and the parsers imported already: a check costs a fork, not
an interpreter start. ``run`` gets the request (kind, rules, limits) as JSON, the file's
bytes, and the write end of a pipe, on which it sends one dict, either
``{"ok": {"pages": ..., "counted_pages": ...}}`` or ``{"rejected": {"code": ..., "message": ...}}``.

The limits are set after the process starts, so they bound the parsing of the file and not
what the fork server had loaded. Running out of CPU time kills the process with SIGXCPU
(the parent reports "timeout"); running out of address space raises MemoryError, reported
as "too_complex". The parent also applies a wall-clock timeout.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import os
import resource
import sys
import warnings

from submissions import filechecks

# The parser each kind needs, imported before the limits apply (and only that one: importing
# is most of the worker's start-up time).
_PARSER_MODULES = {
    filechecks.FileKind.PDF: "pypdf",
    filechecks.FileKind.NOTEBOOK: "nbformat",
    filechecks.FileKind.ZIP: "zipfile",
}


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    _, current_hard = resource.getrlimit(kind)
    hard = soft if hard is None else hard
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(kind, (soft, hard))


def apply_limits(*, cpu_seconds: int, memory_bytes: int) -> None:
    """Bound this process: CPU time, address space, no core dumps, no files written.

    ``cpu_seconds`` is counted from now (RLIMIT_CPU counts from the process start, and the
    start-up already spent some); ``memory_bytes`` is the whole address space, interpreter
    included.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = math.ceil(usage.ru_utime + usage.ru_stime)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, 0)
    # SIGXCPU at the soft limit; the hard limit (SIGKILL) one second later is the backstop.
    _limit(resource.RLIMIT_CPU, spent + cpu_seconds, spent + cpu_seconds + 1)
    _limit(resource.RLIMIT_AS, memory_bytes)


def run(request_json: str, content: bytes, reply) -> None:
    """Check ``content`` as ``request_json`` says and send the verdict on ``reply``."""
    request = json.loads(request_json)
    kind = filechecks.FileKind(request["kind"])
    importlib.import_module(_PARSER_MODULES[kind])  # preloaded by the fork server: no cost
    # Anything a library prints goes to stderr, never mixed with the server's output.
    sys.stdout = sys.stderr
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")

    rules = filechecks.rules_from_request(request["rules"])
    apply_limits(cpu_seconds=request["cpu_seconds"], memory_bytes=request["memory_bytes"])
    try:
        inspection = filechecks.inspect_content(kind, content, rules)
        verdict = {"ok": {"pages": inspection.pages, "counted_pages": inspection.counted_pages}}
    except filechecks.FileRejected as rejected:
        verdict = {"rejected": {"code": rejected.code.value, "message": rejected.message}}
    except MemoryError:
        # Too little memory left even to report it properly.
        os._exit(filechecks.WORKER_EXIT_NO_MEMORY)
    reply.send(verdict)
    reply.close()
