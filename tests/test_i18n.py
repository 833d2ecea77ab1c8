"""The interface in French (issue 14): the browser's language, a switcher, a complete
catalogue. Course content stays as the instructor wrote it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from tests.factories import AssignmentFactory, EditionFactory, make_group, make_student

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"

pytestmark = pytest.mark.django_db


@pytest.fixture
def edition():
    return EditionFactory(slug="info8010-fr", timezone="Europe/Brussels")


@pytest.fixture
def alice(edition):
    return make_student(edition, "alice@example.test")


def test_the_dashboard_follows_the_browsers_language(client, edition, alice):
    make_group(edition, alice, make_student(edition, "bob@example.test"), name="Tensor Titans")
    AssignmentFactory(edition=edition, title="Homework 1", due_date=dt.date(2023, 3, 6))
    client.force_login(alice)
    url = reverse("submissions:dashboard", args=[edition.slug])
    with time_machine.travel(dt.datetime(2023, 3, 1, tzinfo=dt.UTC), tick=False):
        page = client.get(url, headers={"accept-language": "fr"}).content.decode()
    assert '<html lang="fr">' in page
    assert "Mon groupe" in page and "Prochaines échéances" in page
    assert "lun 6 mars 2023, 23:59, heure de Brussels (CET)" in page  # dates localized
    assert "Homework 1" in page  # the course's own words are not translated
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "My group" in english and "Mon groupe" not in english


def test_the_course_page_in_french(client, edition):
    page = client.get(edition.get_absolute_url(), headers={"accept-language": "fr"})
    text = page.content.decode()
    assert "Programme" in text and "S’abonner" in text
    assert edition.course.title in text


def test_the_switcher_changes_the_language_and_keeps_it(client, edition):
    url = edition.get_absolute_url()
    response = client.post(reverse("set_language"), {"language": "fr", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert "Archives de" not in client.get(url).content.decode()  # not on this page
    assert "S’abonner" in client.get(url, headers={"accept-language": "en"}).content.decode()
    client.post(reverse("set_language"), {"language": "en-gb", "next": url})
    assert "Subscribe" in client.get(url, headers={"accept-language": "fr"}).content.decode()


def test_every_interface_string_has_its_french():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first is the header
    untranslated = [e for e in entries if re.search(r'^msgstr(\[\d\])? ""$', e, re.MULTILINE)]
    assert not untranslated, untranslated[:3]
    assert "#, fuzzy" not in text
    mo = PO.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_size > 1000


def test_the_assignment_page_in_french_says_the_rule_and_the_group_size(client, edition, alice):
    make_group(edition, alice)  # alone; the homework needs 2 to 3
    homework = AssignmentFactory(
        edition=edition, title="Homework 1", due_date=dt.date(2023, 3, 6), min_group_size=2
    )
    client.force_login(alice)
    url = reverse("submissions:assignment", args=[homework.pk])
    with time_machine.travel(dt.datetime(2023, 3, 1, tzinfo=dt.UTC), tick=False):
        page = client.get(url, headers={"accept-language": "fr"}).content.decode()
    assert "acceptées jusqu’à 23:59:00, heure de Brussels (CET), le lun 6 mars 2023" in page
    assert "Votre groupe compte 1 membre." in page
