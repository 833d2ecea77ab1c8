"""The autograder's runner: executed INSIDE the sandbox by the environment's Python
(``autograder/sandbox.py`` starts it under bubblewrap). Standard library, nbformat and
nbclient only — never Django: nothing of the server is visible in here.

It reads its job as JSON on stdin (the tests stay out of the sandbox's files), sets the
process-count limit (inside the sandbox's own user namespace, so it counts only the
sandbox's processes), executes ``notebook.ipynb`` of the working directory with nbclient (the
kernel runs in the same sandbox), runs the tests in that kernel, and writes one JSON object
on stdout:

    {"status": "done" | "failed" | "timeout", "error": str,
     "tests": [{"name", "status": "passed" | "failed" | "error" | "timeout",
                "points", "max_points", "message"}],
     "stdout": str, "stderr": str, "output_cut": int}

The notebook's own output is capped while it is received (``CappedClient``): a cell that
prints 100 MB costs the runner the cap, not 100 MB.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
import traceback

_emitted = threading.Lock()


def emit(result: dict) -> None:
    """Print the result, once (the main thread or the process watch, whichever is first)."""
    if _emitted.acquire(blocking=False):
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


def _watch_processes(nproc: int) -> None:
    """A fork bomb fills the process limit, and the kernel's children, copies of it, garble
    its channels: the run would only end at the wall time. When half the limit is taken by
    processes (a notebook's pool of workers takes a handful) for a second, every other
    process of the sandbox is killed and the run fails, saying why."""
    threshold = max(8, nproc // 2)
    strikes = 0
    while True:
        time.sleep(0.5)
        try:
            count = sum(1 for name in os.listdir("/proc") if name.isdigit())
        except OSError:
            continue
        strikes = strikes + 1 if count >= threshold else 0
        if strikes >= 2:
            os.kill(-1, signal.SIGKILL)  # all but this process and the sandbox's init
            emit({"status": "failed", "tests": [], "output_cut": 0, "error":
                  f"The notebook started {count} processes and reached the process limit "
                  f"({nproc}, with threads): stopped (a fork bomb?)."})  # fmt: skip
            os._exit(0)


# The tests' harness, run in the student's kernel once the notebook has run. ``points``
# registers a test; test functions are the bundle's ``test_*`` functions.
HARNESS = r"""
def __lectern_harness(__source, __marker, __per_test):
    import json as _json, signal as _signal, traceback as _tb
    registry = {}
    def points(value, message=""):
        def mark(fn):
            fn.__lectern_points__ = value
            fn.__lectern_message__ = message
            return fn
        return mark
    namespace = globals()
    namespace["points"] = points
    results = []
    try:
        exec(compile(__source, "tests.py", "exec"), namespace)
    except BaseException as exc:
        print(__marker + _json.dumps({"load_error": f"{type(exc).__name__}: {exc}"}))
        return
    class _Late(BaseException):
        pass
    def _alarm(signum, frame):
        raise _Late()
    _signal.signal(_signal.SIGALRM, _alarm)
    # The bundle's tests only: not a test_* function the notebook itself defines.
    tests = [(k, v) for k, v in list(namespace.items())
             if k.startswith("test_") and callable(v)
             and getattr(getattr(v, "__code__", None), "co_filename", "") == "tests.py"]
    for name, fn in tests:
        pts = getattr(fn, "__lectern_points__", 1)
        message = getattr(fn, "__lectern_message__", "") or (fn.__doc__ or "").strip()
        status, detail = "passed", ""
        _signal.alarm(__per_test)
        try:
            fn()
        except _Late:
            status, detail = "timeout", f"ran longer than {__per_test} s"
        except AssertionError as exc:
            status, detail = "failed", str(exc)
        except BaseException as exc:
            status, detail = "error", f"{type(exc).__name__}: {exc}"
        finally:
            _signal.alarm(0)
        results.append({"name": name, "status": status, "max_points": pts,
                        "points": pts if status == "passed" else 0,
                        "message": message if status == "passed" else
                        (message + (" — " if message and detail else "") + detail)[:2000]})
    print(__marker + _json.dumps({"tests": results}))
"""


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


def _make_client(nbclient, cap: int):
    class CappedClient(nbclient.NotebookClient):
        """Keeps at most ``cap`` bytes of the notebook's outputs; counts what it drops."""

        kept = 0
        cut = 0
        streams: dict = {}  # replaced per instance
        capping = True

        def output(self, outs, msg, display_id, cell_index):
            content = msg.get("content", {})
            size = len(json.dumps(content, default=str))
            if not self.capping:
                return super().output(outs, msg, display_id, cell_index)
            if msg.get("msg_type") == "stream":
                name = content.get("name", "stdout")
                self.streams.setdefault(name, []).append(content.get("text", ""))
                # Only the tail is kept for the result.
                joined = "".join(self.streams[name])
                self.streams[name] = [joined[-cap:]]
            if self.kept + size > cap:
                self.cut += size
                return None
            self.kept += size
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def main() -> None:
    job = json.loads(sys.stdin.read())
    out_cap = int(job.get("output_cap", 65536))
    # The process count: set here, inside the sandbox's user namespace, so that it counts
    # the sandbox's processes only (see docs/decisions, autograder).
    nproc = int(job.get("nproc", 64))
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    threading.Thread(target=_watch_processes, args=(nproc,), daemon=True).start()
    result: dict = {"status": "failed", "error": "", "tests": [], "output_cut": 0}
    try:
        import nbclient
        import nbformat
        from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    except ImportError as exc:
        result["error"] = f"The environment lacks nbclient/nbformat/ipykernel: {exc}"
        emit(result)
        return
    try:
        nb = nbformat.read("notebook.ipynb", as_version=4)
    except Exception as exc:  # the hand-in was checked, but the runner says why anyway
        result["error"] = f"The notebook cannot be read: {exc}"
        emit(result)
        return
    client_class = _make_client(nbclient, out_cap)
    client = client_class(
        nb,
        timeout=int(job.get("cell_timeout", 60)),
        kernel_name="python3",
        allow_errors=False,
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": os.getcwd()}},
    )
    client.streams = {"stdout": [], "stderr": []}
    marker = "LECTERN-RESULT-" + secrets.token_hex(8) + ":"
    # The kernel's own stdout/stderr (C-level writes) go nowhere: this process's stdout is
    # the result channel.
    kernel_io = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    with client.setup_kernel(**kernel_io):
        try:
            try:
                for index, cell in enumerate(nb.cells):
                    client.execute_cell(cell, index)
            except CellTimeoutError:
                result["status"] = "timeout"
                result["error"] = "A cell ran longer than the time limit."
            except DeadKernelError:
                result["error"] = _dead_kernel(client)
                if "CPU" in result["error"]:
                    result["status"] = "timeout"
            except CellExecutionError as exc:
                result["error"] = "A cell raised an error: " + _tail(str(exc), 3000)
            else:
                result.update(_run_tests(client, nb, job, marker))
        except Exception as exc:  # the kernel misbehaved (a fork bomb garbles its channels)
            result["status"] = "failed"
            result["error"] = f"The notebook could not be run: {type(exc).__name__}: {exc}"
    result["stdout"] = _tail("".join(client.streams.get("stdout", [])), 8000)
    result["stderr"] = _tail("".join(client.streams.get("stderr", [])), 8000)
    result["output_cut"] = client.cut
    emit(result)


def _dead_kernel(client) -> str:
    code = None
    try:
        code = client.km.provisioner.process.poll()
    except AttributeError:
        pass

    if code == -signal.SIGXCPU:
        return "The kernel used up its CPU time limit."
    if code == -signal.SIGKILL:
        return "The kernel was killed (memory limit?)."
    return f"The kernel died (exit code {code}): memory or process limit?"


def _run_tests(client, nb, job, marker) -> dict:
    import nbformat

    client.capping = False
    per_test = int(job.get("per_test_seconds", 10))
    source = (
        HARNESS
        + f"\n__lectern_harness({job['tests']!r}, {marker!r}, {per_test})\n"
        + "del __lectern_harness\n"
    )
    cell = nbformat.v4.new_code_cell(source)
    nb.cells.append(cell)
    client.execute_cell(cell, len(nb.cells) - 1)
    text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
    for line in text.splitlines():
        if line.startswith(marker):
            payload = json.loads(line[len(marker) :])
            if "load_error" in payload:
                return {"status": "failed", "error": "The tests could not be loaded: "
                        + payload["load_error"]}  # fmt: skip
            return {"status": "done", "tests": payload["tests"]}
    return {"status": "failed", "error": "The tests reported no result."}


if __name__ == "__main__":
    try:
        main()
    except Exception:
        emit({"status": "failed", "error": traceback.format_exc()[-2000:]})
