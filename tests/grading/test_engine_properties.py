"""Properties of the grade engine, on random valid schemes (with transfer chains) and marks."""

from decimal import Decimal as D

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from grading.engine import (
    Component,
    MarkInput,
    Scheme,
    compute,
    round_to_step,
    validate_scheme,
    weights_used,
)

PROPERTIES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

STEPS = [D("0.01"), D("0.1"), D("0.25"), D("0.5"), D(1)]
SCALES = [D(10), D(20), D(100)]
MAX_MARKS = [D(3), D(10), D(20), D(100)]


@st.composite
def weights_summing_to_100(draw, n: int) -> list[D]:
    """``n`` non-negative weights with two decimals that add up to exactly 100."""
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, 10_000]
    return [D(b - a).scaleb(-2) for a, b in zip(bounds, bounds[1:], strict=False)]


@st.composite
def schemes(draw) -> Scheme:
    """A valid scheme. Optional components transfer to a component further down a hidden
    order (so chains, never cycles), and the components are then shuffled."""
    n = draw(st.integers(1, 7))
    weights = draw(weights_summing_to_100(n))
    keys = [f"c{i}" for i in range(n)]
    components = []
    for i, key in enumerate(keys):
        optional = i < n - 1 and draw(st.booleans())
        components.append(
            Component(
                key=key,
                name=f"Component {i}",
                weight=weights[i],
                kind=draw(st.sampled_from(["assignment", "exam"])),
                optional=optional,
                transfer_to=draw(st.sampled_from(keys[i + 1 :])) if optional else None,
                mandatory_for_admission=draw(st.booleans()),
                max_mark=draw(st.sampled_from(MAX_MARKS)),
            )
        )
    scheme = Scheme(
        components=tuple(draw(st.permutations(components))),
        scale=draw(st.sampled_from(SCALES)),
        rounding_step=draw(st.sampled_from(STEPS)),
    )
    assert validate_scheme(scheme) == [], validate_scheme(scheme)
    return scheme


def mark_values(component: Component):
    """Marks with two decimals spread over the whole range (``st.decimals`` crowds near 0)."""
    hundredths = int(component.max_mark * 100)
    landmarks = st.sampled_from([D(0), component.max_mark / 2, component.max_mark])
    return landmarks | st.integers(0, hundredths).map(lambda i: D(i).scaleb(-2))


@st.composite
def complete_marks(draw, scheme: Scheme) -> dict[str, MarkInput]:
    """Every component either graded or definitively not handed in."""
    marks = {}
    for c in scheme.components:
        if draw(st.booleans()):
            marks[c.key] = MarkInput.graded(draw(mark_values(c)))
        else:
            marks[c.key] = MarkInput.not_handed_in()
    return marks


@st.composite
def any_marks(draw, scheme: Scheme) -> dict[str, MarkInput]:
    """Any state per component, including not graded yet and nothing recorded."""
    marks = {}
    for c in scheme.components:
        state = draw(st.sampled_from(["graded", "not_handed_in", "not_graded_yet", "missing"]))
        if state == "graded":
            marks[c.key] = MarkInput.graded(draw(mark_values(c)))
        elif state == "not_handed_in":
            marks[c.key] = MarkInput.not_handed_in()
        elif state == "not_graded_yet":
            marks[c.key] = MarkInput.not_graded_yet()
    return marks


@st.composite
def scheme_and_marks(draw, marks_strategy=complete_marks):
    scheme = draw(schemes())
    return scheme, draw(marks_strategy(scheme))


def resting_place(scheme: Scheme, key: str, marks: dict[str, MarkInput]) -> str:
    """Reference model: follow the transfers while the component is optional and not handed in."""
    by_key = {c.key: c for c in scheme.components}
    while by_key[key].optional and key in marks and not marks[key].handed_in:
        key = by_key[key].transfer_to
    return key


@PROPERTIES
@given(scheme_and_marks(any_marks))
def test_weights_used_always_sum_to_100(case):
    scheme, marks = case
    assert sum(weights_used(compute(scheme, marks)).values()) == 100


@PROPERTIES
@given(st.data())
def test_weights_sum_to_100_for_every_subset_of_optional_work_handed_in(data):
    scheme = data.draw(schemes())
    optional = [c.key for c in scheme.components if c.optional]
    handed = data.draw(st.sets(st.sampled_from(optional)) if optional else st.just(set()))
    marks = {
        c.key: MarkInput.graded(D(0))
        if (not c.optional or c.key in handed)
        else MarkInput.not_handed_in()
        for c in scheme.components
    }
    result = compute(scheme, marks)
    assert sum(weights_used(result).values()) == 100
    for key in optional:
        if key not in handed:
            assert weights_used(result)[key] == 0


