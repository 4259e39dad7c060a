"""Resolve a policy parameter for an area and a year.

Rule: walk from the area up to the nation; at the first level that has rows of this kind, take the
row with the latest ``year`` not after the requested year. So a county override beats the province,
which beats the national default, and a value holds until a later row replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

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
    chain = [c for c in codes.region_chain(area_code) if c]
    rows = (PolicyParameter.objects.filter(kind=kind, year__lte=year)
            .filter(Q(area_id__in=chain) | Q(area__isnull=True))
            .values("area_id", "year", "value", "certainty", "source"))
    best = codes.nearest_regional(rows, area_code, region=lambda r: r["area_id"], year=lambda r: r["year"])
    if best is not None:
        return ResolvedParameter(kind, best["value"], best["year"], best["area_id"], best["certainty"], best["source"])
    raise NotFound()


def policy_value(*, kind: str, year: int, area_code: str | None = None) -> Decimal:
    return policy_resolve(kind=kind, year=year, area_code=area_code).value
