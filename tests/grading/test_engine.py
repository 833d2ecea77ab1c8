"""The grade engine on the INFO8010 2023 scheme and on hand-made edge cases."""

import itertools
import json
from dataclasses import replace
from decimal import Decimal as D

import pytest

from grading.engine import (
    Component,
    InvalidMarks,
    InvalidScheme,
    MarkInput,
    Scheme,
    compute,
    result_as_dict,
    round_to_step,
    simulate,
    validate_marks,
    validate_scheme,
    weights_used,
)

ORDER = ("oral_exam", "reading_report", "homework_1", "homework_2", "project")


def scheme_2023(**changes) -> Scheme:
    """INFO8010 Spring 2023: oral exam 50, reading report 10, homeworks 5 + 5 (optional, to
    the project), project 30; the reading report and the project gate exam admission."""
    components = (
        Component("oral_exam", "Oral exam", D(50), kind="exam"),
        Component("reading_report", "Reading report", D(10), mandatory_for_admission=True),
        Component("homework_1", "Homework 1", D(5), optional=True, transfer_to="project"),
        Component("homework_2", "Homework 2", D(5), optional=True, transfer_to="project"),
        Component("project", "Project", D(30), mandatory_for_admission=True),
    )
    return replace(Scheme(components=components), **changes)


def with_component(scheme: Scheme, which: str, **changes) -> Scheme:
    """``scheme`` with the component keyed ``which`` changed."""
    components = tuple(replace(c, **changes) if c.key == which else c for c in scheme.components)
    return replace(scheme, components=components)


def marks_2023(**overrides: MarkInput) -> dict[str, MarkInput]:
    """Everything handed in and graded; ``overrides`` replaces entries (``None`` drops one)."""
    marks = {
        "oral_exam": MarkInput.graded(D(14)),
        "reading_report": MarkInput.graded(D(15)),
        "homework_1": MarkInput.graded(D("17.5")),
        "homework_2": MarkInput.graded(D(12)),
        "project": MarkInput.graded(D(16)),
    }
    marks.update(overrides)
    return {k: v for k, v in marks.items() if v is not None}


def used(result) -> tuple[D, ...]:
    w = weights_used(result)
    return tuple(w[k] for k in ORDER)


# --- the 2023 scheme -------------------------------------------------------------------------


def test_2023_scheme_is_valid():
    assert validate_scheme(scheme_2023()) == []


def test_both_homeworks_handed_in_keep_their_nominal_weights():
    result = compute(scheme_2023(), marks_2023())
    assert used(result) == (50, 10, 5, 5, 30)
    assert result.notes == ()


def test_no_homework_handed_in_moves_both_weights_to_the_project():
    marks = marks_2023(homework_1=MarkInput.not_handed_in(), homework_2=MarkInput.not_handed_in())
    result = compute(scheme_2023(), marks)
    assert used(result) == (50, 10, 0, 0, 40)


@pytest.mark.parametrize(
    ("missing", "expected"),
    [("homework_2", (50, 10, 5, 0, 35)), ("homework_1", (50, 10, 0, 5, 35))],
)
def test_one_homework_handed_in_moves_only_the_other_ones_weight(missing, expected):
    result = compute(scheme_2023(), marks_2023(**{missing: MarkInput.not_handed_in()}))
    assert used(result) == expected


def test_every_subset_of_homeworks_keeps_weights_summing_to_100():
    for handed in itertools.product([True, False], repeat=2):
        overrides = {
            key: MarkInput.graded(D(10)) if h else MarkInput.not_handed_in()
            for key, h in zip(("homework_1", "homework_2"), handed, strict=True)
        }
        result = compute(scheme_2023(), marks_2023(**overrides))
        assert sum(used(result)) == 100, handed


def test_moved_weight_is_explained_on_both_sides():
    result = compute(scheme_2023(), marks_2023(homework_2=MarkInput.not_handed_in()))
    by_key = {r.key: r for r in result.components}
    moved = "Homework 2 not handed in: its 5% moved to Project."
    assert result.notes == (moved,)
    assert by_key["homework_2"].reasons == (moved,)
    assert by_key["project"].reasons == ("Receives 5% from Homework 2, not handed in.",)


