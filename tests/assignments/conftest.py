"""The hand-in fixtures (an edition in Brussels, Homework 1, a group of two)."""

from tests.submissions.conftest import alice, bob, edition, group, homework  # noqa: F401
