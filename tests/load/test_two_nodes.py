"""Many web nodes (issue 15): two gunicorn processes on two ports share one PostgreSQL
database, one Redis and one S3 bucket (moto's standalone server), and nothing on their
disks. What one node receives, the other serves; what one changes, the other shows; and the
deadline race spread over both ends with no late acceptance and no lost receipt.

The nodes are other processes (``tests/load/nodes.py``): this test makes its own database,
Redis database and bucket, as ``test_deadline_race.py`` does. PostgreSQL and Redis are
required (skipped without them unless ``LECTERN_REQUIRE_SERVICES=1``): SQLite is one file
on one machine, the very thing a second node cannot share.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time

import pytest
from django.conf import settings

from tests.load import nodes
from tests.s3server import moto_available
from tests.submissions import filegen

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

GROUPS = 25  # 50 students with tokens
RACE_UPLOADS = 40
PROPAGATION = 1.0  # seconds within which a change through one node shows on the other


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not moto_available():
        pytest.fail("moto[server] is not installed (make install-dev)")
    db = settings.DATABASES["default"]
    pg = {
        "user": db["USER"],
        "password": db["PASSWORD"],
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
    }
    world = nodes.Cluster(
        tmp=tmp_path_factory.mktemp("two-nodes"),
        pg=pg,
        redis_url=settings.REDIS_URL,
        groups=GROUPS,
    )
    with world:
        yield world


@pytest.fixture(scope="module")
def staff(cluster):
    """The instructor, signed in through node A; the same cookies go to node B."""
    browser = nodes.Browser()
    browser.log_in(cluster.ports[0], cluster.world["staff"]["email"], cluster.password)
    return browser


def test_a_hand_in_through_one_node_is_served_previewed_graded_and_verified_by_the_other(
    cluster, staff
):
    a, b = cluster.ports
    alice, bob, carol = cluster.world["students"][:3]  # alice and bob: Team 0
    report = cluster.world["report_assignment"]
    pdf = filegen.pdf(filegen.text_pages(2))

    taken = nodes.hand_in(a, report, alice["token"], "report.pdf", pdf)
    assert taken.status == 201, taken.text
    receipt = taken.json()
    submission = receipt["submission_id"]
    ((key,),) = cluster.query(
        "SELECT file FROM submissions_submission WHERE id = %s", (submission,)
    )
    assert hashlib.sha256(cluster.stored(key)).hexdigest() == receipt["sha256"]
    assert cluster.local_files() == []  # the bucket, not node A's disk

    # Downloaded through B by the other member of the group; another group's student: 404.
    path = f"/api/v1/submissions/{submission}/file/"
    download = nodes.with_token(b, path, bob["token"])
    assert download.status == 200
    assert download.body == pdf
    assert nodes.with_token(b, path, carol["token"]).status == 404

    # Previewed through B: the pages are rendered from the bucket into the bucket (no
    # worker runs here: the queued task waits, the first page asked for renders them).
    page = staff.get(b, f"/staff/submissions/{submission}/pages/2.png")
    assert page.status == 200, page.text[-1000:]
    assert page.body.startswith(b"\x89PNG")
    previews = cluster.keys("previews/")
    assert len(previews) == 2
    assert page.body == cluster.stored(sorted(previews)[1])

    # Graded through B's grading workspace (which reads the file from the bucket).
    workspace = f"/admin/grading/workspace/{submission}/"
    shown = staff.get(b, workspace)
    assert shown.status == 200, shown.text[-1000:]
    saved = staff.post(
        b, workspace, {"revision": "0", "score": "17", "feedback": "Good.", "action": "save"}
    )
    assert saved.status == 302, saved.text[-2000:]
    assert cluster.query("SELECT score FROM grading_grade WHERE assignment_id = %s", (report,)) == [
        (17,)
    ]

    # The receipt A issued verifies on B.
    names = ("submission_id", "edition", "assignment_id", "assignment", "group", "version")
    assert all(name in receipt for name in names)
    verified = staff.post(b, "/staff/receipts/verify/", {"text": _receipt_json(receipt)})
    assert verified.status == 200
    assert "Valid receipt" in verified.text, verified.text[-2000:]
    assert cluster.local_files() == []
    cluster.alive()


def _receipt_json(body: dict) -> str:
    import dataclasses

    from submissions import receipts

    names = {field.name for field in dataclasses.fields(receipts.Receipt)}
    return json.dumps({k: v for k, v in body.items() if k in names})


def _first_fresh(port: int, path: str, fresh, *, after: float, limit: float) -> float:
    """Poll ``path`` on ``port`` every 50 ms until ``fresh(answer)``; return how long after
    ``after`` the first fresh answer was asked for. Gives up ``limit`` + 2 s after ``after``."""
    while time.time() < after + limit + 2:
        sent = time.time()
        answer = nodes.call(port, "GET", path)
        assert answer.status == 200, (path, answer.status)
        if fresh(answer):
            return sent - after
        time.sleep(0.05)
    return float("inf")


def test_an_agenda_change_through_one_node_shows_on_the_other_within_a_second(cluster, staff):
    a, b = cluster.ports
    slug = cluster.world["edition_slug"]
    schedule, feed = f"/api/v1/editions/{slug}/schedule/", f"/editions/{slug}/calendar.ics"
    before = nodes.call(b, "GET", schedule)
    assert before.status == 200
    old_etag = before.headers["etag"]
    assert nodes.call(b, "GET", feed).status == 200  # both are now in B's caches

    title = f"Guest lecture {time.time_ns()}"
    day = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).date().isoformat()
    added = staff.post(
        a,
        "/admin/courses/event/add/",
        {
            "edition": str(cluster.world["edition"]),
            "date": day,
            "starts_at_time": "10:00",
            "position": "0",
            "label": "Guest",
            "title": title,
            "speaker": "A. Visitor",
            "links-TOTAL_FORMS": "0",
            "links-INITIAL_FORMS": "0",
            "links-MIN_NUM_FORMS": "0",
            "links-MAX_NUM_FORMS": "1000",
        },
    )
    assert added.status == 302, re.sub(r"\s+", " ", added.text)[-3000:]
    changed = time.time()

    def in_schedule(answer) -> bool:
        return title in answer.text and answer.headers["etag"] != old_etag

    def in_feed(answer) -> bool:
        return title.encode() in answer.body.replace(b"\r\n ", b"")  # folded lines

    assert _first_fresh(b, schedule, in_schedule, after=changed, limit=PROPAGATION) <= PROPAGATION
    assert _first_fresh(b, feed, in_feed, after=changed, limit=PROPAGATION) <= PROPAGATION
    # A conditional request with the old ETag is answered in full, with the new one 304.
    stale = nodes.call(b, "GET", schedule, headers={"If-None-Match": old_etag})
    assert stale.status == 200
    current = nodes.call(b, "GET", schedule, headers={"If-None-Match": stale.headers["etag"]})
    assert current.status == 304
    cluster.alive()


def test_the_deadline_race_over_both_nodes_accepts_none_late_and_loses_no_receipt(cluster):
    assignment = cluster.world["race_assignment"]
    deadline = nodes.set_deadline(cluster, assignment, lead=3.0)
    outcomes = nodes.race(
        cluster,
        assignment=assignment,
        deadline=deadline,
        uploads=RACE_UPLOADS,
        spread=1.5,
        rush=12,
        threads=16,
    )
    cluster.alive()
    result = nodes.audit(cluster, assignment, outcomes, deadline)

    assert result.problems() == {}
    # The race happened: some accepted, some refused, decided by both nodes, and some in
    # flight at the deadline instant.
    assert result.accepted and result.refused
    assert {o.port for o in result.accepted + result.refused} == set(cluster.ports)
    assert len(result.accepted) + len(result.refused) == RACE_UPLOADS
    assert result.in_flight > 0, "no upload was in flight at the deadline"
    assert cluster.local_files() == []