def test_worked_example_from_the_docs():
    # 14/20 * 50% + 15/20 * 10% + 17.5/20 * 5% + 0 + 16/20 * 35%, on 20.
    result = compute(scheme_2023(), marks_2023(homework_2=MarkInput.not_handed_in()))
    contributions = {r.key: r.contribution for r in result.components}
    assert contributions == {
        "oral_exam": D(7),
        "reading_report": D("1.5"),
        "homework_1": D("0.875"),
        "homework_2": D(0),
        "project": D("5.6"),
    }
    assert result.unrounded == D("14.975")
    assert result.final == D("15.0")
    assert result.admitted is True


def test_a_low_homework_mark_lowers_the_final_compared_to_not_handing_it_in():
    # The syllabus rule, stated honestly: a homework handed in counts, whatever its mark.
    low = compute(scheme_2023(), marks_2023(homework_1=MarkInput.graded(D(0))))
    none = compute(scheme_2023(), marks_2023(homework_1=MarkInput.not_handed_in()))
    assert low.unrounded < none.unrounded


# --- admission -------------------------------------------------------------------------------


def test_reading_report_not_handed_in_refuses_admission_with_the_reason():
    result = compute(scheme_2023(), marks_2023(reading_report=MarkInput.not_handed_in()))
    assert result.admitted is False
    assert result.admission_reasons == (
        "Reading report not handed in: it is mandatory for exam admission.",
    )


def test_project_not_handed_in_refuses_admission_and_counts_as_zero():
    result = compute(scheme_2023(), marks_2023(project=MarkInput.not_handed_in()))
    project = result.components[ORDER.index("project")]
    assert result.admitted is False
    assert result.admission_reasons == (
        "Project not handed in: it is mandatory for exam admission.",
    )
    assert project.contribution == 0
    assert "Project not handed in: it counts as 0." in result.notes


def test_not_admitted_student_still_gets_a_computed_final():
    result = compute(scheme_2023(), marks_2023(reading_report=MarkInput.not_handed_in()))
    # 7 + 0 + 0.875 + 0.6 + 4.8
    assert result.unrounded == D("13.275")
    assert result.final == D("13.5")


def test_admission_needs_the_hand_in_not_the_mark():
    marks = marks_2023(reading_report=MarkInput.not_graded_yet(), project=MarkInput.graded(D(0)))
    result = compute(scheme_2023(), marks)
    assert result.admitted is True
    assert result.admission_reasons == ()


def test_mandatory_component_not_recorded_yet_is_not_admitted_yet():
    result = compute(scheme_2023(), marks_2023(project=None))
    assert result.admitted is False
    assert result.admission_reasons == (
        "Project not handed in yet: it is mandatory for exam admission.",
    )


def test_optional_component_never_gates_admission():
    result = compute(
        scheme_2023(),
        marks_2023(homework_1=MarkInput.not_handed_in(), homework_2=MarkInput.not_handed_in()),
    )
    assert result.admitted is True


# --- missing marks ---------------------------------------------------------------------------


def test_exam_not_graded_yet_leaves_no_final_and_says_why():
    result = compute(scheme_2023(), marks_2023(oral_exam=MarkInput.not_graded_yet()))
    assert result.final is None
    assert result.unrounded is None
    assert "Oral exam not graded yet." in result.notes
    oral = result.components[0]
    assert oral.contribution is None
    assert oral.pending is True
    assert oral.weight_used == 50


def test_provisional_is_the_average_over_the_known_weight():
    # Known: 1.5 + 0.875 + 0.6 + 4.8 = 7.775 points on 50% of the weight → 15.55/20.
    result = compute(scheme_2023(), marks_2023(oral_exam=MarkInput.not_graded_yet()))
    assert result.provisional == D("15.5")


def test_provisional_equals_final_when_complete():
    result = compute(scheme_2023(), marks_2023())
    assert result.final is not None
    assert result.provisional == result.final


def test_provisional_is_none_when_no_weight_is_known():
    assert compute(scheme_2023(), {}).provisional is None


def test_component_not_recorded_keeps_its_weight_and_is_pending():
    result = compute(scheme_2023(), marks_2023(homework_1=None))
    hw1 = result.components[ORDER.index("homework_1")]
    assert hw1.handed_in is None
    assert hw1.weight_used == 5
    assert hw1.contribution is None
    assert result.final is None
    assert "Homework 1: nothing recorded yet." in result.notes


# --- arithmetic and rounding -----------------------------------------------------------------


def test_contribution_uses_the_components_own_maximum():
    scheme = with_component(scheme_2023(), "reading_report", max_mark=D(10))
    result = compute(scheme, marks_2023(reading_report=MarkInput.graded(D(5))))
    # 5/10 of 10% of 20
    assert result.components[1].contribution == D(1)


