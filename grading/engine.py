"""The grade engine: a student's final grade and its breakdown. Pure: no ORM, no settings.

A grading scheme is data (``Scheme`` of ``Component``); a student's marks are data
(``MarkInput`` per component key); ``compute`` turns both into a ``FinalResult``. The web page,
the API, the CSV export, the Celery recomputation and the what-if simulator all call it.
``docs/grading.md`` states the rules in words, with the INFO8010 2023 example.

Every number is a ``Decimal``; floats are refused, because 0.1 has no exact binary value.

The rules, in short:

- An optional component that is *not handed in* gives its weight to its ``transfer_to``
  component; if that one is optional and not handed in too, the weight moves on down the chain.
  The weights used therefore always add up to 100.
- A required component that is not handed in counts as 0.
- A component with no entry in ``marks`` is *not recorded yet*: it keeps its weight (nothing
  moves until we know it was not handed in) and its mark is pending.
- ``final`` is ``None`` while any mark is pending; ``provisional`` is the average over the
  weight whose outcome is known, so a student sees where they stand.
- The final is rounded to the nearest multiple of the scheme's step, ties going up.
- Exam admission needs every ``mandatory_for_admission`` component handed in (the mark does
  not matter). A student not admitted still gets a computed final, flagged ``admitted=False``;
  what to publish for them is the caller's policy.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

Kind = Literal["assignment", "exam"]
KINDS: tuple[str, ...] = ("assignment", "exam")

HUNDRED = Decimal(100)

# Contributions are exact whenever they have at most 12 decimal places, which is always the
# case for marks out of 20 with a few decimals. Otherwise (a maximum of 3, say) they are
# rounded to 12 places before being added, so the breakdown always adds up to the unrounded
# final exactly.
CONTRIBUTION_QUANTUM = Decimal("1e-12")

# Weights and the scale carry at most this many decimal places. With that bound a full mark's
# contribution (weight_used * scale / 100) is exact, so the total never exceeds the scale.
MAX_PLACES = 4

# Precision of intermediate arithmetic: far more than any realistic value needs, so the only
# rounding that happens is the one stated above.
_CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_EVEN)


class InvalidScheme(ValueError):
    """The scheme breaks a rule; ``problems`` lists every broken rule in words."""

    def __init__(self, problems: list[str]):
        super().__init__("Invalid grading scheme: " + " ".join(problems))
        self.problems = problems


class InvalidMarks(ValueError):
    """The marks do not fit the scheme; ``problems`` lists each problem in words."""

    def __init__(self, problems: list[str]):
        super().__init__("Invalid marks: " + " ".join(problems))
        self.problems = problems


def _to_decimal(value: Any, what: str) -> Any:
    """Accept ``Decimal``, ``int`` and numeric ``str``; refuse ``float`` (it is inexact)."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a Decimal, not bool")
    if isinstance(value, float):
        raise TypeError(f"{what} must be a Decimal, not float ({value!r} is inexact)")
    if isinstance(value, int | str):
        try:
            return Decimal(value)
        except decimal.InvalidOperation:
            raise TypeError(f"{what} must be a number, not {value!r}") from None
    return value


@dataclass(frozen=True)
class Component:
    """One graded piece of work: a homework, the project, the exam, …

    ``weight`` is a percentage of the final grade. An ``optional`` component must name, in
    ``transfer_to``, the key of the component that receives its weight when it is not handed
    in. ``max_mark`` is what the component itself is marked out of.
    """

    key: str
    name: str
    weight: Decimal
    kind: Kind = "assignment"
    optional: bool = False
    transfer_to: str | None = None
    mandatory_for_admission: bool = False
    max_mark: Decimal = Decimal(20)

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", _to_decimal(self.weight, f"{self.name}: weight"))
        object.__setattr__(self, "max_mark", _to_decimal(self.max_mark, f"{self.name}: max"))


