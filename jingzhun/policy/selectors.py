"""Resolve a policy parameter for an area and a year.

Rule: walk from the area up to the nation; at the first level that has rows of this kind, take the
row with the latest ``year`` not after the requested year. So a county override beats the province,
which beats the national default, and a value holds until a later row replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jingzhun.areas import codes
from jingzhun.core.exceptions import NotFound
from jingzhun.policy.models import PolicyParameter


@dataclass(frozen=True)
class ResolvedParameter:
    kind: str
    value: Decimal
    year: int
    area_code: str | None
    certainty: str
    source: str


def policy_resolve(*, kind: str, year: int, area_code: str | None = None) -> ResolvedParameter:
    """The parameter in force; raises NotFound when no row applies (e.g. a year before any value)."""
    chain: list[str | None] = []
    if area_code:
        chain = [area_code, *codes.parent_candidates(area_code)]
    chain.append(None)
    rows = list(
        PolicyParameter.objects.filter(kind=kind, year__lte=year)
        .filter(area_id__in=[c for c in chain if c]) .values("area_id", "year", "value", "certainty", "source")
    ) + list(
        PolicyParameter.objects.filter(kind=kind, year__lte=year, area__isnull=True)
        .values("area_id", "year", "value", "certainty", "source")
    )
    for level_code in chain:
        candidates = [r for r in rows if r["area_id"] == level_code]
        if candidates:
            best = max(candidates, key=lambda r: r["year"])
            return ResolvedParameter(kind, best["value"], best["year"], level_code, best["certainty"], best["source"])
    raise NotFound()


def policy_value(*, kind: str, year: int, area_code: str | None = None) -> Decimal:
    return policy_resolve(kind=kind, year=year, area_code=area_code).value
