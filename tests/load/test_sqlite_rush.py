"""Issue 10, case 3: on the embedded default (SQLite), concurrent writes wait their turn.

Two groups handing in at once used to get 500 "database is locked": a transaction that
starts by reading and then writes cannot wait for the write lock in SQLite, it fails at
once. ``config/settings/base.py`` opens every transaction with ``BEGIN IMMEDIATE`` (the
write lock taken first, waiting up to the busy timeout), so they queue instead.

The requests run in a subprocess configured as ``make run`` is (a database file, not the
suite's in-memory database, whose shared cache locks tables instead of waiting).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rush(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sqlite-rush")
    # Nothing of this run's own database or cache settings reaches the embedded default.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(  # noqa: S603 — our interpreter, our module
        [sys.executable, "-m", "tests.load.sqlite_rush", str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_ten_groups_handing_in_at_once_on_sqlite_are_all_accepted(rush):
    assert rush["hand_ins"] == [201] * 10, rush["hand_in_errors"]
    assert rush["submissions"] == 10


def test_ten_students_joining_groups_at_once_on_sqlite_all_join(rush):
    assert rush["joins"] == [302] * 10, rush["join_errors"]
    assert rush["members"] == 20
