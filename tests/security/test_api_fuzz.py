"""Fuzzing the REST API from its own OpenAPI schema (schemathesis, in-process over WSGI).

Every operation of ``/api/schema/`` gets generated requests, both well-formed and not, sent
twice: anonymously and as a student (a token header). Every response must be no server
error, carry a status code the schema documents for the operation, and match the schema's
body for that status. Path parameters are sometimes swapped for real ids and slugs of the
fixture world (``tests/security/world.py``) so that the happy paths are reached too.

Bounded for CI: ``MAX_EXAMPLES`` per operation, derandomized, no deadline.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

MAX_EXAMPLES = 50
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


# Loaded when the module is collected: the schema view touches no database. (schemathesis'
# lazy ``from_fixture`` loader does not run under pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

# Real slugs and ids of the fixture world, filled in when it is built.
REAL_PATH_PARAMETERS: dict[str, list] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.sampled_from([value, *REAL_PATH_PARAMETERS.get(name, [])])
            for name, value in path_parameters.items()
        }
    )


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes "old" database connections when a request starts and ends;
    inside the test's transaction on PostgreSQL that closes the test's own connection (SQLite
    in memory ignores it). Django's test client turns this off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _real_path_parameters(world):
    REAL_PATH_PARAMETERS["slug"] = [world.pub.slug, world.draft.slug, world.elsewhere.slug]
    REAL_PATH_PARAMETERS["id"] = [world.homework.pk, world.sub_a.pk, world.sub_b.pk]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_generated_request_as_its_schema_says(case, world):
    case.call_and_validate(checks=CHECKS)
    token = world.users["member"].api_key
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
