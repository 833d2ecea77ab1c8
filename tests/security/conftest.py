"""One fixture world per test module (see ``tests.security.world``).

The matrix asks hundreds of questions of the same world, so it is built once per module,
inside a transaction that is rolled back when the module is done; every test still runs in
its own savepoint (pytest-django's ``db``), and the matrix rolls back each request too.
"""

import pytest
from django.db import transaction
from django.test import override_settings

from tests.security.world import build_world


@pytest.fixture(autouse=True)
def _media_root():
    """Replaces the suite's per-test media folder: the world's files live as long as it."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        with transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)
