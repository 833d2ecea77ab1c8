"""Rules of the authorization matrix (``test_authorization_matrix.py``) for the grading
workspace's routes: its admin views, the page images of hand-ins and regrade requests. Kept
apart so that the matrix module stays under 600 lines; the matrix passes its ``Case`` and
``by_role`` in."""

from __future__ import annotations


def workspace_rules(Case, by_role, *, login, admin_login) -> dict:
    LOGIN, ADMIN_LOGIN = login, admin_login

    def staff_only(kwargs: dict, *, get: int = 200, post: int | None = None) -> list:
        """A workspace route: the edition's staff get ``get`` (and ``post`` for an empty
        POST), staff of other editions 404 unless the method is refused first (405)."""
        elsewhere = 405 if get == 405 else 404
        cases = [Case(by_role(ADMIN_LOGIN, ta_elsewhere=elsewhere, ta=get, instructor=get), kwargs)]
        if post is not None:
            staff = {"ta_elsewhere": 404, "ta": post, "instructor": post}
            cases.append(
                Case(by_role(ADMIN_LOGIN, **staff), kwargs, method="post", data=lambda w: {})
            )
        return cases

    return {
        # Regrade requests: a member of the group whose grade is released, nobody else.
        "grading-api:regrade-request-create": [
            Case(by_role(405, anonymous=401), {"grade_id": "grade_a.pk"}),
            Case(
                # The endpoint takes JSON only (one body type for generated clients): the
                # matrix posts a form, so the member's answer is 415 here; the 201 with JSON
                # is in tests/grading/test_regrades.py. Everyone else: 404 before the body.
                by_role(404, anonymous=401, member=415),
                {"grade_id": "grade_a.pk"},
                method="post",
                data=lambda w: {"message": "Please look at question 2 again."},
            ),
            Case(
                by_role(404, anonymous=401),
                {"grade_id": "grade_b.pk"},
                method="post",
                data=lambda w: {"message": "A draft is not open to requests."},
                label="draft",
            ),
        ],
        "grading:regrade-request": [
            Case(by_role(405, anonymous=LOGIN), {"slug": "pub.slug", "grade_id": "grade_a.pk"}),
            Case(
                by_role(404, anonymous=LOGIN, member=302),
                {"slug": "pub.slug", "grade_id": "grade_a.pk"},
                method="post",
                data=lambda w: {"message": "Please look at question 2 again."},
            ),
        ],
        # Page images of hand-ins: the edition's staff; everyone else the 404 of a missing page.
        "submissions:page-image": [
            Case(by_role(404, ta=200, instructor=200), {"pk": "sub_a.pk", "number": "=1"}),
        ],
        # The grading workspace (admin views): the edition's staff; other staff 404.
        "grading-admin:queue": staff_only({"assignment_id": "homework.pk"}),
        "grading-admin:split": staff_only({"assignment_id": "homework.pk"}, get=405, post=302),
        # The autograder's results on a hand-in: its group and the edition's staff (API).
        "autograder-api:submission-autograde": [
            Case(
                by_role(404, anonymous=401, member=200, ta=200, instructor=200),
                {"pk": "sub_a.pk"},
            )
        ],
        "grading-admin:workspace": staff_only({"submission_id": "sub_a.pk"}),
        "grading-admin:release": staff_only({"assignment_id": "homework.pk"}, post=302),
    }
