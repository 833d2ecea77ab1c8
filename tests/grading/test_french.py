"""The grading pages in French (issue 14's catalogue, extended): what a student sees of a
regrade request on the grades page, and the TA's queue, workspace and release pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from grading.models import Grade
from tests.grading.conftest import grade, hand_in

pytestmark = pytest.mark.django_db

RELEASE = dt.datetime(2023, 6, 1, 10, 0, tzinfo=dt.UTC)
FRENCH = {"accept-language": "fr"}


def test_a_regrade_request_from_the_grades_page_to_the_workspace_in_french(client, course):
    group, (alice, _bob) = course.group_of("alice@x.test", "bob@x.test", name="Mine")
    hand_in(course.hw1, group)
    with time_machine.travel(RELEASE, tick=False):
        released = grade(course.hw1, group, 12, actor=course.ta, release=True)
    mine = reverse("grading:mine", args=[course.edition.slug])
    with time_machine.travel(RELEASE + dt.timedelta(days=2), tick=False):
        client.force_login(alice)
        page = client.get(mine, headers=FRENCH).content.decode()
        assert "Demander une révision (jusqu’au <time" in page
        assert "2023-06-08 12:00 CEST</time>)" in page
        ask = reverse("grading:regrade-request", args=[course.edition.slug, released.pk])
        sent, refused = (
            client.post(ask, {"message": text}, headers=FRENCH, follow=True).content.decode()
            for text in ("L’exercice 2 suit la méthode du cours.", "Encore ?")
        )
        assert "Votre demande de révision est transmise à l’équipe de correction." in sent
        assert "Demande de révision (en cours)" in sent
        assert "Une demande de révision est déjà en cours pour cette note." in refused

    client.force_login(course.ta)
    queue = client.get(
        reverse("grading-admin:queue", args=[course.hw1.pk]), headers=FRENCH
    ).content.decode()
    assert "Corrigées : 1 sur 1" in queue and "Répartition du travail" in queue
    assert "<td>révision demandée</td>" in queue
    assert "regrade requested" not in queue and "Sharing the work" not in queue
    workspace_url = reverse("grading-admin:workspace", args=[released.submission_id])
    workspace = client.get(workspace_url, headers=FRENCH).content.decode()
    for french in ("Révision demandée", "Enregistrer et suivante (s)", "Publier cette note"):
        assert french in workspace
    assert "Save and next" not in workspace and "Regrade requested" not in workspace
    with time_machine.travel(RELEASE + dt.timedelta(days=3), tick=False):
        client.post(
            workspace_url,
            {
                "revision": str(Grade.objects.get(pk=released.pk).revision),
                "score": "15",
                "feedback": "",
                "regrade_answer": "Exact : deux points en plus.",
                "action": "save",
            },
            headers=FRENCH,
        )
    release = client.get(
        reverse("grading-admin:release", args=[course.hw1.pk]), headers=FRENCH
    ).content.decode()
    assert "Rien à publier." in release and "Chaque groupe a une note." in release

    client.force_login(alice)
    page = client.get(mine, headers=FRENCH).content.decode()
    assert "Demande de révision (traitée)" in page
    assert "Réponse :" in page and "Note modifiée de 12 à 15." in page
    assert "Score changed" not in page
