"""An S3-compatible bucket for a test: moto's standalone server, one per session
(``tests/s3server.py``), and a new bucket per test that Django's default storage — the
one hand-ins and page previews use — is pointed at."""

import os

import pytest

from tests.s3server import MotoServer, moto_available, storage_options
from tests.submissions.conftest import *  # noqa: F403 — the hand-in fixtures


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    if not moto_available():
        if os.environ.get("LECTERN_REQUIRE_SERVICES") == "1":
            pytest.fail("moto[server] is not installed (make install-dev)")
        pytest.skip("needs moto[server] (the dev dependencies: make install-dev)")
    server = MotoServer(tmp_path_factory.mktemp("moto") / "moto.log").start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    """A fresh bucket, now Django's default storage; its name."""
    name = s3_server.new_bucket()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": storage_options(endpoint=s3_server.endpoint, bucket=name),
    }
    return name