@PROPERTIES
@given(scheme_and_marks(any_marks))
def test_each_weight_ends_at_the_first_component_of_its_chain_that_keeps_it(case):
    scheme, marks = case
    expected = {c.key: D(0) for c in scheme.components}
    for c in scheme.components:
        expected[resting_place(scheme, c.key, marks)] += c.weight
    assert weights_used(compute(scheme, marks)) == expected


@PROPERTIES
@given(st.data())
def test_raising_a_mark_never_lowers_the_final(data):
    scheme, marks = data.draw(scheme_and_marks())
    graded = [k for k, m in marks.items() if m.mark is not None]
    assume(graded)
    key = data.draw(st.sampled_from(graded))
    old = marks[key].mark
    new = data.draw(st.decimals(min_value=old, max_value=scheme.component(key).max_mark, places=2))
    before = compute(scheme, marks)
    after = compute(scheme, {**marks, key: MarkInput.graded(new)})
    assert after.unrounded >= before.unrounded
    assert after.final >= before.final


@PROPERTIES
@given(scheme_and_marks(any_marks))
def test_result_stays_within_zero_and_the_scale(case):
    scheme, marks = case
    result = compute(scheme, marks)
    for value in (result.final, result.unrounded, result.provisional):
        if value is not None:
            assert 0 <= value <= scheme.scale
    for component in result.components:
        if component.contribution is not None:
            assert 0 <= component.contribution <= scheme.scale


@PROPERTIES
@given(st.data())
def test_full_marks_on_all_work_handed_in_give_exactly_the_scale(data):
    scheme = data.draw(schemes())
    marks = {
        c.key: MarkInput.not_handed_in()
        if c.optional and data.draw(st.booleans())
        else MarkInput.graded(c.max_mark)
        for c in scheme.components
    }
    result = compute(scheme, marks)
    assert result.unrounded == scheme.scale
    assert result.final == scheme.scale


@PROPERTIES
@given(scheme_and_marks())
def test_final_is_the_unrounded_rounded_exactly_as_configured(case):
    scheme, marks = case
    result = compute(scheme, marks)
    step = scheme.rounding_step
    assert result.final % step == 0
    assert abs(result.final - result.unrounded) <= step / 2
    assert result.final == round_to_step(result.unrounded, step)


@PROPERTIES
@given(
    value=st.decimals(min_value=0, max_value=100, places=6),
    step=st.sampled_from(STEPS),
)
def test_round_to_step_gives_the_nearest_multiple_with_ties_up(value, step):
    rounded = round_to_step(value, step)
    assert rounded % step == 0
    distance = abs(rounded - value)
    assert distance <= step / 2
    if distance == step / 2:
        assert rounded > value  # a tie goes up


@PROPERTIES
@given(scheme_and_marks())
def test_contributions_sum_to_the_unrounded_final(case):
    scheme, marks = case
    result = compute(scheme, marks)
    assert sum(c.contribution for c in result.components) == result.unrounded


@PROPERTIES
@given(scheme_and_marks())
def test_complete_marks_give_a_final_equal_to_the_provisional(case):
    scheme, marks = case
    result = compute(scheme, marks)
    assert result.final is not None
    assert result.provisional == result.final


@PROPERTIES
@given(scheme_and_marks(any_marks))
def test_final_is_missing_exactly_when_a_mark_is_pending(case):
    scheme, marks = case
    result = compute(scheme, marks)
    pending = any(m.handed_in and m.mark is None for m in marks.values()) or len(marks) < len(
        scheme.components
    )
    assert (result.final is None) == pending


@PROPERTIES
@given(scheme_and_marks(any_marks))
def test_admitted_exactly_when_every_mandatory_component_is_handed_in(case):
    scheme, marks = case
    result = compute(scheme, marks)
    mandatory = [c for c in scheme.components if c.mandatory_for_admission]
    expected = all(c.key in marks and marks[c.key].handed_in for c in mandatory)
    assert result.admitted is expected
    assert len(result.admission_reasons) == sum(
        1 for c in mandatory if not (c.key in marks and marks[c.key].handed_in)
    )