def test_contribution_with_a_non_terminating_ratio_is_carried_to_12_places():
    scheme = with_component(scheme_2023(), "reading_report", max_mark=D(3))
    result = compute(scheme, marks_2023(reading_report=MarkInput.graded(D(1))))
    # 1/3 of 10% of 20 = 0.6666…
    assert result.components[1].contribution == D("0.666666666667")
    assert result.unrounded == sum(r.contribution for r in result.components)


def test_all_full_marks_give_exactly_the_scale():
    full = {k: MarkInput.graded(D(20)) for k in ORDER}
    result = compute(scheme_2023(), full)
    assert result.unrounded == 20
    assert result.final == 20


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        ("13.25", "0.5", "13.5"),  # tie goes up
        ("13.2499", "0.5", "13.0"),
        ("13.75", "0.5", "14.0"),
        ("13.74", "0.5", "13.5"),
        ("13.05", "0.1", "13.1"),
        ("13.049", "0.1", "13.0"),
        ("13.5", "1", "14"),
        ("13.49", "1", "13"),
        ("13.005", "0.01", "13.01"),
        ("13.0049", "0.01", "13.00"),
        ("0", "0.5", "0.0"),
        ("20", "0.5", "20.0"),
    ],
)
def test_round_to_step_rounds_to_nearest_with_ties_up(value, step, expected):
    rounded = round_to_step(D(value), D(step))
    assert rounded == D(expected)
    assert str(rounded) == expected  # the step's exponent, as shown to students


@pytest.mark.parametrize("step", ["0", "-0.5", "NaN"])
def test_round_to_step_refuses_a_non_positive_step(step):
    with pytest.raises(ValueError, match="rounding step"):
        round_to_step(D(13), D(step))


@pytest.mark.parametrize(("step", "final"), [("0.5", "13.5"), ("1", "13"), ("0.1", "13.3")])
def test_final_uses_the_schemes_rounding_step(step, final):
    # Unrounded 13.275 (see the not-admitted example).
    scheme = scheme_2023(rounding_step=D(step))
    result = compute(scheme, marks_2023(reading_report=MarkInput.not_handed_in()))
    assert result.final == D(final)


def test_final_exact_tie_rounds_up():
    # 7.05 + 0 + 1 + 1 + 4.2 = 13.25 exactly, halfway between 13.0 and 13.5.
    marks = marks_2023(
        oral_exam=MarkInput.graded(D("14.1")),
        reading_report=MarkInput.graded(D(0)),
        homework_1=MarkInput.graded(D(20)),
        homework_2=MarkInput.graded(D(20)),
        project=MarkInput.graded(D(14)),
    )
    result = compute(scheme_2023(), marks)
    assert result.unrounded == D("13.25")
    assert result.final == D("13.5")


# --- chains of transfers ---------------------------------------------------------------------


def chain_scheme() -> Scheme:
    """Bonus → Quiz → Project: an optional component giving to another optional one."""
    return Scheme(
        components=(
            Component("exam", "Exam", D(60), kind="exam"),
            Component("bonus", "Bonus", D(5), optional=True, transfer_to="quiz"),
            Component("quiz", "Quiz", D(10), optional=True, transfer_to="project"),
            Component("project", "Project", D(25)),
        )
    )


def chain_marks(bonus: bool, quiz: bool) -> dict[str, MarkInput]:
    def state(handed: bool) -> MarkInput:
        return MarkInput.graded(D(10)) if handed else MarkInput.not_handed_in()

    return {
        "exam": MarkInput.graded(D(10)),
        "bonus": state(bonus),
        "quiz": state(quiz),
        "project": MarkInput.graded(D(10)),
    }


@pytest.mark.parametrize(
    ("bonus", "quiz", "expected"),
    [
        (True, True, {"exam": 60, "bonus": 5, "quiz": 10, "project": 25}),
        (False, True, {"exam": 60, "bonus": 0, "quiz": 15, "project": 25}),
        (True, False, {"exam": 60, "bonus": 5, "quiz": 0, "project": 35}),
        (False, False, {"exam": 60, "bonus": 0, "quiz": 0, "project": 40}),
    ],
)
def test_transfer_chains_resolve_to_the_first_component_handed_in(bonus, quiz, expected):
    result = compute(chain_scheme(), chain_marks(bonus, quiz))
    assert weights_used(result) == expected