@dataclass(frozen=True)
class Scheme:
    """A grading scheme: components, the scale of the final grade, and its rounding step."""

    components: tuple[Component, ...]
    scale: Decimal = Decimal(20)
    rounding_step: Decimal = Decimal("0.5")

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", tuple(self.components))
        object.__setattr__(self, "scale", _to_decimal(self.scale, "scale"))
        object.__setattr__(self, "rounding_step", _to_decimal(self.rounding_step, "rounding step"))

    def component(self, key: str) -> Component:
        for component in self.components:
            if component.key == key:
                return component
        raise KeyError(key)


@dataclass(frozen=True)
class MarkInput:
    """What is known of one component for one student.

    ``handed_in=False``: definitively not handed in (or, for an exam, not sat); ``mark`` must
    be ``None``. ``handed_in=True, mark=None``: handed in, not graded (or not released) yet.
    ``mark`` is on the component's own ``max_mark``.
    """

    handed_in: bool
    mark: Decimal | None = None

    def __post_init__(self) -> None:
        if self.mark is not None:
            object.__setattr__(self, "mark", _to_decimal(self.mark, "mark"))

    @classmethod
    def graded(cls, mark: Decimal | int | str) -> MarkInput:
        return cls(handed_in=True, mark=mark)  # type: ignore[arg-type]

    @classmethod
    def not_graded_yet(cls) -> MarkInput:
        return cls(handed_in=True, mark=None)

    @classmethod
    def not_handed_in(cls) -> MarkInput:
        return cls(handed_in=False, mark=None)


@dataclass(frozen=True)
class ComponentResult:
    """One line of the breakdown.

    ``handed_in`` is ``None`` when nothing is recorded yet for the component. ``contribution``
    is the component's share of the final on the scheme's scale
    (``mark / max * weight_used / 100 * scale``): 0 when not handed in, ``None`` while the
    mark is pending.
    """

    key: str
    name: str
    kind: Kind
    weight: Decimal
    weight_used: Decimal
    mark: Decimal | None
    max_mark: Decimal
    handed_in: bool | None
    contribution: Decimal | None
    reasons: tuple[str, ...] = ()

    @property
    def pending(self) -> bool:
        return self.contribution is None


@dataclass(frozen=True)
class FinalResult:
    """A student's final grade with everything needed to explain it.

    ``final`` and ``unrounded`` are ``None`` while a mark is pending (``notes`` says which);
    ``provisional`` is then the rounded average over the weight already known, and equals
    ``final`` once nothing is pending. ``notes`` explains every moved weight and every
    missing mark; ``admission_reasons`` explains a refused admission.
    """

    components: tuple[ComponentResult, ...]
    scale: Decimal
    rounding_step: Decimal
    final: Decimal | None
    unrounded: Decimal | None
    provisional: Decimal | None
    admitted: bool
    admission_reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every explanation, weight moves first, then admission, then pending marks."""
        return self.notes + self.admission_reasons


# ---------------------------------------------------------------------------------------------
# Numbers


def round_to_step(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded to the nearest multiple of ``step``; ties go up (toward +∞).

    13.25 with step 0.5 gives 13.5; 13.24 gives 13.0. The result carries ``step``'s exponent
    (step 0.5 → ``13.0``, step 1 → ``13``, step 0.01 → ``13.25``).
    """
    if not step.is_finite() or step <= 0:
        raise ValueError(f"the rounding step must be a positive number, not {step}")
    if not value.is_finite():
        raise ValueError(f"cannot round {value}")
    with decimal.localcontext(_CONTEXT):
        steps = (value / step + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)
        return steps * step


