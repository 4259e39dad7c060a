"""Area scoping used by every selector: a Q object that keeps only rows inside the actor's areas.

Scope is a set of area nodes; each covers every code in its range (``codes.code_range``), so the
filter is a handful of indexed range conditions on a 12-digit code column, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from jingzhun.areas import codes

_CACHE_ATTR = "_jingzhun_scope_roots"


def scope_roots(actor: Any) -> list[str]:
    """The codes of the actor's scope nodes, minimal (a node under another is dropped). Cached per object."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    cached = getattr(actor, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    all_codes = sorted(actor.scope.values_list("code", flat=True))
    roots: list[str] = []
    for code in sorted(all_codes, key=lambda c: len(codes.prefix_of(c))):
        if not any(code.startswith(codes.prefix_of(r)) for r in roots):
            roots.append(code)
    roots.sort()
    setattr(actor, _CACHE_ATTR, roots)
    return roots


def clear_scope_cache(actor: Any) -> None:
    if hasattr(actor, _CACHE_ATTR):
        delattr(actor, _CACHE_ATTR)


def sees_everything(actor: Any) -> bool:
    return bool(getattr(actor, "is_superuser", False) and getattr(actor, "is_active", False))


def within_area_q(field: str, code: str) -> Q:
    """Q keeping rows whose 12-digit code in ``field`` lies inside area ``code`` (the area and below)."""
    low, high = codes.code_range(code)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def area_scope_q(actor: Any, field: str) -> Q:
    """Q keeping rows whose 12-digit code in ``field`` lies inside the actor's scope (nothing if none)."""
    if sees_everything(actor):
        return Q()
    q = Q(pk__in=[])
    for root in scope_roots(actor):
        q |= within_area_q(field, root)
    return q


def code_in_scope(actor: Any, code: str) -> bool:
    if sees_everything(actor):
        return True
    return any(code.startswith(codes.prefix_of(root)) for root in scope_roots(actor))


def users_within_scope(actor: Any) -> Any:
    """Accounts whose every scope area lies inside the actor's scope (the officers below a county
    officer, say). Accounts without any area are nobody's. Superusers: every account."""
    from jingzhun.accounts.models import User
    from jingzhun.areas.models import Area

    users = User.objects.all()
    if sees_everything(actor):
        return users
    outside = Area.objects.exclude(area_scope_q(actor, "code"))
    return users.filter(scope__isnull=False).exclude(scope__in=outside).distinct()