def test_chain_reason_says_how_much_was_carried_on():
    result = compute(chain_scheme(), chain_marks(False, False))
    assert result.notes == (
        "Bonus not handed in: its 5% moved to Quiz.",
        "Quiz not handed in: its 15% (including 5% received) moved to Project.",
    )
    assert result.components[3].reasons == ("Receives 15% from Quiz, not handed in.",)


# --- validation ------------------------------------------------------------------------------


def test_weights_must_sum_to_100():
    scheme = with_component(scheme_2023(), "project", weight=D(25))
    assert validate_scheme(scheme) == ["The weights add up to 95%, not 100%."]


def test_transfer_target_must_exist():
    scheme = with_component(scheme_2023(), "homework_1", transfer_to="projet")
    assert validate_scheme(scheme) == [
        "Homework 1 transfers its weight to 'projet', which is not a component of the scheme."
    ]


def test_component_cannot_transfer_to_itself():
    scheme = with_component(scheme_2023(), "homework_1", transfer_to="homework_1")
    assert validate_scheme(scheme) == ["Homework 1 transfers its weight to itself."]


def test_transfer_cycle_is_reported_once_with_its_path():
    scheme = with_component(scheme_2023(), "homework_1", transfer_to="homework_2")
    scheme = with_component(scheme, "homework_2", transfer_to="homework_1")
    assert validate_scheme(scheme) == [
        "The weight transfers form a cycle: Homework 1 → Homework 2 → Homework 1."
    ]


def test_chain_between_optional_components_is_valid():
    assert validate_scheme(chain_scheme()) == []


def test_negative_weight_is_reported():
    scheme = with_component(scheme_2023(), "homework_1", weight=D(-5))
    scheme = with_component(scheme, "project", weight=D(40))
    assert validate_scheme(scheme) == ["Homework 1 has a negative weight (-5%)."]


def test_zero_weight_component_is_allowed_and_contributes_nothing():
    scheme = with_component(scheme_2023(), "homework_1", weight=D(0))
    scheme = with_component(scheme, "project", weight=D(35))
    assert validate_scheme(scheme) == []
    result = compute(scheme, marks_2023())
    assert result.components[ORDER.index("homework_1")].contribution == 0


@pytest.mark.parametrize("scale", [D(0), D(-20)])
def test_scale_must_be_positive(scale):
    problems = validate_scheme(scheme_2023(scale=scale))
    assert problems == [f"The scale must be greater than 0 (got {scale})."]


@pytest.mark.parametrize("step", [D(0), D("-0.5")])
def test_rounding_step_must_be_positive(step):
    problems = validate_scheme(scheme_2023(rounding_step=step))
    assert problems == [f"The rounding step must be greater than 0 (got {step})."]


def test_scale_must_be_a_multiple_of_the_rounding_step():
    problems = validate_scheme(scheme_2023(rounding_step=D("0.3")))
    assert problems == [
        "The scale (20) is not a multiple of the rounding step (0.3): "
        "a rounded final could exceed the scale."
    ]


@pytest.mark.parametrize("step", ["0.01", "0.1", "0.5", "1", "0.25", "2"])
def test_usual_rounding_steps_are_valid(step):
    assert validate_scheme(scheme_2023(rounding_step=D(step))) == []


def test_keys_and_names_must_be_unique():
    scheme = with_component(scheme_2023(), "homework_2", key="homework_1", name="Homework 1")
    problems = validate_scheme(scheme)
    assert "Two components share the key 'homework_1'." in problems
    assert "Two components share the name 'Homework 1'." in problems


def test_optional_component_must_name_a_receiver():
    scheme = with_component(scheme_2023(), "homework_1", transfer_to=None)
    assert validate_scheme(scheme) == [
        "Homework 1 is optional but names no component to receive its weight "
        "when it is not handed in."
    ]


def test_required_component_cannot_transfer():
    scheme = with_component(scheme_2023(), "reading_report", transfer_to="project")
    assert validate_scheme(scheme) == [
        "Reading report names a component to receive its weight ('project') but is not "
        "optional; only an optional component's weight can move."
    ]


def test_maximum_mark_must_be_positive():
    scheme = with_component(scheme_2023(), "project", max_mark=D(0))
    assert validate_scheme(scheme) == ["Project has a maximum mark of 0; it must be above 0."]


def test_unknown_kind_is_reported():
    scheme = with_component(scheme_2023(), "oral_exam", kind="quiz")
    assert validate_scheme(scheme) == [
        "Oral exam has the unknown kind 'quiz' (expected 'assignment' or 'exam')."
    ]


