"""A web page on another origin reads the public schedule with fetch; it cannot read a
personal endpoint. The other origin is a second local server (another port), so Chromium
applies CORS as it would to any site."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import AssignmentFactory, EditionFactory, LectureFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGE = b"<!doctype html><title>Course widget</title><p>Another site.</p>"


class _Widget(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_origin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Widget)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


READ = """async (url) => {
  try {
    const response = await fetch(url, {credentials: "include"});
    return {status: response.status, etag: response.headers.get("ETag"),
            body: await response.json()};
  } catch (error) {
    return {blocked: String(error)};
  }
}"""


def test_a_page_elsewhere_reads_the_public_schedule_but_not_personal_data(
    new_page, live_server, other_origin
):
    edition = EditionFactory(slug="info8010-cors")
    LectureFactory(edition=edition, title="Introduction", date=dt.date(2023, 2, 10))
    AssignmentFactory(edition=edition, title="Homework 1", due_date=dt.date(2023, 3, 6))
    page = new_page()
    page.goto(other_origin)
    assert live_server.url.split(":")[-1] != other_origin.split(":")[-1]

    schedule = page.evaluate(READ, f"{live_server.url}/api/v1/editions/info8010-cors/schedule/")
    me = page.evaluate(READ, f"{live_server.url}/api/v1/me/")

    # With credentials: "include", a wildcard answer is refused by the browser; without
    # them (fetch's default) it is read.
    plain = page.evaluate(
        """async (url) => {
          const response = await fetch(url);
          return {status: response.status, etag: response.headers.get("ETag"),
                  titles: (await response.json()).items.map((item) => item.title)};
        }""",
        f"{live_server.url}/api/v1/editions/info8010-cors/schedule/",
    )
    assert plain["status"] == 200
    assert plain["etag"]  # exposed to scripts, for conditional polling
    assert plain["titles"] == ["Introduction", "Deadline for Homework 1"]
    assert "blocked" in schedule  # no credentialed reads from anywhere
    assert "blocked" in me
