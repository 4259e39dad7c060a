"""Reads of the registry. Every list, count, search, export and fetch-by-id goes through here and is
limited to the actor's areas; an out-of-scope household answers exactly like a missing one."""

from __future__ import annotations

import re
from typing import Any

from django.db import connection
from django.db.models import Count, Prefetch, QuerySet, Sum

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import area_scope_q, within_area_q
from jingzhun.areas import codes
from jingzhun.core.exceptions import NotFound
from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear

ID_QUERY_RE = re.compile(r"^\d{17}[\dXx](\d{2}|\d{4})?$")
HOUSEHOLD_NUMBER_RE = re.compile(r"^\d{13,20}$")


def household_queryset(*, actor: Any) -> QuerySet[Household]:
    """All households the actor may read (none without ``registry.view``)."""
    if not can(actor, Capability.REGISTRY_VIEW):
        return Household.objects.none()
    return Household.objects.filter(area_scope_q(actor, "area_id"))


def household_get(*, actor: Any, pk: int) -> Household:
    """One household with its area; NotFound when absent or outside the actor's scope."""
    household = household_queryset(actor=actor).select_related("area", "area__parent").filter(pk=pk).first()
    if household is None:
        raise NotFound()
    return household


def household_detail(*, actor: Any, pk: int) -> Household:
    """A household with members (and their yearly records) and its yearly records, prefetched."""
    household = household_get(actor=actor, pk=pk)
    members = Person.objects.filter(household=household).order_by("-status", "id").prefetch_related(
        Prefetch("years", queryset=PersonYear.objects.order_by("-year"))
    )
    household.member_list = list(members)  # type: ignore[attr-defined]
    household.year_list = list(HouseholdYear.objects.filter(household=household).order_by("-year"))  # type: ignore[attr-defined]
    return household


def person_get(*, actor: Any, pk: int) -> Person:
    person = Person.objects.select_related("household").filter(
        pk=pk, household__in=household_queryset(actor=actor)
    ).first()
    if person is None:
        raise NotFound()
    return person


def household_search(
    *,
    actor: Any,
    query: str = "",
    area_code: str = "",
    status: str = "",
    year: int | None = None,
) -> QuerySet[Household]:
    """Search by member name (prefix), ID number (exact, 18/20/22 characters), household number, within
    an area and a status for a year. Ordered by household number; paginate the result."""
    queryset = household_queryset(actor=actor).select_related("area")
    query = (query or "").strip()
    if area_code and codes.is_area_code(area_code):
        queryset = queryset.filter(within_area_q("area_id", area_code))
    if query:
        if ID_QUERY_RE.match(query):
            queryset = queryset.filter(pk__in=Person.objects.filter(id_base=query[:18].upper()).values("household_id"))
        elif HOUSEHOLD_NUMBER_RE.match(query):
            queryset = queryset.filter(household_number=query)
        else:
            # The head is a member too, so one indexed prefix search on member names covers both.
            queryset = queryset.filter(pk__in=_name_prefix(query).values("household_id"))
    if status and year:
        queryset = queryset.filter(years__year=year, years__status=status)
    return queryset.order_by("household_number")


def _name_prefix(prefix: str) -> QuerySet[Person]:
    """Members whose name starts with ``prefix``, answered from the name index on both databases.

    PostgreSQL serves ``LIKE 'x%'`` from Django's pattern-ops index. SQLite's LIKE ignores case and
    so never uses an index; there the same rows are the range [x, x + U+10FFFF) of the BINARY-collated
    index, and the LIKE stays as the exact filter.
    """
    members = Person.objects.filter(name__startswith=prefix)
    if connection.vendor == "sqlite":
        members = members.filter(name__gte=prefix, name__lt=prefix + "\U0010ffff")
    return members


def household_history(*, actor: Any, household: Household, limit: int = 200) -> list[AuditEvent]:
    """Audit events of a household already fetched through ``household_get`` (so in scope)."""
    return list(
        AuditEvent.objects.filter(target_type="registry.household", target_id=str(household.pk))
        .order_by("-seq")[:limit]
    )


def household_counts(*, actor: Any, area_code: str = "", year: int | None = None) -> dict[str, int]:
    """Key counts for the home page: households, persons, and households per status in ``year``."""
    households = household_queryset(actor=actor)
    if area_code and codes.is_area_code(area_code):
        households = households.filter(within_area_q("area_id", area_code))
    # member_count is kept by the services (active members), so persons need no join to Person.
    totals = households.aggregate(households=Count("id"), persons=Sum("member_count"))
    result = {"households": totals["households"] or 0, "persons": totals["persons"] or 0}
    if year:
        for row in (
            HouseholdYear.objects.filter(household__in=households, year=year).values("status").annotate(n=Count("id"))
        ):
            result[f"status_{row['status']}"] = row["n"]
    return result


# --- Reads added for the web UI (jingzhun.web) -------------------------------------------------


def household_latest_year(*, actor: Any) -> int | None:
    """The latest year that has any household yearly record (an index lookup; the year is not
    personal data, so this is not scoped), or None when there is none."""
    if not can(actor, Capability.REGISTRY_VIEW):
        return None
    return HouseholdYear.objects.order_by("-year").values_list("year", flat=True).first()


def household_statuses(*, actor: Any, household_ids: list[int], year: int | None) -> dict[int, str]:
    """Status code per household in ``year`` for a page of households (in scope only)."""
    if not household_ids or not year:
        return {}
    return dict(
        HouseholdYear.objects.filter(
            household__in=household_queryset(actor=actor).filter(pk__in=household_ids), year=year
        ).values_list("household_id", "status")
    )


def household_events(*, actor: Any, household: Household) -> list[Any]:
    """Status events of a household already fetched through ``household_get`` (so in scope)."""
    from jingzhun.registry.models import StatusEvent

    return list(StatusEvent.objects.filter(household=household).order_by("-occurred_on", "-id"))


def household_counts_by_area(*, actor: Any, area_codes: list[str]) -> dict[str, int]:
    """Number of households in scope under each of ``area_codes``, in one query."""
    from django.db.models import Count, Q

    valid = [c for c in area_codes if codes.is_area_code(c)]
    if not valid:
        return {}
    ranges = {c: codes.code_range(c) for c in valid}
    low = min(r[0] for r in ranges.values())
    high = max(r[1] for r in ranges.values())
    queryset = household_queryset(actor=actor).filter(area_id__gte=low, area_id__lte=high)
    aggregates = {
        f"n{i}": Count("id", filter=Q(area_id__gte=ranges[c][0], area_id__lte=ranges[c][1]))
        for i, c in enumerate(valid)
    }
    result = queryset.aggregate(**aggregates)
    return {c: result[f"n{i}"] or 0 for i, c in enumerate(valid)}


# --- Reads added for the REST API (jingzhun.api) -----------------------------------------------


def person_detail(*, actor: Any, pk: int) -> Person:
    """One member with its household and yearly records (``year_list``, newest first); NotFound when
    absent or outside the actor's scope, exactly like ``person_get``."""
    person = person_get(actor=actor, pk=pk)
    person.year_list = list(PersonYear.objects.filter(person=person).order_by("-year"))  # type: ignore[attr-defined]
    return person
