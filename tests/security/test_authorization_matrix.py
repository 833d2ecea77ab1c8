"""Every mounted URL × every role → the status it must answer, generated from the URLconf.

The routes are found by walking ``get_resolver().url_patterns`` when the tests are collected,
so a route mounted tomorrow (a new view, the grading app, …) is picked up without editing
this file, and ``test_every_mounted_route_has_a_rule`` fails, naming it, until it has a rule.

How to add a rule
-----------------
Add an entry to ``RULES`` keyed by the route's name with its namespace (``"grading:grades"``)
or, for a nameless route, by its full route string (``"api/v1/things/<int:pk>/"``). The value
is a list of ``Case``: the URL kwargs (each a path into the world, ``"sub_a.pk"``; see
``tests/security/world.py``), the method and body, and what each role gets (``by_role``).
A case's ``expect`` names all seven roles; the roles are in ``world.ROLES``:

    anonymous, student_elsewhere, other_student, member, ta_elsewhere, ta, instructor

where ``member`` belongs to group Alpha (whose objects are asked for), ``other_student`` to
group Beta of the same edition, and the ``*_elsewhere`` users to another edition.

An expected value is a status code, ``LOGIN`` (a redirect to the login page), ``ADMIN_LOGIN``
(a redirect to the admin's login page) or a frozenset of acceptable codes. Whole families of
routes that follow one policy (Django's admin, allauth) are ruled by a function in
``RULE_GROUPS``, keyed by a shell pattern on the route's name.

Each case runs every role against one freshly built world, each role inside a savepoint that
is rolled back, so a POST by one role does not change what the next one sees.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from courses.models import Edition
from tests.security.rules_workspace import workspace_rules
from tests.security.world import ROLES, World
from tests.submissions.conftest import pdf_upload

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
Expected = int | str | frozenset


def by_role(default: Expected, **overrides: Expected) -> dict[str, Expected]:
    unknown = set(overrides) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: overrides.get(role, default) for role in ROLES}


# --- Policies shared by many routes ------------------------------------------------------

PUBLIC = by_role(200)
SIGNED_IN = by_role(200, anonymous=LOGIN)
API_SIGNED_IN = by_role(200, anonymous=401)
# The published edition's private pages: its students and staff.
EDITION_MEMBERS = by_role(
    404, anonymous=LOGIN, other_student=200, member=200, ta=200, instructor=200
)
# Group Alpha's objects: its members and the edition's staff; 404 for everybody else.
GROUP_ALPHA = by_role(404, anonymous=LOGIN, member=200, ta=200, instructor=200)
API_GROUP_ALPHA = {**GROUP_ALPHA, "anonymous": 401}
STAFF_OF_PUB = by_role(404, anonymous=LOGIN, ta=200, instructor=200)
# The draft edition: its staff (pub's instructor) only.
DRAFT_STAFF = by_role(404, instructor=200)


@dataclass(frozen=True)
class Case:
    expect: dict[str, Expected]
    kwargs: dict[str, str] = field(default_factory=dict)  # URL kwarg → path in the World
    method: str = "get"
    data: Callable[[World], dict] | None = None
    query: str = ""
    label: str = ""
    path: str = ""  # a literal URL, for a regex route that ``reverse`` cannot fill


def _hand_in(world: World) -> dict:
    # Three pages: not the bytes of Alpha's (one) or Beta's (two) hand-in.
    return {"file": pdf_upload(3, name="matrix.pdf")}


def _receipt(world: World) -> dict:
    return {"text": world.receipt_a}


# --- The rules, one per route: the place to add a rule for a new route --------------------

RULES: dict[str, list[Case]] = {
    # Public course site, feeds and schedule API: drafts only for their staff.
    "agenda:edition-list": [Case(PUBLIC)],
    "agenda:edition": [
        Case(PUBLIC, {"slug": "pub.slug"}),
        Case(DRAFT_STAFF, {"slug": "draft.slug"}, label="draft"),
    ],
    "agenda:archives": [
        Case(PUBLIC, {"slug": "pub.slug"}),
        Case(DRAFT_STAFF, {"slug": "draft.slug"}, label="draft"),
    ],
    "edition-calendar": [
        Case(PUBLIC, {"slug": "pub.slug"}),
        Case(DRAFT_STAFF, {"slug": "draft.slug"}, label="draft"),
    ],
    "api:edition-list": [Case(PUBLIC)],
    "api:edition-detail": [
        Case(PUBLIC, {"slug": "pub.slug"}),
        Case(DRAFT_STAFF, {"slug": "draft.slug"}, label="draft"),
    ],
    "api:edition-schedule": [
        Case(PUBLIC, {"slug": "pub.slug"}),
        Case(DRAFT_STAFF, {"slug": "draft.slug"}, label="draft"),
    ],
    "api:edition-lectures": [
        Case(PUBLIC, {"slug": "pub.slug"}),
        Case(DRAFT_STAFF, {"slug": "draft.slug"}, label="draft"),
    ],
    "api:edition-assignments": [
        Case(PUBLIC, {"slug": "pub.slug"}),
        Case(DRAFT_STAFF, {"slug": "draft.slug"}, label="draft"),
    ],
    "api:schema": [Case(PUBLIC)],
    "api:docs": [Case(PUBLIC)],
    # Student API.
    "submissions-api:me": [Case(API_SIGNED_IN)],
    "submissions-api:my-submissions": [Case(API_SIGNED_IN)],
    "submissions-api:submission-create": [
        Case(by_role(405, anonymous=401), {"pk": "homework.pk"}),
        Case(
            # Anyone enrolled hands in for their own group; staff have no group to hand in for.
            by_role(404, anonymous=401, other_student=201, member=201, ta=400, instructor=400),
            {"pk": "homework.pk"},
            method="post",
            data=_hand_in,
        ),
    ],
    "submissions-api:submission": [Case(API_GROUP_ALPHA, {"pk": "sub_a.pk"})],
    "submissions-api:submission-file": [Case(API_GROUP_ALPHA, {"pk": "sub_a.pk"})],
    # The language switcher: anyone may choose a language (a redirect back).
    "set_language": [
        Case(by_role(302), method="post", data=lambda w: {"language": "fr", "next": "/"})
    ],
    # Student pages.
    "submissions:home": [
        # Members of exactly one edition are sent to its dashboard.
        Case(by_role(302, anonymous=LOGIN, instructor=200))
    ],
    "submissions:enrol": [Case(SIGNED_IN)],
    "submissions:dashboard": [
        Case(EDITION_MEMBERS, {"slug": "pub.slug"}),
        Case(
            by_role(404, anonymous=LOGIN, instructor=200),
            {"slug": "draft.slug"},
            label="draft",
        ),
    ],
    "submissions:group": [
        Case(EDITION_MEMBERS, {"slug": "pub.slug"}),
        Case(
            # Students already in a group and staff are refused (400); outsiders see nothing.
            by_role(404, anonymous=LOGIN, other_student=400, member=400, ta=400, instructor=400),
            {"slug": "pub.slug"},
            method="post",
            data=lambda w: {"action": "create", "create-name": "Gamma"},
        ),
    ],
    "submissions:assignment": [
        Case(EDITION_MEMBERS, {"pk": "homework.pk"}),
        Case(
            by_role(404, anonymous=LOGIN, other_student=302, member=302, ta=400, instructor=400),
            {"pk": "homework.pk"},
            method="post",
            data=_hand_in,
        ),
    ],
    "submissions:receipt": [Case(GROUP_ALPHA, {"pk": "sub_a.pk"})],
    "submissions:file": [Case(GROUP_ALPHA, {"pk": "sub_a.pk"})],
    "submissions:profile": [Case(SIGNED_IN)],
    "submissions:tokens": [
        Case(by_role(405, anonymous=LOGIN)),
        Case(
            by_role(302, anonymous=LOGIN),
            method="post",
            data=lambda w: {"action": "create-calendar"},
        ),
    ],
    # The secret in the URL is the credential: whoever holds it reads the feed.
    "submissions:personal-calendar": [
        Case(PUBLIC, {"token": "calendar_token.token"}),
        Case(by_role(404), {"token": "pub.slug"}, label="unknown token"),
    ],
    "submissions:verify-receipt": [
        Case(by_role(403, anonymous=LOGIN, ta_elsewhere=200, ta=200, instructor=200)),
        Case(
            by_role(403, anonymous=LOGIN, ta_elsewhere=200, ta=200, instructor=200),
            method="post",
            data=_receipt,
        ),
    ],
    # Grades: students see their own released grades; the edition's staff see all of them.
    "grading:mine": [
        Case(by_role(404, anonymous=LOGIN, other_student=200, member=200), {"slug": "pub.slug"})
    ],
    "grading:staff": [Case(STAFF_OF_PUB, {"slug": "pub.slug"})],
    "grading:recompute": [
        Case(by_role(405, anonymous=LOGIN), {"slug": "pub.slug"}),
        Case(
            by_role(404, anonymous=LOGIN, ta=302, instructor=302),
            {"slug": "pub.slug"},
            method="post",
            data=lambda w: {},
        ),
    ],
    "grading:export": [Case(STAFF_OF_PUB, {"slug": "pub.slug"})],
    "grading:exam-import": [Case(STAFF_OF_PUB, {"slug": "pub.slug"})],
    "grading-api:my-grades": [Case(API_SIGNED_IN)],
    "grading-api:planner": [Case(API_SIGNED_IN)],
    # Anyone may ask for a token (the password decides), in JSON: a form is refused before
    # anything is read. (DELETE revokes the caller's own token: the token is the permission.)
    "accounts-api:token": [
        Case(by_role(405)),
        Case(by_role(415), method="post", data=lambda w: {}),
    ],
    "grading-api:edition-grades": [
        Case(by_role(404, anonymous=401, ta=200, instructor=200), {"slug": "pub.slug"})
    ],
    "grading-api:exam-mark-set": [
        # POST only: reading it is "method not allowed" once signed in.
        Case(by_role(405, anonymous=401), {"slug": "pub.slug"}),
        # A form body: staff of the edition hear that the API takes JSON, others nothing.
        Case(
            by_role(404, anonymous=401, ta=415, instructor=415),
            {"slug": "pub.slug"},
            method="post",
            data=lambda w: {},
        ),
    ],
    # Probes.
    "healthz": [Case(PUBLIC)],
    "readyz": [Case(PUBLIC)],
}

# The grading workspace's routes (the admin views, page images, regrade requests).
RULES.update(workspace_rules(Case, by_role, login=LOGIN, admin_login=ADMIN_LOGIN))

# --- Django's admin: one policy for the whole site ----------------------------------------

STAFF_ROLES = ("ta_elsewhere", "ta", "instructor")
NON_STAFF_ROLES = tuple(r for r in ROLES if r not in STAFF_ROLES)

# Edition-scoped model admins: the object of the published edition each is checked on, and
# the views its admin refuses to everyone but superusers (403). A model admin registered for
# a model of ``STAFF_APPS`` needs an entry here, or the route test fails naming it.
ADMIN_SAMPLES: dict[str, tuple[str, frozenset[str]]] = {
    "courses_course": ("pub.course.pk", frozenset({"add", "delete"})),
    "courses_edition": ("pub.pk", frozenset({"add"})),
    "courses_lecture": ("lecture.pk", frozenset()),
    "courses_event": ("event.pk", frozenset()),
    "assignments_assignment": ("homework.pk", frozenset()),
    "submissions_studentgroup": ("group_a.pk", frozenset()),
    "submissions_groupchange": ("group_change.pk", frozenset({"add", "delete"})),
    "submissions_extension": ("extension.pk", frozenset()),
    "submissions_proposalreview": ("review.pk", frozenset()),
    "submissions_submission": ("sub_a.pk", frozenset({"delete"})),
    "grading_grade": ("grade_a.pk", frozenset()),
    "grading_submissiontograde": ("sub_a.pk", frozenset({"add", "delete"})),
    "grading_rubriccriterion": ("criterion.pk", frozenset()),
    "grading_exammark": ("exam_mark.pk", frozenset({"delete"})),
    "grading_gradingscheme": ("scheme.pk", frozenset()),
    "grading_finalgrade": ("final_grade.pk", frozenset({"add", "delete"})),
    "grading_markchange": ("mark_change.pk", frozenset({"add", "delete"})),
    "autograder_graderbundle": ("bundle.pk", frozenset()),
}
# Model admins that edition staff have no model permission for (superusers only), with the
# object each is checked on.
ADMIN_SUPERUSER_ONLY = {
    "auth_group": "staff_group.pk",
    "account_emailaddress": "email_address.pk",
    "accounts_user": "users.member.pk",
}
# Admin views that are not a model admin's, for a signed-in staff user.
ADMIN_SITE_VIEWS: dict[str, tuple[dict[str, str], Expected]] = {
    "admin:index": ({}, 200),
    "admin:login": ({}, 302),  # already signed in: on to the index
    "admin:logout": ({}, 405),  # POST only
    "admin:password_change": ({}, 200),
    "admin:password_change_done": ({}, 200),
    "admin:autocomplete": ({}, 403),  # without a valid field
    "admin:jsi18n": ({}, 200),
    "admin:app_list": ({"app_label": "=courses"}, 200),
}


def _model_admin_key(route: Route) -> tuple[str, str] | None:
    """``("courses_edition", "change")`` for a model admin's route, else ``None``."""
    parts = route.route.split("/")
    if len(parts) < 3 or parts[0] != "admin":
        return None
    key = f"{parts[1]}_{parts[2]}"
    known = {f"{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry}
    if key not in known:
        return None
    name = route.name.removeprefix("admin:")
    if name == "":
        return key, "redirect"
    return key, name.removeprefix(f"{key}_")


def admin_cases(route: Route) -> list[Case] | None:
    non_staff = {role: ADMIN_LOGIN for role in NON_STAFF_ROLES}
    if route.name == "admin:login":
        # allauth's secure_admin_login: sign in through allauth; signed-in non-staff: 403.
        non_staff = {role: 403 for role in NON_STAFF_ROLES} | {"anonymous": LOGIN}
    if route.name == "admin:logout":
        non_staff = dict.fromkeys(NON_STAFF_ROLES, 302)  # back to the index (→ login)
    if route.name in ADMIN_SITE_VIEWS:
        kwargs, status = ADMIN_SITE_VIEWS[route.name]
        return [Case({**non_staff, **dict.fromkeys(STAFF_ROLES, status)}, kwargs)]
    if route.name == "admin:view_on_site":
        # Django's shortcut view redirects any staff user to the object's public page.
        kwargs = {"content_type_id": "=edition-ct", "object_id": "pub.pk"}
        return [Case({**non_staff, **dict.fromkeys(STAFF_ROLES, 302)}, kwargs)]
    if route.route == "admin/(?P<url>.*)$":  # the catch-all
        staff = dict.fromkeys(STAFF_ROLES, 404)
        return [Case({**non_staff, **staff}, path="/admin/no/such/page/")]
    if route.name == "admin:auth_user_password_change":
        return [Case({**non_staff, **dict.fromkeys(STAFF_ROLES, 403)}, {"id": "users.member.pk"})]
    found = _model_admin_key(route)
    if found is None:
        return None
    model, view = found
    if model in ADMIN_SUPERUSER_ONLY:
        sample, refused = ADMIN_SUPERUSER_ONLY[model], frozenset({view}) - {"redirect"}
    elif model in ADMIN_SAMPLES:
        sample, refused = ADMIN_SAMPLES[model]
    else:
        return None
    kwargs = {"object_id": sample} if "object_id" in route.route else {}
    if view in refused:
        staff = dict.fromkeys(STAFF_ROLES, 403)
    elif view in ("changelist", "add"):
        staff = dict.fromkeys(STAFF_ROLES, 200)
    elif view == "redirect":  # <id>/ → <id>/change/, before any check of the object
        staff = dict.fromkeys(STAFF_ROLES, 302)
    else:  # change, history, delete: another edition's object is "not found" (→ the index)
        staff = {"ta_elsewhere": 302, "ta": 200, "instructor": 200}
    return [Case({**non_staff, **staff}, kwargs)]


# --- allauth: public sign-in pages, and account pages that need a session ------------------

ALLAUTH_SIGNED_IN_ONLY = {
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reauthenticate",
}
ALLAUTH_KWARGS = {
    "account_confirm_email": {"key": "=not-a-key"},
    "account_reset_password_from_key": {"uidb36": "=zz", "key": "=not-a-key"},
}


def allauth_cases(route: Route) -> list[Case]:
    kwargs = ALLAUTH_KWARGS.get(route.name, {})
    if route.name in ALLAUTH_SIGNED_IN_ONLY:
        # Signed in: the page, or on to another account page (set vs change password).
        return [Case(by_role(frozenset({200, 302}), anonymous=LOGIN), kwargs)]
    # Public: never an error; a signed-in user may be sent on (login → home).
    return [Case(by_role(frozenset({200, 302}), anonymous=frozenset({200, 302})), kwargs)]


RULE_GROUPS: dict[str, Callable[[Route], list[Case] | None]] = {
    "admin:*": admin_cases,
    "account_*": allauth_cases,
}


# --- Walking the URLconf -------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", "" for a nameless route
    route: str  # the full route string, e.g. "api/v1/submissions/<int:pk>/"
    pattern: URLPattern = field(compare=False, repr=False)

    @property
    def key(self) -> str:
        return self.route if self.name.endswith(":") or not self.name else self.name


def walk(patterns=None, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[Route]:
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = ":".join((*namespaces, pattern.name or "")) if pattern.name or namespaces else ""
            yield Route(name=name, route=prefix + str(pattern.pattern), pattern=pattern)


def cases_for(route: Route) -> list[Case] | None:
    if route.name in RULES:
        return RULES[route.name]
    if route.route in RULES:
        return RULES[route.route]
    for glob, rule in RULE_GROUPS.items():
        if fnmatch.fnmatchcase(route.name, glob):
            return rule(route)
    return None


ROUTES = list(walk())


def _params():
    for route in ROUTES:
        for number, case in enumerate(cases_for(route) or []):
            key = f"{route.key}-{case.method}-{case.label or number}"
            yield pytest.param(key, route, case, id=key)


PARAMS = list(_params())

# Known defects outside this change's reach, by case; strict, so a fix makes them fail until
# the entry is removed.
KNOWN_LEAKS: dict[str, str] = {}
LEAK_PARAMS = [
    pytest.param(*p.values, id=p.id, marks=pytest.mark.xfail(strict=True, reason=KNOWN_LEAKS[p.id]))
    if p.id in KNOWN_LEAKS
    else p
    for p in PARAMS
]


# --- Running a case ------------------------------------------------------------------------


def resolve_kwargs(case: Case, world: World) -> dict:
    kwargs = {}
    for name, path in case.kwargs.items():
        if path == "=edition-ct":
            kwargs[name] = ContentType.objects.get_for_model(Edition).pk
        elif path.startswith("="):  # a literal
            kwargs[name] = path[1:]
        else:
            kwargs[name] = world.value(path)
    return kwargs


def url_of(route: Route, case: Case, world: World) -> str:
    if case.path:
        return case.path
    kwargs = resolve_kwargs(case, world)
    if route.name and not route.name.endswith(":"):
        url = reverse(route.name, kwargs=kwargs)
    else:  # nameless: fill the route string by hand
        url = "/" + route.route
        for name, value in kwargs.items():
            for converter in ("", "int:", "slug:", "str:", "path:"):
                url = url.replace(f"<{converter}{name}>", str(value))
    return url + (f"?{case.query}" if case.query else "")


@dataclass(frozen=True)
class Answer:
    status_code: int
    location: str
    body: bytes


@pytest.fixture(scope="module")
def clients(world, django_db_blocker) -> dict[tuple[str, bool], Client]:
    """One client per role, for the site (a session) and for the API (a token header)."""
    clients = {}
    with django_db_blocker.unblock():
        for role in ROLES:
            user = world.user(role)
            site = Client()
            if user is not None:
                site.force_login(user)
            clients[role, False] = site
            headers = {"Authorization": f"Token {user.api_key}"} if user else {}
            clients[role, True] = Client(headers=headers)
    return clients


# Both tests ask the same questions: each is asked once per module world.
_answers: dict[tuple[int, str, str], Answer] = {}


def request_as(role: str, key: str, route: Route, case: Case, world: World, clients) -> Answer:
    """What ``role`` gets, in a savepoint that is rolled back afterwards."""
    memo = (id(world), key, role)
    if memo in _answers:
        return _answers[memo]
    url = url_of(route, case, world)
    client = clients[role, url.startswith("/api/")]
    savepoint = transaction.savepoint()
    try:
        send = getattr(client, case.method)
        response = send(url, case.data(world)) if case.data else send(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    finally:
        transaction.savepoint_rollback(savepoint)
    answer = Answer(response.status_code, response.headers.get("Location", ""), body)
    _answers[memo] = answer
    return answer


def matches(expected: Expected, response: Answer) -> bool:
    if expected == LOGIN:
        return response.status_code == 302 and response.location.startswith(
            reverse("account_login") + "?next="
        )
    if expected == ADMIN_LOGIN:
        return response.status_code == 302 and response.location.startswith(
            reverse("admin:login") + "?next="
        )
    if isinstance(expected, frozenset):
        return response.status_code in expected
    return response.status_code == expected


def describe(response: Answer) -> str:
    where = f" → {response.location}" if response.location else ""
    return f"{response.status_code}{where}"


# --- The tests -----------------------------------------------------------------------------


def test_every_mounted_route_has_a_rule():
    unruled = [f"{r.key!r} ({r.route})" for r in ROUTES if not cases_for(r)]
    assert not unruled, (
        "These routes have no rule in tests/security/test_authorization_matrix.py "
        "(RULES, or ADMIN_SAMPLES for a new model admin):\n  " + "\n  ".join(unruled)
    )


def test_every_rule_names_a_mounted_route():
    mounted = {r.name for r in ROUTES} | {r.route for r in ROUTES}
    stale = sorted(set(RULES) - mounted)
    assert not stale, f"Rules for routes that are no longer mounted: {stale}"


def test_the_walk_sees_every_namespace():
    # A guard on the generator itself: an include() it failed to descend into would hide
    # a whole app from the matrix.
    names = {r.name.split(":")[0] for r in ROUTES if ":" in r.name}
    assert {"agenda", "api", "submissions", "submissions-api", "admin"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "route", "case"), PARAMS)
def test_route_answers_each_role_as_its_rule_says(world, clients, key, route, case):
    wrong = []
    for role in ROLES:
        response = request_as(role, key, route, case, world, clients)
        if not matches(case.expect[role], response):
            wrong.append(f"{role}: expected {case.expect[role]}, got {describe(response)}")
    assert not wrong, f"{case.method.upper()} {url_of(route, case, world)}\n  " + "\n  ".join(wrong)


def _secrets_hidden_from(role: str, world: World, sent: str) -> dict[str, str]:
    """What ``role`` must never find in a response body: another group's hand-in and grade,
    an unreleased grade, and the draft edition for anyone who does not staff it; except what
    the request itself ``sent`` (a form shows its input again)."""
    a, b = world.sub_a, world.sub_b
    hidden = {}
    if role not in ("member", "ta", "instructor"):
        hidden |= {"Alpha's sha256": a.sha256, "Alpha's file name": a.original_name}
    if role not in ("other_student", "ta", "instructor"):
        hidden |= {"Beta's sha256": b.sha256, "Beta's file name": b.original_name}
    if role not in ("member", "ta", "instructor"):
        hidden["Alpha's grade feedback"] = world.grade_a.feedback
    if role not in ("ta", "instructor"):
        hidden["Beta's unreleased grade"] = world.grade_b.feedback
    if role != "instructor":
        hidden |= {"the draft's slug": world.draft.slug, "the draft's term": world.draft.term}
    return {what: secret for what, secret in hidden.items() if secret not in sent}


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "route", "case"), LEAK_PARAMS)
def test_no_response_shows_another_groups_submission(world, clients, key, route, case):
    leaks = []
    url = url_of(route, case, world)
    sent = url + (repr(case.data(world)) if case.data else "")
    for role in ROLES:
        response = request_as(role, key, route, case, world, clients)
        for what, secret in _secrets_hidden_from(role, world, sent).items():
            if secret.encode() in response.body:
                leaks.append(f"{role} sees {what} ({describe(response)})")
    assert not leaks, f"{case.method.upper()} {url_of(route, case, world)}\n  " + "\n  ".join(leaks)
