"""Child process that parses one uploaded file under resource limits.

Started by ``submissions.filechecks`` (never by hand): the request (kind, rules, limits) is
JSON in ``argv``, the file's bytes come on stdin, and one JSON line goes to stdout, either
``{"ok": {"pages": ..., "counted_pages": ...}}`` or ``{"rejected": {"code": ..., "message": ...}}``.

The parser is imported before the limits are set, so the limits bound the parsing of the file
and not the interpreter's start-up. Running out of CPU time kills the process with
SIGXCPU (the parent reports "timeout"); running out of address space raises MemoryError,
reported as "too_complex". The parent also applies a wall-clock timeout.
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


def main(request_json: str) -> None:
    request = json.loads(request_json)
    kind = filechecks.FileKind(request["kind"])
    importlib.import_module(_PARSER_MODULES[kind])
    # Only our JSON line goes to the real stdout; anything a library prints goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")

    content = sys.stdin.buffer.read()
    rules = filechecks.rules_from_request(request["rules"])
    apply_limits(cpu_seconds=request["cpu_seconds"], memory_bytes=request["memory_bytes"])
    try:
        inspection = filechecks.inspect_content(kind, content, rules)
        reply = {"ok": {"pages": inspection.pages, "counted_pages": inspection.counted_pages}}
    except filechecks.FileRejected as rejected:
        reply = {"rejected": {"code": rejected.code.value, "message": rejected.message}}
    except MemoryError:
        # Too little memory left even to report it properly.
        os._exit(filechecks.WORKER_EXIT_NO_MEMORY)
    out.write(json.dumps(reply) + "\n")
    out.flush()
