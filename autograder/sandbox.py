"""Run a notebook and its tests in a sandbox: bubblewrap, no network, a read-only system, a
private temporary directory, kernel-enforced limits, killed at the wall-time limit.

Pure: no ORM. ``run`` takes bytes and settings and returns an ``Outcome``; the services
store it (docs/decisions/0024-autograder.md).

The sandbox (``bwrap_command``):

- new user, PID, network, IPC, UTS and cgroup namespaces (``--unshare-all``): no network
  but the sandbox's own loopback, no process of the server visible, nothing to signal;
- a root of its own: ``/usr`` (and the ``/bin``, ``/lib`` links), the environment's
  virtual environment and the Python it was built from, read-only; a fresh ``/proc``,
  ``/dev`` and ``/tmp``; the working directory ``/home/student`` (the hand-in copied in)
  read-write. Nothing
  else: not the project, its settings, ``.env``, the database files, the media folder
  (other hand-ins) nor ``/etc``;
- an empty environment (``--clearenv``) with a few variables set;
- killed with its parent (``--die-with-parent``); a new session (no terminal to inject into).

Limits: address space, CPU seconds, file size and open files are set on the process that
becomes bubblewrap (inherited by everything inside); the process count is set by the runner
inside the sandbox's user namespace, where it counts the sandbox's processes only. The
wall-time limit is kept here: the process group is killed, and with the sandbox's PID 1
every process in it.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).with_name("sandbox_runner.py")
# Where the sandbox sees the environment (a virtual environment runs from anywhere: its
# Python finds it by its pyvenv.cfg) and the hand-in's folder.
ENV = "/opt/lectern/env"
WORKDIR = "/home/student"
TMP = "/tmp"  # noqa: S108 — the sandbox's own: a private tmpfs
# Who runs the sandbox when the server runs as root (nobody); otherwise the server's user.
SANDBOX_UID = int(os.environ.get("LECTERN_AUTOGRADER_SANDBOX_UID", "65534"))
STATUSES = ("done", "failed", "timeout")
# What is read of the runner's stdout (its JSON result) and stderr (its own troubles).
RESULT_CAP = 4 * 1024 * 1024
STDERR_CAP = 16 * 1024


class SandboxUnavailable(Exception):
    """bubblewrap is missing or cannot create its namespaces here."""


@dataclass(frozen=True)
class Limits:
    wall_seconds: int = 120
    cpu_seconds: int = 60
    memory_mb: int = 1024
    output_kb: int = 64
    processes: int = 64
    file_mb: int = 64
    per_test_seconds: int = 10


@dataclass
class Outcome:
    status: str  # one of STATUSES
    tests: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    stdout: str = ""
    stderr: str = ""
    output_cut: int = 0
    seconds: float = 0.0


def bwrap_path() -> str:
    """The bubblewrap binary, or ``SandboxUnavailable`` saying how to install it."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "bubblewrap is not installed: the autograder cannot run notebooks "
            "(Debian/Ubuntu: apt-get install bubblewrap)."
        )
    return path


def python_home(env_dir: Path) -> Path | None:
    """The installation the environment's Python comes from (``home`` of pyvenv.cfg, one
    level up), which the sandbox must see read-only; None when it lives under /usr."""
    cfg = env_dir / "pyvenv.cfg"
    for line in cfg.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            home = Path(value.strip()).resolve().parent
            return None if str(home).startswith("/usr") else home
    return None


def bwrap_command(*, env_dir: Path, workdir: Path, fds: list[int]) -> list[str]:
    """The bubblewrap command line that runs the runner on ``workdir`` with ``env_dir``.

    The folders of this server that the sandbox sees are handed to bubblewrap as open file
    descriptors (appended to ``fds``, to be passed on and closed by the caller): bubblewrap
    may run as a user that could not open their paths (``SANDBOX_UID``)."""

    def bind(path: Path, dest: str, *, writable: bool = False) -> list[str]:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        fds.append(fd)
        return ["--bind-fd" if writable else "--ro-bind-fd", str(fd), dest]

    command = [
        bwrap_path(),
        "--unshare-all",
        "--cap-drop", "ALL",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--setenv", "HOME", TMP,
        "--setenv", "PATH", f"{ENV}/bin:/usr/bin:/bin",
        "--setenv", "LANG", "C.UTF-8",
        "--setenv", "JUPYTER_RUNTIME_DIR", f"{TMP}/jupyter",
        "--setenv", "JUPYTER_PLATFORM_DIRS", "1",
        "--setenv", "OPENBLAS_NUM_THREADS", "1",
        "--setenv", "OMP_NUM_THREADS", "1",
        "--setenv", "MALLOC_ARENA_MAX", "2",
        "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--ro-bind", "/usr", "/usr",
    ]  # fmt: skip
    for name in ("bin", "lib", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            command += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            command += ["--ro-bind", str(path), str(path)]
    home = python_home(env_dir)
    if home is not None:
        command += bind(home, str(home))
    command += [
        *bind(env_dir, ENV),
        *bind(RUNNER, "/opt/lectern/runner.py"),
        "--proc", "/proc",
        "--dev", "/dev",
        "--tmpfs", TMP,
        *bind(workdir, WORKDIR, writable=True),
        "--chdir", WORKDIR,
        "--",
        f"{ENV}/bin/python", "-I", "/opt/lectern/runner.py",
    ]  # fmt: skip
    return command


def _sandbox_uid() -> int | None:
    """The user the sandbox runs as: the server's own, or ``SANDBOX_UID`` when the server
    runs as root — the kernel does not count root's processes against ``RLIMIT_NPROC``, and
    root's files are root's inside a user namespace too."""
    return SANDBOX_UID if os.geteuid() == 0 else None


def _limit(limits: Limits):
    uid = _sandbox_uid()

    def apply() -> None:
        memory = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        size = limits.file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if uid is not None:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)

    return apply


