"""gunicorn.conf.py: what every gunicorn started from the project's directory (the image, the
benchmarks) does after a worker has loaded Django (docs/performance.md, "Latency tails"), and
the hooks of Prometheus' multiprocess mode (docs/deployment.md, "Metrics")."""

import gc
import runpy
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def test_a_worker_moves_what_it_loaded_out_of_the_collectors_reach():
    hooks = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0

    hooks["post_worker_init"](None)
    try:
        frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()

    assert frozen > 10_000  # Django, the project and the test run's objects


def test_gunicorn_reads_the_file_from_the_projects_directory():
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "config.wsgi"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    pairs = (line.split(" = ", 1) for line in printed.splitlines() if " = " in line)
    settings = {name.strip(): value.strip() for name, value in pairs}
    assert settings["config"] == "./gunicorn.conf.py"
    # gunicorn's own default prints as <PostWorkerInit.post_worker_init()>.
    assert settings["post_worker_init"] == "<post_worker_init()>"


def test_gunicorn_empties_the_metrics_folder_at_start_and_marks_dead_workers(tmp_path, monkeypatch):
    hooks = runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"stale")
    (folder / "gauge_livesum_123.db").write_bytes(b"stale")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    hooks["on_starting"](None)
    assert list(folder.iterdir()) == []

    class Worker:
        pid = 123

    (folder / "gauge_livesum_123.db").write_bytes(b"")
    hooks["child_exit"](None, Worker())
    assert not (folder / "gauge_livesum_123.db").exists()
