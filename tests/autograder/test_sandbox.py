"""The sandbox itself, with the real bubblewrap and a real kernel: the demo's notebooks score
0 and full marks, and hostile notebooks end as they must while the server stays healthy
(issue 16, "Hostile notebooks"). No database: ``sandbox.run`` is pure."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from autograder import sandbox
from tests.autograder.conftest import notebook

pytestmark = pytest.mark.sandbox

REPORT = "import json\nprint('REPORT ' + json.dumps(report))"


def _report(outcome: sandbox.Outcome) -> dict:
    line = next(x for x in outcome.stdout.splitlines() if x.startswith("REPORT "))
    return json.loads(line.removeprefix("REPORT "))


def test_the_solution_scores_full_marks_and_the_starter_zero(ag_env, demo_tests, limits,
                                                             solution, starter):  # fmt: skip
    full = sandbox.run(notebook=solution, tests=demo_tests, env_dir=ag_env, limits=limits)
    assert full.status == "done", full.error
    assert [(t["name"], t["status"], t["points"]) for t in full.tests] == [
        ("test_relu", "passed", 1),
        ("test_conv2d", "passed", 2),
        ("test_max_pool2d", "passed", 2),
    ]
    zero = sandbox.run(notebook=starter, tests=demo_tests, env_dir=ag_env, limits=limits)
    assert zero.status == "done", zero.error
    assert {t["status"] for t in zero.tests} == {"error"}
    assert sum(t["points"] for t in zero.tests) == 0
    # Each test says what it checks, and why it failed.
    relu = zero.tests[0]
    assert "keeps the positive entries" in relu["message"]
    assert "NotImplementedError" in relu["message"]


def test_a_failed_assert_shows_the_tests_message(ag_env, limits):
    tests = '@points(3, "double(x) doubles")\ndef test_double():\n    assert double(2) == 4, "double(2) is not 4"\n'  # noqa: E501
    outcome = sandbox.run(
        notebook=notebook("def double(x):\n    return x + 1"),
        tests=tests,
        env_dir=ag_env,
        limits=limits,
    )
    assert outcome.status == "done"
    (test,) = outcome.tests
    assert test["status"] == "failed" and test["points"] == 0 and test["max_points"] == 3
    assert test["message"] == "double(x) doubles — double(2) is not 4"


class _Listener:
    """A server on the host's loopback that records whether anyone connected."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connected = False
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connected = True
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def test_no_network_neither_the_hosts_loopback_nor_outside(ag_env, limits):
    listener = _Listener()
    try:
        source = f"""
import socket
report = {{}}
for name, address in [("loopback", ("127.0.0.1", {listener.port})), ("outside", ("1.1.1.1", 53)),
                      ("dns", ("example.org", 80))]:
    try:
        socket.create_connection(address, timeout=3).close()
        report[name] = "connected"
    except OSError as exc:
        report[name] = type(exc).__name__ + ": " + str(exc)
"""
        outcome = sandbox.run(
            notebook=notebook(source, REPORT), tests="", env_dir=ag_env, limits=limits
        )
    finally:
        listener.close()
    assert outcome.status == "done", outcome.error
    report = _report(outcome)
    assert not listener.connected
    assert report["loopback"].startswith("ConnectionRefusedError")
    assert "unreachable" in report["outside"].lower()
    assert report["dns"].startswith("gaierror")


def test_writing_outside_the_sandboxs_temporary_directory_fails(ag_env, limits, tmp_path):
    host_file = Path(settings.BASE_DIR) / "autograder-was-here"
    targets = [str(host_file), "/usr/lib/pwned", "/opt/lectern/env/pwned",
               "/opt/lectern/runner.py", "/etc/pwned", str(tmp_path / "pwned")]  # fmt: skip
    source = f"""
report = {{}}
for path in {targets!r} + ["/tmp/ok", "/home/student/ok"]:
    try:
        with open(path, "w") as f:
            f.write("x")
        report[path] = "written"
    except OSError as exc:
        report[path] = type(exc).__name__
"""
    outcome = sandbox.run(
        notebook=notebook(source, REPORT), tests="", env_dir=ag_env, limits=limits
    )
    assert outcome.status == "done", outcome.error
    report = _report(outcome)
    inside = ["/tmp/ok", "/home/student/ok"]  # noqa: S108 — the sandbox's own folders
    assert [report.pop(path) for path in inside] == ["written", "written"]
    assert "written" not in report.values(), report
    assert not host_file.exists() and not (tmp_path / "pwned").exists()
    assert not (ag_env / "pwned").exists()


