"""Fixtures of the hostile-input tests: the hand-in fixtures (an edition in Brussels, a group
of two, a TA) and, for the corpus, the security tests' world."""

from tests.security.conftest import world  # noqa: F401 — the corpus runs against it
from tests.submissions.conftest import (  # noqa: F401 — fixtures for the tests here
    alice,
    bob,
    carol,
    edition,
    group,
    homework,
    other_group,
    ta,
)