class _CappedReader(threading.Thread):
    """Reads a pipe to its end, keeping the first ``head`` bytes or the last ``tail``: the
    rest is read and dropped, so a child that writes without end is never blocked on its
    pipe nor held in memory."""

    def __init__(self, stream, *, head: int = 0, tail: int = 0):
        super().__init__(daemon=True)
        self.stream, self.head, self.tail = stream, head, tail
        self.data = bytearray()
        self.dropped = 0

    def run(self) -> None:
        while chunk := self.stream.read(65536):
            if self.head:
                room = self.head - len(self.data)
                self.data += chunk[: max(room, 0)]
                self.dropped += max(len(chunk) - max(room, 0), 0)
            else:
                self.data += chunk
                if len(self.data) > self.tail:
                    self.dropped += len(self.data) - self.tail
                    del self.data[: len(self.data) - self.tail]


def run(*, notebook: bytes, tests: str, env_dir: Path, limits: Limits) -> Outcome:
    """Execute ``notebook`` then ``tests`` in the sandbox; never raises for what the
    notebook does (that is the outcome), only ``SandboxUnavailable``."""
    bwrap_path()
    started = time.monotonic()
    fds: list[int] = []
    with tempfile.TemporaryDirectory(prefix="lectern-autograde-") as tmp:
        workdir = Path(tmp) / "work"
        workdir.mkdir()
        (workdir / "notebook.ipynb").write_bytes(notebook)
        uid = _sandbox_uid()
        if uid is not None:  # the sandbox's user reaches its folder and writes in it
            os.chmod(tmp, 0o711)  # noqa: S103 — others may pass through, not list it
            for path in (workdir, workdir / "notebook.ipynb"):
                os.chown(path, uid, uid)
        command = bwrap_command(env_dir=env_dir, workdir=workdir, fds=fds)
        job = {
            "tests": tests,
            "cell_timeout": max(limits.wall_seconds - 5, 1),
            "per_test_seconds": limits.per_test_seconds,
            "nproc": limits.processes,
            "output_cap": limits.output_kb * 1024,
        }
        process = subprocess.Popen(  # noqa: S603 — a fixed command, no shell
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_limit(limits),  # noqa: PLW1509 — before exec, no threads involved
            start_new_session=True,
            # Nothing of the server's environment (SECRET_KEY, DATABASE_URL, …), not even
            # for bubblewrap's own process, which stays the sandbox's PID 1.
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            pass_fds=fds,
        )
        for fd in fds:
            os.close(fd)
        out = _CappedReader(process.stdout, head=RESULT_CAP)
        err = _CappedReader(process.stderr, tail=STDERR_CAP)
        out.start()
        err.start()
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(job).encode())
            process.stdin.close()
        except BrokenPipeError:
            pass
        timed_out = False
        try:
            process.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process)
        out.join(timeout=10)
        err.join(timeout=10)
        seconds = time.monotonic() - started
    stderr = bytes(err.data).decode("utf-8", "replace")
    if timed_out:
        return Outcome(
            status="timeout",
            error=f"Stopped at the wall-time limit ({limits.wall_seconds} s).",
            stderr=stderr[-4000:],
            seconds=seconds,
        )
    return _outcome(bytes(out.data), stderr, process.returncode, seconds)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _outcome(data: bytes, stderr: str, code: int, seconds: float) -> Outcome:
    if code in (-signal.SIGXCPU, 128 + signal.SIGXCPU) and not data.strip():
        return Outcome(
            status="timeout", error="Stopped at the CPU-time limit.", stderr=stderr[-4000:],
            seconds=seconds,
        )  # fmt: skip
    try:
        result = json.loads(data.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return Outcome(
            status="failed",
            error=f"The sandbox ended without a result (exit code {code}).",
            stderr=stderr[-4000:],
            seconds=seconds,
        )
    status = result.get("status")
    return Outcome(
        status=status if status in STATUSES else "failed",
        tests=[t for t in result.get("tests") or [] if isinstance(t, dict)],
        error=str(result.get("error") or "")[:4000],
        stdout=str(result.get("stdout") or ""),
        stderr=str(result.get("stderr") or ""),
        output_cut=int(result.get("output_cut") or 0),
        seconds=seconds,
    )


def self_check() -> str:
    """Can bubblewrap create its namespaces here? Returns bwrap's version, or raises
    ``SandboxUnavailable`` with bubblewrap's own words."""
    path = bwrap_path()
    probe = subprocess.run(  # noqa: S603
        [path, "--unshare-all", "--ro-bind", "/", "/", "true"],
        capture_output=True,
        timeout=30,
        check=False,
        preexec_fn=_limit(Limits()),  # noqa: PLW1509 — as the sandbox's user
    )
    if probe.returncode != 0:
        raise SandboxUnavailable(
            "bubblewrap cannot create its namespaces here: "
            + probe.stderr.decode("utf-8", "replace").strip()
        )
    version = subprocess.run(  # noqa: S603
        [path, "--version"], capture_output=True, timeout=30, check=False
    )
    return version.stdout.decode().strip()
