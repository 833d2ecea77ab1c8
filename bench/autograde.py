"""The autograder's benchmark (docs/performance.md, "Autograder"); never run by the suite.

1. **Throughput**: the demo exercise (Homework 2's solution and tests, environment
   ``info8010-demo``) run through the real sandbox by BENCH_AG_CONCURRENCY (2) workers at
   once, BENCH_AG_RUNS (12) runs in all: autograded hand-ins per minute. This is what an
   ``autograde`` worker with ``--concurrency=2`` does per run (the database part of a run is
   a few queries).
2. **Hand-in latency while the queue is full**: a server in the embedded shape (gunicorn,
   one process, SQLite, in-process tasks: runs in its background thread) on 127.0.0.1:8400
   with the demo loaded. BENCH_AG_HANDINS (15) hand-ins of Homework 2 through the API,
   one after the other, without an autograder (baseline); then the same number with the
   autograder on, after BENCH_AG_BACKLOG (20) hand-ins have filled its queue. Latency of
   the hand-ins (p50, p95, max) in both phases, and the queue's length during the second.

Output: bench/results/autograde-latest.json and .md, with the load average (the machine is
shared: say so when reading them).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = os.environ.get("PY", str(ROOT / ".venv/bin/python"))
GUNICORN = os.environ.get("GUNICORN", str(ROOT / ".venv/bin/gunicorn"))
RUNS = int(os.environ.get("BENCH_AG_RUNS", "12"))
CONCURRENCY = int(os.environ.get("BENCH_AG_CONCURRENCY", "2"))
HANDINS = int(os.environ.get("BENCH_AG_HANDINS", "15"))
BACKLOG = int(os.environ.get("BENCH_AG_BACKLOG", "20"))
PORT = int(os.environ.get("BENCH_AG_PORT", "8400"))
OUTPUT = Path(os.environ.get("BENCH_AG_OUTPUT", ROOT / "bench/results/autograde-latest.json"))
DEMO = ROOT / "demo" / "autograder"


def log(message: str) -> None:
    print(f"autograde: {message}", file=sys.stderr, flush=True)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def throughput(env_dir: Path) -> dict:
    from autograder import sandbox

    notebook = (DEMO / "homework2-solution.ipynb").read_bytes()
    tests = (DEMO / "homework2_tests.py").read_text()
    limits = sandbox.Limits(wall_seconds=60, cpu_seconds=30)
    sandbox.run(notebook=notebook, tests=tests, env_dir=env_dir, limits=limits)  # warm-up
    todo = list(range(RUNS))
    lock = threading.Lock()
    seconds: list[float] = []
    statuses: list[str] = []

    def worker() -> None:
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            outcome = sandbox.run(notebook=notebook, tests=tests, env_dir=env_dir, limits=limits)
            with lock:
                seconds.append(outcome.seconds)
                statuses.append(outcome.status)

    before = loadavg()
    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {
        "runs": RUNS,
        "concurrency": CONCURRENCY,
        "elapsed_s": round(elapsed, 1),
        "per_minute": round(RUNS / elapsed * 60, 1),
        "run_s_p50": round(statistics.median(seconds), 2),
        "run_s_max": round(max(seconds), 2),
        "all_done": statuses.count("done") == RUNS,
        "loadavg_before": before,
        "loadavg_after": loadavg(),
    }


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def shell(env: dict, code: str) -> str:
    return manage(env, "shell", "-c", code)


def post(path: str, token: str, data: bytes) -> tuple[int, float]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="hw2.ipynb"\r\n'
            f"Content-Type: application/x-ipynb+json\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}",
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {token}",
            "Host": "127.0.0.1",
        },
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.monotonic() - started


def latency_phase(path: str, tokens: list[str], data: bytes, n: int) -> dict:
    times, statuses = [], []
    for i in range(n):
        status, seconds = post(path, tokens[i % len(tokens)], data)
        statuses.append(status)
        times.append(seconds * 1000)
    times.sort()
    return {
        "n": n,
        "created": statuses.count(201),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
    }


def handin_latency() -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="lectern-ag-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
        "MEDIA_ROOT": str(tmp / "media"),
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "",
        "LECTERN_HAND_IN_RATE": "100000/minute",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    server = None
    try:
        log("migrating and loading the demo (SQLite)")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "load_demo")
        info = json.loads(
            shell(
                env,
                "import json; from accounts.services import api_token_create as t; "
                "from accounts.models import User; from assignments.models import Assignment; "
                "a = Assignment.objects.get(edition__slug='info8010-demo', title='Homework 2'); "
                "print(json.dumps({'assignment': a.pk, 'tokens': [t(user=u).key for u in "
                "User.objects.filter(email__in=['student1@demo.test', 'student4@demo.test'])]}))",
            )
            .strip()
            .splitlines()[-1]
        )
        path = f"/api/v1/assignments/{info['assignment']}/submissions/"
        bundle_off = "from autograder.models import GraderBundle as B; B.objects.all().delete()"
        saved = shell(env, "from autograder.models import GraderBundle as B; import json; "
                      "b = B.objects.get(); print(json.dumps({'tests': b.tests, "
                      "'environment': b.environment, 'assignment': b.assignment_id}))")  # fmt: skip
        bundle = json.loads(saved.strip().splitlines()[-1])
        shell(env, bundle_off)
        log(f"starting gunicorn (1 process x 4 threads) on 127.0.0.1:{PORT}")
        server = subprocess.Popen(  # noqa: S603
            [GUNICORN, "config.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", "1",
             "--worker-class", "gthread", "--threads", "4", "--timeout", "120"],
            cwd=ROOT, env=env, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.3)
        data = (DEMO / "homework2-solution.ipynb").read_bytes()
        log(f"baseline: {HANDINS} hand-ins without an autograder")
        baseline = latency_phase(path, info["tokens"], data, HANDINS)
        baseline["loadavg"] = loadavg()
        shell(env, "from autograder.models import GraderBundle as B; "
              "from autograder.services import bundle_save; "
              f"bundle_save(bundle=B(assignment_id={bundle['assignment']}, "
              f"tests={bundle['tests']!r}, environment={bundle['environment']!r}))")  # fmt: skip
        log(f"filling the autograde queue with {BACKLOG} hand-ins")
        latency_phase(path, info["tokens"], data, BACKLOG)
        count = ("from autograder.models import AutogradeRun as R; "
                 "print(R.objects.filter(status__in=['queued', 'running']).count())")  # fmt: skip
        queued_before = int(shell(env, count).strip().splitlines()[-1])
        log(f"{queued_before} runs waiting; {HANDINS} hand-ins measured")
        full = latency_phase(path, info["tokens"], data, HANDINS)
        full["queue_before"] = queued_before
        full["queue_after"] = int(shell(env, count).strip().splitlines()[-1])
        full["loadavg"] = loadavg()
        return {"baseline": baseline, "queue_full": full}
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from autograder import environments, sandbox

    sandbox.bwrap_path()
    name = "info8010-demo"
    if not environments.env_ready(name):
        log("building the demo's environment (pip)")
        environments.env_create(name, requirements=DEMO / "requirements.txt", log=log)
    env_dir = environments.env_get(name)
    log(f"throughput: {RUNS} runs of the demo exercise, {CONCURRENCY} at once")
    results = {
        "machine": f"{os.cpu_count()} cores (shared with other sessions)",
        "throughput": throughput(env_dir),
    }
    results.update(handin_latency())
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2) + "\n")
    t, b, f = results["throughput"], results["baseline"], results["queue_full"]
    report = f"""# Autograder benchmark

Machine: {results["machine"]}.

| measure | value |
| --- | --- |
| autograded per minute ({t["concurrency"]} at once, {t["runs"]} runs) | {t["per_minute"]} |
| one run (p50 / max) | {t["run_s_p50"]} s / {t["run_s_max"]} s |
| load average before / after | {t["loadavg_before"]} / {t["loadavg_after"]} |
| hand-in, no autograder: p50 / p95 / max ms | {b["p50_ms"]} / {b["p95_ms"]} / {b["max_ms"]} |
| hand-in, queue full: p50 / p95 / max ms | {f["p50_ms"]} / {f["p95_ms"]} / {f["max_ms"]} |
| runs waiting before / after the measured hand-ins | {f["queue_before"]} / {f["queue_after"]} |
| load average (baseline / queue full) | {b["loadavg"]} / {f["loadavg"]} |
"""
    OUTPUT.with_suffix(".md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