def test_weights_with_too_many_decimals_are_reported():
    scheme = with_component(scheme_2023(), "homework_1", weight=D("4.99999"))
    scheme = with_component(scheme, "project", weight=D("30.00001"))
    problems = validate_scheme(scheme)
    assert "Homework 1 has a weight with more than 4 decimal places (4.99999)." in problems


def test_empty_scheme_is_reported():
    assert validate_scheme(Scheme(components=())) == ["The scheme has no components."]


def test_several_problems_are_all_listed():
    scheme = with_component(scheme_2023(), "homework_1", transfer_to="nowhere")
    scheme = with_component(scheme, "project", weight=D(20))
    assert len(validate_scheme(scheme)) == 2


def test_compute_refuses_an_invalid_scheme_with_its_problems():
    scheme = with_component(scheme_2023(), "project", weight=D(25))
    with pytest.raises(InvalidScheme) as raised:
        compute(scheme, marks_2023())
    assert raised.value.problems == ["The weights add up to 95%, not 100%."]


# --- marks input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (
            {"project": MarkInput.graded(D("20.5"))},
            "Project: the mark 20.5 is above the maximum 20.",
        ),
        ({"project": MarkInput.graded(D(-1))}, "Project: the mark -1 is negative."),
        (
            {"project": MarkInput(handed_in=False, mark=D(12))},
            "Project has a mark but is recorded as not handed in.",
        ),
        (
            {"homework_3": MarkInput.graded(D(12))},
            "There is no component 'homework_3' in the scheme.",
        ),
    ],
)
def test_marks_that_do_not_fit_the_scheme_are_refused(overrides, problem):
    marks = marks_2023(**overrides)
    assert validate_marks(scheme_2023(), marks) == [problem]
    with pytest.raises(InvalidMarks) as raised:
        compute(scheme_2023(), marks)
    assert raised.value.problems == [problem]


def test_mark_equal_to_the_maximum_is_accepted():
    assert validate_marks(scheme_2023(), marks_2023(project=MarkInput.graded(D(20)))) == []


def test_floats_are_refused():
    with pytest.raises(TypeError, match="float"):
        MarkInput.graded(14.5)
    with pytest.raises(TypeError, match="float"):
        Component("x", "X", 50.0)
    with pytest.raises(TypeError, match="float"):
        Scheme(components=(), rounding_step=0.5)


def test_ints_and_strings_become_decimals():
    component = Component("x", "X", 100, max_mark="10")
    assert component.weight == D(100)
    assert isinstance(component.max_mark, D)
    assert MarkInput.graded("12.5").mark == D("12.5")


# --- what-if and output ----------------------------------------------------------------------


def test_simulate_replaces_recorded_marks_with_hypothetical_ones():
    recorded = marks_2023(oral_exam=MarkInput.not_graded_yet())
    result = simulate(scheme_2023(), recorded, {"oral_exam": MarkInput.graded(D(20))})
    # 10 + 1.5 + 0.875 + 0.6 + 4.8
    assert result.unrounded == D("17.775")
    assert result.final == D("18.0")
    assert recorded["oral_exam"] == MarkInput.not_graded_yet()  # the input is left alone


def test_result_as_dict_is_json_ready_with_the_api_shape():
    result = compute(
        scheme_2023(),
        marks_2023(homework_2=MarkInput.not_handed_in(), reading_report=MarkInput.not_handed_in()),
    )
    data = json.loads(json.dumps(result_as_dict(result)))
    assert data["final"] == "13.5"
    assert data["unrounded"] == "13.475"
    assert data["admitted"] is False
    assert data["reasons"] == [
        "Reading report not handed in: it counts as 0.",
        "Homework 2 not handed in: its 5% moved to Project.",
        "Reading report not handed in: it is mandatory for exam admission.",
    ]
    assert data["components"][3] == {
        "key": "homework_2",
        "name": "Homework 2",
        "kind": "assignment",
        "weight": "5",
        "weight_used": "0",
        "mark": None,
        "max": "20",
        "handed_in": False,
        "contribution": "0",
        "reasons": ["Homework 2 not handed in: its 5% moved to Project."],
    }
    assert [c["weight_used"] for c in data["components"]] == ["50", "10", "5", "0", "35"]


def test_result_as_dict_shows_pending_values_as_null():
    data = result_as_dict(compute(scheme_2023(), marks_2023(project=MarkInput.not_graded_yet())))
    assert data["final"] is None
    assert data["components"][4]["mark"] is None
    assert data["components"][4]["contribution"] is None
    assert data["components"][4]["handed_in"] is True
