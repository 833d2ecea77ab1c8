# The hand-in fixtures (an edition in Brussels, a group of two, Homework 1).
from tests.submissions.conftest import *  # noqa: F403
