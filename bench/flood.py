"""The upload flood of issue 10, case 4: eight 19 MB notebooks handed in at once, again and
again, while visitors read the public course page. Run by ``make bench`` (after
``bench/run.sh``) or alone with ``make bench-flood``; never by the test suite.

It recreates the PostgreSQL database ``lectern_flood``, migrates it, loads the demo
(``manage.py load_demo``) and ``bench/flood_seed.py`` (8 students in groups of one, a notebook
assignment), serves it with gunicorn (production settings, gthread 2 workers × 4 threads, as
the image) on 127.0.0.1:8300, then:

1. **quiet**: 2 visitors read ``/editions/info8010-2023/`` for ``BENCH_FLOOD_SECONDS``;
2. **flood**: the same visitors, while 8 students each hand in a valid 19 MB notebook through
   the API, again and again: the next one as soon as an answer comes back, or after the
   Retry-After of a refusal (BENCH_FLOOD_IGNORE_RETRY=1: at once, as a hostile script).

It reports the page's latency (p50, p99, max) in both phases, the answers to the uploads by
status and code, and the peak memory (resident, summed over gunicorn, its check servers and
their children, sampled every 0.2 s). Results: ``bench/results/flood-latest.json`` and
``.md``; docs/performance.md ("Upload flood") explains them.

Knobs (environment): BENCH_FLOOD_SECONDS (30), BENCH_FLOOD_UPLOADERS (8), BENCH_FLOOD_MB (19),
BENCH_FLOOD_PORT (8300), BENCH_FLOOD_REDIS_URL (redis://127.0.0.1:6379/13; its database is
flushed), BENCH_WORKERS (2), BENCH_THREADS (4), BENCH_FLOOD_OUTPUT, and BENCH_FLOOD_BOUNDS=off,
which lifts the bounds of submissions/check_bounds.py (to show what they prevent).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from big_notebook import notebook  # noqa: E402

PY = os.environ.get("PY", str(ROOT / ".venv/bin/python"))
GUNICORN = os.environ.get("GUNICORN", str(ROOT / ".venv/bin/gunicorn"))
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_FLOOD_PORT", "8300"))
SECONDS = float(os.environ.get("BENCH_FLOOD_SECONDS", "30"))
UPLOADERS = int(os.environ.get("BENCH_FLOOD_UPLOADERS", "8"))
MEGABYTES = float(os.environ.get("BENCH_FLOOD_MB", "19"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
REDIS_URL = os.environ.get("BENCH_FLOOD_REDIS_URL", "redis://127.0.0.1:6379/13")
BOUNDS = os.environ.get("BENCH_FLOOD_BOUNDS", "on")
IGNORE_RETRY = os.environ.get("BENCH_FLOOD_IGNORE_RETRY", "0") == "1"
OUTPUT = Path(os.environ.get("BENCH_FLOOD_OUTPUT", ROOT / "bench/results/flood-latest.json"))
DB = "lectern_flood"
PAGE = "/editions/info8010-2023/"
VISITORS = 2
VISITOR_PAUSE = 0.2  # each visitor reads the page about 4 times a second


def log(message: str) -> None:
    print(f"flood: {message}", file=sys.stderr, flush=True)


def psql(sql: str) -> None:
    subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            HOST,
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            sql,
        ],
        check=True,
    )


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def server_env(run_dir: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "False",
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{DB}",
        "CONN_MAX_AGE": "60",
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "False",
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(run_dir / "static"),
        "MEDIA_ROOT": str(run_dir / "media"),
        "API_ANON_RATE": "1000000/second",
        "API_USER_RATE": "1000000/second",
    }
    if BOUNDS == "off":
        env.update(
            LECTERN_HAND_IN_RATE="1000000/minute",
            LECTERN_FILE_CHECKS_PER_USER="1000",
            LECTERN_FILE_CHECKS_PER_PROCESS="1000",
            LECTERN_FILE_CHECK_BYTES_PER_PROCESS=str(10**12),
        )
    return env


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def rss_bytes(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def get(conn_box: list, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    for attempt in (1, 2):
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection(HOST, PORT, timeout=60)
            conn_box[0].request("GET", path, headers={"Accept": "text/html"})
            response = conn_box[0].getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                conn_box[0].close()
                conn_box[0] = None
            return response.status, time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            if conn_box[0] is not None:
                conn_box[0].close()
            conn_box[0] = None
            if attempt == 2:
                return 0, time.perf_counter() - started
    raise AssertionError("unreachable")


def visit(stop: threading.Event, latencies: list, statuses: Counter) -> None:
    box: list = [None]
    while not stop.is_set():
        at = time.monotonic()
        status, seconds = get(box, PAGE)
        latencies.append(seconds)
        if seconds > 0.3 and os.environ.get("BENCH_FLOOD_TRACE"):
            log(f"slow page at {at:.2f}: {seconds * 1000:.0f} ms")
        statuses[status] += 1
        time.sleep(VISITOR_PAUSE)


def multipart(content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="training.ipynb"\r\nContent-Type: application/x-ipynb+json\r\n\r\n'
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), boundary


def upload(
    stop: threading.Event, token: str, path: str, body: bytes, boundary: str, answers: list
) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=120)
            conn.request(
                "POST",
                path,
                body=body,
                headers={
                    "Authorization": f"Token {token}",
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Accept": "application/json",
                },
            )
            response = conn.getresponse()
            data = response.read()
            conn.close()
            try:
                code = json.loads(data).get("error", "") if response.status != 201 else ""
            except ValueError:
                code = "not json"
            answers.append((response.status, code, time.perf_counter() - started))
            if os.environ.get("BENCH_FLOOD_TRACE"):
                log(f"upload {started:.2f} +{time.perf_counter() - started:.2f}: {response.status}")
            retry_after = float(response.getheader("Retry-After") or 0)
        except (OSError, http.client.HTTPException) as exc:
            answers.append((0, type(exc).__name__, time.perf_counter() - started))
            retry_after = 1.0
        # Students try again when told to (IGNORE_RETRY: at once, as a hostile script would).
        stop.wait(0.05 if IGNORE_RETRY else max(0.05, retry_after))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def phase(name: str, seconds: float, server_pid: int, flood: tuple | None) -> dict:
    stop = threading.Event()
    latencies: list[float] = []
    statuses: Counter = Counter()
    answers: list = []
    threads = [
        threading.Thread(target=visit, args=(stop, latencies, statuses)) for _ in range(VISITORS)
    ]
    if flood:
        tokens, path, body, boundary = flood
        threads += [
            threading.Thread(target=upload, args=(stop, t, path, body, boundary, answers))
            for t in tokens
        ]
    peak = 0
    log(f"{name}: {seconds:.0f} s")
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        peak = max(peak, rss_bytes(descendants(server_pid)))
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join(timeout=180)
    outcome = Counter(f"{status} {code}".strip() for status, code, _ in answers)
    accepted = [s for status, _, s in answers if status == 201]
    return {
        "page_requests": len(latencies),
        "page_statuses": dict(statuses),
        "page_p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "page_p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "page_max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
        "uploads": dict(outcome),
        "upload_accepted_median_s": round(statistics.median(accepted), 2) if accepted else None,
        "peak_rss_mb": round(peak / 2**20),
    }


def main() -> None:
    run_dir = Path(tempfile.mkdtemp(prefix="lectern-flood."))
    env = server_env(run_dir)
    subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], check=True, stdout=subprocess.DEVNULL)
    log(f"recreating database {DB}")
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(env, "load_demo")
    subprocess.run([PY, "bench/flood_seed.py", str(run_dir)], cwd=ROOT, env=env, check=True)
    tokens = (run_dir / "tokens.txt").read_text().split()[:UPLOADERS]
    path = (run_dir / "upload_path.txt").read_text().strip()
    content = notebook(int(MEGABYTES * 10**6))
    body, boundary = multipart(content)
    log(f"notebook of {len(content) / 10**6:.1f} MB; gunicorn {WORKERS} x {THREADS} on :{PORT}")
    server = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi",
            "--bind",
            f"{HOST}:{PORT}",
            "--worker-class",
            "gthread",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--timeout",
            "30",
            "--keep-alive",
            "5",
            "--error-logfile",
            str(run_dir / "gunicorn.log"),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(120):
            try:
                if get([None], "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        get([None], PAGE)  # warm
        loadavg_before = Path("/proc/loadavg").read_text().split()[:3]
        quiet = phase("quiet", SECONDS, server.pid, None)
        flood = phase("flood", SECONDS, server.pid, (tokens, path, body, boundary))
        loadavg_after = Path("/proc/loadavg").read_text().split()[:3]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        subprocess.run(["redis-cli", "-u", REDIS_URL, "flushdb"], stdout=subprocess.DEVNULL)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    result = {
        "benchmark": "upload flood (issue 10, case 4)",
        "command": "make bench-flood" + ("" if BOUNDS == "on" else " BENCH_FLOOD_BOUNDS=off"),
        "bounds": BOUNDS,
        "server": f"gunicorn gthread {WORKERS} workers x {THREADS} threads, production settings, "
        "PostgreSQL, Redis",
        "uploaders": UPLOADERS,
        "retry_after_ignored": IGNORE_RETRY,
        "notebook_mb": round(len(content) / 10**6, 1),
        "seconds_per_phase": SECONDS,
        "page": PAGE,
        "visitors": VISITORS,
        "quiet": quiet,
        "flood": flood,
        "loadavg_before": loadavg_before,
        "loadavg_after": loadavg_after,
        "cpus": os.cpu_count(),
        "commit": commit,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(result, indent=2) + "\n")
    retry = " (Retry-After ignored)" if IGNORE_RETRY else " or after Retry-After"
    lines = [
        f"# Upload flood ({result['command']})",
        "",
        f"{UPLOADERS} students × {result['notebook_mb']} MB notebooks, re-sent as soon as "
        f"answered{retry}; {VISITORS} visitors on {PAGE}; {SECONDS:.0f} s per phase; "
        f"{result['server']}; load {' '.join(loadavg_before)} → {' '.join(loadavg_after)}.",
        "",
        "| phase | page requests | p50 ms | p99 ms | max ms | uploads | peak RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, p in (("quiet", quiet), ("flood", flood)):
        uploads = ", ".join(f"{k}: {v}" for k, v in sorted(p["uploads"].items())) or "—"
        lines.append(
            f"| {name} | {p['page_requests']} | {p['page_p50_ms']} | {p['page_p99_ms']} | "
            f"{p['page_max_ms']} | {uploads} | {p['peak_rss_mb']} |"
        )
    OUTPUT.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
