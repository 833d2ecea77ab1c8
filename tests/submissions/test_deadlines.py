"""The deadline rule (docs/decisions/0002-deadline-rule.md) as pure arithmetic, across
Brussels' 2023 DST changes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from courses import timeutils
from submissions import deadlines

BXL = "Europe/Brussels"
US = dt.timedelta(microseconds=1)


def due(day, at=dt.time(23, 59)):
    return timeutils.localize(day, at, BXL)


def test_one_microsecond_before_the_deadline_is_on_time_and_the_deadline_itself_is_late():
    deadline = due(dt.date(2023, 3, 6))
    assert deadlines.is_on_time(official_time=deadline - US, deadline=deadline)
    assert not deadlines.is_on_time(official_time=deadline, deadline=deadline)


@pytest.mark.parametrize(
    ("base", "days", "expected_utc"),
    [
        # Sat 25 March 2023 23:59 CET + 2 days -> Mon 27 March 23:59 CEST (clocks went forward).
        (dt.date(2023, 3, 25), 2, dt.datetime(2023, 3, 27, 21, 59, tzinfo=dt.UTC)),
        # Sat 28 Oct 2023 23:59 CEST + 2 days -> Mon 30 Oct 23:59 CET (clocks went back).
        (dt.date(2023, 10, 28), 2, dt.datetime(2023, 10, 30, 22, 59, tzinfo=dt.UTC)),
    ],
)
def test_extension_in_days_keeps_the_wall_clock_time_across_dst(base, days, expected_utc):
    moved = deadlines.effective_deadline(due_at=due(base), tz_name=BXL, extension_days=days)
    assert moved == expected_utc
    assert moved.astimezone(ZoneInfo(BXL)).time() == dt.time(23, 59)


def test_extension_of_hours_is_wall_clock_hours_over_the_spring_gap():
    # Sat 25 March 23:59 + 4 h of wall clock = Sun 26 March 03:59 CEST: only 3 real hours later.
    base = due(dt.date(2023, 3, 25))
    moved = deadlines.effective_deadline(due_at=base, tz_name=BXL, extension_hours=4)
    assert moved.astimezone(ZoneInfo(BXL)).replace(tzinfo=None) == dt.datetime(2023, 3, 26, 3, 59)
    # (Subtract in UTC: Python subtracts same-zone datetimes by wall clock.)
    assert moved.astimezone(dt.UTC) - base.astimezone(dt.UTC) == dt.timedelta(hours=3)


def test_grace_period_is_elapsed_time_after_the_extended_deadline():
    base = due(dt.date(2023, 3, 6))
    moved = deadlines.effective_deadline(
        due_at=base, tz_name=BXL, extension_days=1, grace_minutes=10
    )
    assert moved == base + dt.timedelta(days=1, minutes=10)


def test_rule_is_spelled_out_in_the_edition_zone():
    text = deadlines.describe(deadline=due(dt.date(2023, 3, 6)), tz_name=BXL)
    assert text == "accepted until 23:59:00 Brussels time (CET) on Mon 6 Mar 2023"
    summer = deadlines.describe(deadline=due(dt.date(2023, 5, 19)), tz_name=BXL)
    assert summer == "accepted until 23:59:00 Brussels time (CEST) on Fri 19 May 2023"


def test_grace_period_counts_real_minutes_over_the_autumn_repeated_hour():
    # 29 Oct 2023: 02:00-03:00 happens twice in Brussels. A deadline at 01:59 CEST plus
    # 90 minutes of grace ends 90 real minutes later (02:29 CET), not at 03:29 wall clock.
    base = timeutils.localize(dt.date(2023, 10, 29), dt.time(1, 59), BXL)
    moved = deadlines.effective_deadline(due_at=base, tz_name=BXL, grace_minutes=90)
    assert moved == base.astimezone(dt.UTC) + dt.timedelta(minutes=90)
    assert moved == dt.datetime(2023, 10, 29, 1, 29, tzinfo=dt.UTC)