def _tidy(value: Decimal) -> Decimal:
    """The same number without trailing zeros and never in exponent notation."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _pct(value: Decimal) -> str:
    return f"{_tidy(value):f}%"


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# ---------------------------------------------------------------------------------------------
# Validation


def validate_scheme(scheme: Scheme) -> list[str]:
    """Every rule the scheme breaks, in words; an empty list means the scheme is valid."""
    problems: list[str] = []
    components = scheme.components

    for what, value in (("scale", scheme.scale), ("rounding step", scheme.rounding_step)):
        if not isinstance(value, Decimal) or not value.is_finite():
            problems.append(f"The {what} must be a number (got {value!r}).")
        elif value <= 0:
            problems.append(f"The {what} must be greater than 0 (got {value}).")
    if not problems:
        if _places(scheme.scale) > MAX_PLACES:
            problems.append(
                f"The scale ({scheme.scale}) has more than {MAX_PLACES} decimal places."
            )
        with decimal.localcontext(_CONTEXT):
            if scheme.scale % scheme.rounding_step != 0:
                problems.append(
                    f"The scale ({scheme.scale}) is not a multiple of the rounding step "
                    f"({scheme.rounding_step}): a rounded final could exceed the scale."
                )

    if not components:
        problems.append("The scheme has no components.")
        return problems

    seen_keys: set[str] = set()
    seen_names: set[str] = set()
    for c in components:
        label = c.name or repr(c.key)
        if not c.key:
            problems.append(f"{label} has an empty key.")
        elif c.key in seen_keys:
            problems.append(f"Two components share the key {c.key!r}.")
        seen_keys.add(c.key)
        if not c.name:
            problems.append(f"The component {c.key!r} has no name.")
        elif c.name in seen_names:
            problems.append(f"Two components share the name {c.name!r}.")
        seen_names.add(c.name)
        if c.kind not in KINDS:
            problems.append(
                f"{label} has the unknown kind {c.kind!r} (expected 'assignment' or 'exam')."
            )
        if not isinstance(c.weight, Decimal) or not c.weight.is_finite():
            problems.append(f"{label} has a weight that is not a number ({c.weight!r}).")
        elif c.weight < 0:
            problems.append(f"{label} has a negative weight ({_pct(c.weight)}).")
        elif _places(c.weight) > MAX_PLACES:
            problems.append(
                f"{label} has a weight with more than {MAX_PLACES} decimal places ({c.weight})."
            )
        if not isinstance(c.max_mark, Decimal) or not c.max_mark.is_finite():
            problems.append(f"{label} has a maximum mark that is not a number ({c.max_mark!r}).")
        elif c.max_mark <= 0:
            problems.append(f"{label} has a maximum mark of {c.max_mark}; it must be above 0.")

    weights = [c.weight for c in components if isinstance(c.weight, Decimal)]
    if len(weights) == len(components) and all(w.is_finite() for w in weights):
        total = sum(weights, Decimal(0))
        if total != HUNDRED:
            problems.append(f"The weights add up to {_pct(total)}, not 100%.")

    problems.extend(_transfer_problems(components))
    return problems


def _transfer_problems(components: tuple[Component, ...]) -> list[str]:
    problems: list[str] = []
    by_key: dict[str, Component] = {}
    for c in components:
        by_key.setdefault(c.key, c)

    for c in components:
        if c.optional and c.transfer_to is None:
            problems.append(
                f"{c.name} is optional but names no component to receive its weight "
                "when it is not handed in."
            )
        if c.transfer_to is None:
            continue
        if not c.optional:
            problems.append(
                f"{c.name} names a component to receive its weight ({c.transfer_to!r}) but "
                "is not optional; only an optional component's weight can move."
            )
        if c.transfer_to == c.key:
            problems.append(f"{c.name} transfers its weight to itself.")
        elif c.transfer_to not in by_key:
            problems.append(
                f"{c.name} transfers its weight to {c.transfer_to!r}, which is not a "
                "component of the scheme."
            )

    # Each component has at most one outgoing transfer, so a cycle is found by walking.
    reported: set[frozenset[str]] = set()
    for start in by_key:
        path: list[str] = []
        key: str | None = start
        while key is not None and key in by_key and key not in path:
            path.append(key)
            key = by_key[key].transfer_to
        if key is None or key not in path:
            continue
        cycle = path[path.index(key) :]
        if len(cycle) == 1 or frozenset(cycle) in reported:
            continue  # a self-transfer is reported above
        reported.add(frozenset(cycle))
        names = " → ".join(by_key[k].name for k in [*cycle, cycle[0]])
        problems.append(f"The weight transfers form a cycle: {names}.")
    return problems


def validate_marks(scheme: Scheme, marks: Mapping[str, MarkInput]) -> list[str]:
    """Every way ``marks`` does not fit ``scheme``, in words; empty when they fit."""
    problems: list[str] = []
    keys = {c.key for c in scheme.components}
    for key in marks:
        if key not in keys:
            problems.append(f"There is no component {key!r} in the scheme.")
    for c in scheme.components:
        entry = marks.get(c.key)
        if entry is None:
            continue
        if not isinstance(entry, MarkInput):
            problems.append(f"{c.name}: expected a MarkInput, got {type(entry).__name__}.")
            continue
        if entry.mark is None:
            continue
        if not entry.handed_in:
            problems.append(f"{c.name} has a mark but is recorded as not handed in.")
        elif not isinstance(entry.mark, Decimal) or not entry.mark.is_finite():
            problems.append(f"{c.name}: the mark is not a number ({entry.mark!r}).")
        elif entry.mark < 0:
            problems.append(f"{c.name}: the mark {entry.mark} is negative.")
        elif entry.mark > c.max_mark:
            problems.append(f"{c.name}: the mark {entry.mark} is above the maximum {c.max_mark}.")
    return problems


# ---------------------------------------------------------------------------------------------
# The computation


def compute(scheme: Scheme, marks: Mapping[str, MarkInput]) -> FinalResult:
    """The final grade of one student and its breakdown.

    ``marks`` maps component keys to what is known; a key left out means "nothing recorded
    yet". Raises ``InvalidScheme`` or ``InvalidMarks`` (with every problem listed) on bad input.
    The what-if simulator calls it with hypothetical marks: see ``simulate``.
    """
    problems = validate_scheme(scheme)
    if problems:
        raise InvalidScheme(problems)
    problems = validate_marks(scheme, marks)
    if problems:
        raise InvalidMarks(problems)

    by_key = {c.key: c for c in scheme.components}
    dropped = {
        c.key
        for c in scheme.components
        if c.optional and c.key in marks and not marks[c.key].handed_in
    }
    received: dict[str, list[tuple[str, Decimal]]] = {c.key: [] for c in scheme.components}
    carried: dict[str, Decimal] = {}

    def carry(key: str) -> Decimal:
        # The weight a component holds: its own plus what dropped components passed to it.
        # Validation guarantees the transfers form chains without cycles.
        if key not in carried:
            incoming = [
                (c.key, carry(c.key))
                for c in scheme.components
                if c.key in dropped and c.transfer_to == key
            ]
            received[key] = [(by_key[k].name, w) for k, w in incoming]
            carried[key] = by_key[key].weight + sum((w for _, w in incoming), Decimal(0))
        return carried[key]

    notes: list[str] = []
    pending_notes: list[str] = []
    admission_reasons: list[str] = []
    results: list[ComponentResult] = []

    for c in scheme.components:
        holds = carry(c.key)
        # Shown on the receiving component only: ``notes`` already says where each moved
        # weight went, once.
        received_lines = [
            f"Receives {_pct(amount)} from {source}, not handed in."
            for source, amount in received[c.key]
        ]
        reasons: list[str] = []

        entry = marks.get(c.key)
        handed_in = entry.handed_in if entry is not None else None
        mark = entry.mark if entry is not None else None

        if c.key in dropped:
            target = by_key[c.transfer_to]  # type: ignore[index]
            if holds == c.weight:
                moved = f"its {_pct(holds)} moved to {target.name}."
            else:
                moved = (
                    f"its {_pct(holds)} (including {_pct(holds - c.weight)} received) "
                    f"moved to {target.name}."
                )
            reasons.append(f"{c.name} not handed in: {moved}")
            weight_used = Decimal(0)
        else:
            weight_used = holds

        contribution: Decimal | None
        if handed_in is None:
            pending_notes.append(f"{c.name}: nothing recorded yet.")
            contribution = None
        elif not handed_in:
            contribution = Decimal(0)
            if weight_used > 0:
                reasons.append(f"{c.name} not handed in: it counts as 0.")
        elif mark is None:
            pending_notes.append(f"{c.name} not graded yet.")
            contribution = None
        else:
            contribution = _contribution(mark, c.max_mark, weight_used, scheme.scale)
        notes.extend(reasons)
        reasons = received_lines + reasons

        if c.mandatory_for_admission and not handed_in:
            when = "" if handed_in is False else " yet"
            admission_reasons.append(
                f"{c.name} not handed in{when}: it is mandatory for exam admission."
            )

        results.append(
            ComponentResult(
                key=c.key,
                name=c.name,
                kind=c.kind,
                weight=c.weight,
                weight_used=weight_used,
                mark=mark,
                max_mark=c.max_mark,
                handed_in=handed_in,
                contribution=contribution,
                reasons=tuple(reasons),
            )
        )

    known = [r for r in results if r.contribution is not None]
    with decimal.localcontext(_CONTEXT):
        known_total = sum((r.contribution for r in known if r.contribution is not None), Decimal(0))
        known_weight = sum((r.weight_used for r in known), Decimal(0))
        average = known_total * HUNDRED / known_weight if known_weight > 0 else None
    unrounded: Decimal | None = None
    final: Decimal | None = None
    if len(known) == len(results):
        unrounded = _tidy(known_total)
        final = round_to_step(unrounded, scheme.rounding_step)
    # Over the weight whose outcome is known; equals the final once nothing is pending.
    provisional = None if average is None else round_to_step(average, scheme.rounding_step)

    return FinalResult(
        components=tuple(results),
        scale=scheme.scale,
        rounding_step=scheme.rounding_step,
        final=final,
        unrounded=unrounded,
        provisional=provisional,
        admitted=not admission_reasons,
        admission_reasons=tuple(admission_reasons),
        notes=tuple(notes + pending_notes),
    )


def _contribution(
    mark: Decimal, max_mark: Decimal, weight_used: Decimal, scale: Decimal
) -> Decimal:
    with decimal.localcontext(_CONTEXT):
        exact = mark * weight_used * scale / (max_mark * HUNDRED)
        return _tidy(exact.quantize(CONTRIBUTION_QUANTUM))


def simulate(
    scheme: Scheme, marks: Mapping[str, MarkInput], what_if: Mapping[str, MarkInput]
) -> FinalResult:
    """The result if the hypothetical ``what_if`` marks replaced the recorded ``marks``."""
    return compute(scheme, {**marks, **what_if})


# ---------------------------------------------------------------------------------------------
# Output


def _num(value: Decimal | None) -> str | None:
    # Strings, as DRF renders decimals by default: JSON numbers would go through float.
    return None if value is None else f"{value:f}"


def result_as_dict(result: FinalResult) -> dict[str, Any]:
    """The JSON-ready form of a result, as served by the API (decimals as strings)."""
    return {
        "components": [
            {
                "key": r.key,
                "name": r.name,
                "kind": r.kind,
                "weight": _num(r.weight),
                "weight_used": _num(r.weight_used),
                "mark": _num(r.mark),
                "max": _num(r.max_mark),
                "handed_in": r.handed_in,
                "contribution": _num(r.contribution),
                "reasons": list(r.reasons),
            }
            for r in result.components
        ],
        "scale": _num(result.scale),
        "final": _num(result.final),
        "unrounded": _num(result.unrounded),
        "provisional": _num(result.provisional),
        "admitted": result.admitted,
        "admission_reasons": list(result.admission_reasons),
        "reasons": list(result.reasons),
    }


def weights_used(result: FinalResult) -> dict[str, Decimal]:
    """Component key → weight used; a convenience for tests and summaries."""
    return {r.key: r.weight_used for r in result.components}


__all__ = [
    "Component",
    "ComponentResult",
    "FinalResult",
    "InvalidMarks",
    "InvalidScheme",
    "MarkInput",
    "Scheme",
    "compute",
    "result_as_dict",
    "round_to_step",
    "simulate",
    "validate_marks",
    "validate_scheme",
    "weights_used",
]