def test_the_servers_settings_environment_database_and_other_hand_ins_are_unseen(
    ag_env, limits, tmp_path, monkeypatch
):
    monkeypatch.setenv("LECTERN_CANARY", "canary-7f3a")
    other_hand_in = tmp_path / "media" / "submissions" / "1" / "other-groups-notebook"
    other_hand_in.parent.mkdir(parents=True)
    other_hand_in.write_text("canary-7f3a")
    database = tmp_path / "lectern.sqlite3"
    database.write_text("canary-7f3a")
    targets = [str(Path(settings.BASE_DIR) / "config" / "settings" / "base.py"),
               str(Path(settings.BASE_DIR) / ".env.example"), str(other_hand_in),
               str(database), "/etc/passwd", "/proc/1/environ"]  # fmt: skip
    source = f"""
import os, glob
report = {{"environ": dict(os.environ), "read": {{}}}}
for path in {targets!r}:
    try:
        report["read"][path] = open(path, errors="replace").read()[:200]
    except OSError as exc:
        report["read"][path] = type(exc).__name__
report["pids"] = sorted(glob.glob("/proc/[0-9]*"))
report["root"] = sorted(os.listdir("/"))
"""
    outcome = sandbox.run(
        notebook=notebook(source, REPORT), tests="", env_dir=ag_env, limits=limits
    )
    assert outcome.status == "done", outcome.error
    report = _report(outcome)
    assert "canary-7f3a" not in json.dumps(report)
    assert "SECRET_KEY" not in report["environ"] and "DATABASE_URL" not in report["environ"]
    for path in targets[:5]:
        assert report["read"][path] == "FileNotFoundError", path
    assert set(report["root"]) == {"bin", "dev", "home", "lib", "lib64", "opt", "proc", "sbin",
                                   "tmp", "usr", *_python_home_top(ag_env)}  # fmt: skip
    # Its own processes only: bubblewrap's init, the runner, the kernel (and its helpers).
    assert len(report["pids"]) < 10
    assert str(os.getpid()) not in [p.rsplit("/", 1)[1] for p in report["pids"][3:]]


def _python_home_top(env_dir: Path) -> set[str]:
    """The top folder of the Python the environment was built from, if not under /usr."""
    home = sandbox.python_home(env_dir)
    return set() if home is None else {home.parts[1]}


def test_an_endless_loop_ends_as_timeout_at_the_limit(ag_env):
    limits = sandbox.Limits(wall_seconds=15, cpu_seconds=60)
    outcome = sandbox.run(
        notebook=notebook("while True:\n    pass"), tests="", env_dir=ag_env, limits=limits
    )
    assert outcome.status == "timeout"


def test_the_cpu_limit_also_ends_as_timeout(ag_env):
    limits = sandbox.Limits(wall_seconds=60, cpu_seconds=3)
    outcome = sandbox.run(
        notebook=notebook("while True:\n    pass"), tests="", env_dir=ag_env, limits=limits
    )
    assert outcome.status == "timeout", outcome.error


def test_a_fork_bomb_fails_and_the_server_still_runs_notebooks(ag_env, limits, solution,
                                                               demo_tests):  # fmt: skip
    bomb = "import os\nwhile True:\n    os.fork()"
    outcome = sandbox.run(notebook=notebook(bomb), tests="", env_dir=ag_env, limits=limits)
    assert outcome.status == "failed"
    # Every process of the bomb goes with its sandbox (killed by the kernel as the sandbox's
    # PID 1 exits: allow them a moment to be reaped).
    for _ in range(100):
        if not _sandbox_processes():
            break
        time.sleep(0.1)
    assert _sandbox_processes() == []
    after = sandbox.run(notebook=solution, tests=demo_tests, env_dir=ag_env, limits=limits)
    assert after.status == "done" and sum(t["points"] for t in after.tests) == 5


def _sandbox_processes() -> list[str]:
    """Processes still running (not zombies) that run the sandbox's Python."""
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if state != "Z" and b"/opt/lectern/env" in cmdline:
            alive.append(pid)
    return alive


def test_a_4_gb_allocation_fails(ag_env, limits):
    source = "import numpy as np\nx = np.ones(4 * 1024**3, dtype=np.uint8)"
    outcome = sandbox.run(notebook=notebook(source), tests="", env_dir=ag_env, limits=limits)
    assert outcome.status == "failed"
    assert "MemoryError" in outcome.error or "memory" in outcome.error.lower()


def test_100_mb_of_output_is_cut(ag_env, limits):
    source = "for _ in range(100):\n    print('x' * 1_000_000)\nprint('the end')"
    outcome = sandbox.run(
        notebook=notebook(source), tests="def test_ok():\n    pass\n", env_dir=ag_env,
        limits=limits,
    )  # fmt: skip
    assert outcome.status == "done", outcome.error
    assert outcome.output_cut > 90_000_000
    assert len(outcome.stdout) <= 8001 and outcome.stdout.rstrip().endswith("the end")
