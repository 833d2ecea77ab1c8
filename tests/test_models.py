import datetime as dt

import pytest

from tests.factories import AssignmentFactory, EditionFactory


@pytest.mark.django_db
def test_assignment_deadline_defaults_to_2359_in_the_edition_zone():
    edition = EditionFactory(timezone="Europe/Brussels")
    homework = AssignmentFactory(edition=edition, due_date=dt.date(2023, 3, 6))
    # 23:59 CET (UTC+1) is 22:59 UTC.
    assert homework.due_at == dt.datetime(2023, 3, 6, 22, 59, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_assignment_deadline_after_dst_change_uses_summer_offset():
    edition = EditionFactory(timezone="Europe/Brussels")
    report = AssignmentFactory(edition=edition, due_date=dt.date(2023, 5, 19))
    # 23:59 CEST (UTC+2) is 21:59 UTC.
    assert report.due_at == dt.datetime(2023, 5, 19, 21, 59, tzinfo=dt.UTC)
