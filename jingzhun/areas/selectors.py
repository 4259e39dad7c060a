"""Reads of the area tree, always through the actor's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jingzhun.accounts.scope import area_scope_q, scope_roots
from jingzhun.areas import codes
from jingzhun.areas.models import Area
from jingzhun.core.exceptions import NotFound


def area_list(*, actor: Any, parent_code: str | None = None) -> QuerySet[Area]:
    """Areas the actor may see; with ``parent_code``, only that node's children."""
    queryset = Area.objects.filter(area_scope_q(actor, "code") | _ancestor_q(actor))
    if parent_code:
        queryset = queryset.filter(parent_id=parent_code)
    return queryset.order_by("code")


def _ancestor_q(actor: Any):  # type: ignore[no-untyped-def]
    """Ancestors of the actor's roots are visible as names (for breadcrumbs), not their other children."""
    from django.db.models import Q

    ancestor_codes: set[str] = set()
    for root in scope_roots(actor):
        ancestor_codes.update(codes.parent_candidates(root))
    return Q(code__in=ancestor_codes) if ancestor_codes else Q(pk__in=[])


def area_get(*, actor: Any, code: str) -> Area:
    """One area inside the actor's scope; NotFound if absent or outside it."""
    area = Area.objects.filter(area_scope_q(actor, "code"), code=code).select_related("parent").first()
    if area is None:
        raise NotFound()
    return area


def area_ancestors(area: Area) -> list[Area]:
    chain: list[Area] = []
    node = area.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


# --- Reads added for the web UI (jingzhun.web) -------------------------------------------------


def area_roots(*, actor: Any) -> QuerySet[Area]:
    """The actor's scope nodes (the top of their area tree); top-level areas for a superuser."""
    from jingzhun.accounts.scope import sees_everything

    if sees_everything(actor):
        return Area.objects.filter(parent__isnull=True).order_by("code")
    return Area.objects.filter(code__in=scope_roots(actor)).select_related("parent").order_by("code")


def area_villages(*, actor: Any) -> QuerySet[Area]:
    """Villages (行政村) inside the actor's scope, with their township, for choosing a household's village."""
    from jingzhun.areas.models import AreaLevel

    return (
        Area.objects.filter(area_scope_q(actor, "code"), level=AreaLevel.VILLAGE)
        .select_related("parent")
        .order_by("code")
    )


def area_in_scope(*, actor: Any, limit: int = 2000) -> list[Area]:
    """Areas inside the actor's scope (not the ancestors shown only as names), at most ``limit``."""
    return list(Area.objects.filter(area_scope_q(actor, "code")).order_by("code")[:limit])
