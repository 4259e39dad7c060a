"""Parameter kinds declared by other apps (the screening rules' thresholds), beside ``ParameterKind``.

An app declares a kind with its national default, label, source and certainty
(``register_parameter``); the kind then appears in the admin's choices (``parameter_choices`` is the
model field's choices callable, so no migration is needed), ``ensure_registered_defaults`` writes
its national row after ``migrate`` (so it is shown, flagged when uncertain, and can be overridden
per region and year like any other), and ``policy.table`` falls back to the declared default when
a database has no row yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise


@dataclass(frozen=True)
class DeclaredParameter:
    kind: str
    label: str | Promise
    default: Decimal
    certainty: str  # national | provincial | uncertain
    source: str
    year: int = 2014


_declared: dict[str, DeclaredParameter] = {}


def register_parameter(parameter: DeclaredParameter) -> None:
    existing = _declared.get(parameter.kind)
    if existing is not None and existing != parameter:
        raise ValueError(f"parameter kind {parameter.kind} declared twice with different values")
    _declared[parameter.kind] = parameter


def declared() -> dict[str, DeclaredParameter]:
    return dict(_declared)


def parameter_choices() -> list[tuple[str, str]]:
    from jingzhun.policy.models import ParameterKind

    return [*ParameterKind.choices, *((p.kind, p.label) for p in _declared.values())]


def ensure_registered_defaults(**_: object) -> int:
    """Write the national row of every declared kind that has none; returns how many were written."""
    from jingzhun.policy.models import PolicyParameter

    present = set(PolicyParameter.objects.filter(area__isnull=True).values_list("kind", flat=True).distinct())
    rows = [PolicyParameter(kind=p.kind, area=None, year=p.year, value=p.default, certainty=p.certainty,
                            source=p.source)
            for p in _declared.values() if p.kind not in present]
    PolicyParameter.objects.bulk_create(rows)
    return len(rows)
