"""Every Celery task of the project goes to a declared queue by an explicit route, so a new
task cannot land on a queue no worker consumes (CELERY_TASK_ROUTES, docs/deployment.md).
That each declared queue has workers is held by tests/test_deploy.py (compose) and
tests/test_kubernetes.py."""

import ast
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent
_TASK_DECORATORS = {"shared_task", "task"}


def _declared_in_source() -> set[str]:
    """Tasks as the source declares them: functions decorated with shared_task / app.task."""
    names = set()
    for path in ROOT.rglob("*.py"):
        if {".venv", "tests", "var", "migrations", "bench"} & set(path.relative_to(ROOT).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = (
                    target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                )
                if name in _TASK_DECORATORS:
                    names.add(f"{module}.{node.name}")
    return names


def _registered() -> set[str]:
    app.loader.import_default_modules()  # what a worker imports: autodiscovered tasks
    return {name for name in app.tasks if not name.startswith("celery.")}


def _declared_queues() -> set[str]:
    return {queue.name for queue in settings.CELERY_TASK_QUEUES}


def test_the_worker_registers_every_task_the_source_declares():
    declared = _declared_in_source()
    assert declared, "no task found in the source: the scan is broken"
    assert _registered() == declared


def test_every_task_is_routed_by_name_to_a_declared_queue():
    queues = _declared_queues()
    for name in sorted(_registered()):
        assert name in settings.CELERY_TASK_ROUTES, f"{name}: add it to CELERY_TASK_ROUTES"
        routed = app.amqp.router.route({}, name)["queue"].name
        assert routed in queues, f"{name} goes to {routed!r}, not a declared queue"


def test_every_route_names_a_task_that_exists():
    assert set(settings.CELERY_TASK_ROUTES) <= _registered()


def test_every_declared_queue_has_a_task_and_the_default_is_declared():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed == _declared_queues()
    assert settings.CELERY_TASK_DEFAULT_QUEUE in _declared_queues()


def test_a_worker_started_without_queues_consumes_every_declared_queue():
    # The one-worker stack and the fault tests start workers without --queues.
    assert set(app.amqp.queues) == _declared_queues()


def test_the_deadline_path_does_not_share_its_queue_with_bulk_work():
    routes = settings.CELERY_TASK_ROUTES
    receipts = routes["submissions.tasks.send_receipt_email"]["queue"]
    for bulk in (
        "submissions.tasks.render_submission_pages",
        "grading.tasks.recompute_final_grades",
        "grading.tasks.send_grade_released_emails",
    ):
        assert routes[bulk]["queue"] != receipts, bulk
