"""Issue 15's deadline race over two web nodes: 300 uploads in 10 s straddling the
deadline, spread over two gunicorn processes (production settings, gthread 2 workers × 4
threads each, as the image) against one PostgreSQL database, one Redis and one S3 bucket
(moto's standalone server). Run with ``make bench-nodes``; never by the test suite (the
test, ``tests/load/test_two_nodes.py``, runs a small race of 40).

It reports late acceptances and lost receipts (read back from the database and the bucket:
every 201 has its row, its object hashing to its receipt, a signature that verifies; every
refusal is ``deadline_passed`` at or after the deadline), the accepted uploads' latency
(p50, p99, max; target p99 < 1 s) and the load average. Results:
``bench/results/two-nodes-latest.json``; docs/performance.md ("Two web nodes").

Knobs (environment): BENCH_NODES_UPLOADS (300), BENCH_NODES_SPREAD (5 s each side),
BENCH_NODES_RUSH (32 sent together 50 ms before the deadline), BENCH_NODES_CLIENTS (32),
BENCH_WORKERS (2), BENCH_THREADS (4), BENCH_PG (postgres://postgres@127.0.0.1:5432),
BENCH_REDIS_URL (redis://127.0.0.1:6379/0; one of its databases 1–12 is used and emptied),
BENCH_NODES_STORAGE=disk (a MEDIA_ROOT both nodes share instead of the bucket, to compare;
results in ``two-nodes-disk-latest.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")  # receipts only

import django  # noqa: E402

django.setup()

from tests.load import nodes  # noqa: E402

UPLOADS = int(os.environ.get("BENCH_NODES_UPLOADS", "300"))
SPREAD = float(os.environ.get("BENCH_NODES_SPREAD", "5"))
RUSH = int(os.environ.get("BENCH_NODES_RUSH", "32"))
CLIENTS = int(os.environ.get("BENCH_NODES_CLIENTS", "32"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
PG = urlsplit(os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
BUCKET = os.environ.get("BENCH_NODES_STORAGE", "bucket") != "disk"
OUTPUT = (
    ROOT
    / "bench"
    / "results"
    / ("two-nodes-latest.json" if BUCKET else "two-nodes-disk-latest.json")
)


def latency(outcomes) -> dict:
    values = [(o.answered - o.sent) * 1000 for o in outcomes]
    if not values:
        return {}
    return {
        "p50": round(nodes.percentile(values, 0.50), 1),
        "p99": round(nodes.percentile(values, 0.99), 1),
        "max": round(max(values), 1),
    }


def main() -> int:
    pg = {
        "user": PG.username or "postgres",
        "password": PG.password or "",
        "host": PG.hostname or "127.0.0.1",
        "port": PG.port or 5432,
    }
    with tempfile.TemporaryDirectory(prefix="lectern-nodes-") as tmp:
        cluster = nodes.Cluster(
            tmp=Path(tmp),
            pg=pg,
            redis_url=REDIS_URL,
            groups=(UPLOADS + 1) // 2,
            workers=WORKERS,
            threads=THREADS,
            bucket=BUCKET,
        )
        with cluster:
            # Warm every worker of both nodes (imports, connections) far from a deadline.
            warm = [
                nodes.hand_in(
                    cluster.ports[i % 2],
                    cluster.world["warmup_assignment"],
                    cluster.world["students"][-1 - i]["token"],
                    "homework.zip",
                    nodes.zip_of(-1 - i),
                ).status
                for i in range(4 * WORKERS)
            ]
            assert warm == [201] * len(warm), warm
            assignment = cluster.world["race_assignment"]
            load_before = os.getloadavg()
            deadline = nodes.set_deadline(cluster, assignment, lead=SPREAD + 1.5)
            outcomes = nodes.race(
                cluster,
                assignment=assignment,
                deadline=deadline,
                uploads=UPLOADS,
                spread=SPREAD,
                rush=RUSH,
                threads=CLIENTS,
            )
            load_after = os.getloadavg()
            cluster.alive()
            result = nodes.audit(cluster, assignment, outcomes, deadline)
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
        },
        "servers": f"2 nodes: gunicorn gthread {WORKERS} workers x {THREADS} threads each, "
        "production settings; one PostgreSQL database, one Redis, "
        + ("one moto S3 bucket" if BUCKET else "one shared MEDIA_ROOT (comparison)"),
        "load": f"{UPLOADS} ZIP uploads by {CLIENTS} client threads, evenly over the "
        f"{2 * SPREAD:.0f} s around the deadline but for {RUSH} sent together 50 ms before "
        "it; upload i to node i mod 2",
        "uploads": len(outcomes),
        "accepted": len(result.accepted),
        "refused_deadline_passed": len(result.refused),
        "in_flight_at_deadline": result.in_flight,
        "late_acceptances": len(result.late),
        "lost_receipts": len(result.lost),
        "wrong_refusals": len(result.wrong_refusals),
        "errors": len(result.errors),
        "stray_objects": len(result.stray_objects),
        "latency_ms": {
            "accepted": latency(result.accepted),
            "refused": latency(result.refused),
            "all": latency(outcomes),
        },
        "problems": {k: v[:5] for k, v in result.problems().items()},
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(report, indent=2) + "\n")
    accepted = report["latency_ms"]["accepted"]
    print(
        f"two nodes: {report['uploads']} uploads, {report['accepted']} accepted, "
        f"{report['refused_deadline_passed']} refused (deadline_passed), "
        f"{report['in_flight_at_deadline']} in flight at the deadline; "
        f"late {report['late_acceptances']}, lost {report['lost_receipts']}, "
        f"errors {report['errors']}; accepted p50 {accepted.get('p50')} ms, "
        f"p99 {accepted.get('p99')} ms, max {accepted.get('max')} ms; "
        f"load average {load_before[0]:.2f} -> {load_after[0]:.2f}"
    )
    return 1 if result.problems() else 0


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    print(f"({time.monotonic() - started:.0f} s)")
    sys.exit(code)
