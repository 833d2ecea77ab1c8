"""Benchmark of ``manage.py import_history``: an 8-tag course history, cold then re-run.

Builds a local git repository with dulwich (tests/agenda/history_repo.py: the 2022, 2023,
2024 READMEs, the synthetic shapes and quirks, and three more editions derived from them),
then times ``history_import`` on an empty database (every edition created) and again
(nothing changed: every tag "unchanged"). The database is the one DATABASE_URL names:

    createdb -h 127.0.0.1 -U postgres lectern_bench_history
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern_bench_history \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lectern_bench_history \\
        .venv/bin/python bench/history.py [--runs 3]

Each run deletes the course's editions first. Target: < 10 s for 8 tags (issue 13).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from agenda.readme_history import history_import  # noqa: E402
from courses.models import Edition  # noqa: E402
from tests.agenda import history_repo  # noqa: E402


def versions() -> list[tuple[str, str]]:
    base = [(tag, history_repo.readme(name)) for tag, name in history_repo.TAGGED]
    text_2023 = history_repo.readme("info8010-2023.md")
    extra = [
        (f"v{10 + i}-info8010-{2027 + i}", text_2023.replace("2023", str(2027 + i)))
        for i in range(3)
    ]
    return base + extra


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        repo = history_repo.build(Path(tmp) / "course", versions())
        built = time.perf_counter() - started
        print(f"repository of {len(versions())} tags built in {built:.2f} s")
        for run in range(1, args.runs + 1):
            Edition.objects.filter(course__code="INFO8010").delete()
            timings = []
            for label in ("cold", "re-run"):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    results = history_import(path=str(repo))
                    elapsed = time.perf_counter() - started
                outcomes = sorted({r.outcome for r in results})
                timings.append(f"{label} {elapsed:.2f} s ({len(queries)} queries, {outcomes})")
            print(f"run {run}: " + "; ".join(timings))


if __name__ == "__main__":
    main()
