"""Which import batches a user may see (the history, a batch's page, its report)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import users_within_scope
from jingzhun.imports.models import ImportBatch


def visible_batches(user: Any) -> Any:
    """The user's own imports; for a role that reads the audit log (county officers, auditors), also
    the imports of every account inside the user's areas; everything for a superuser."""
    batches = ImportBatch.objects.select_related("uploaded_by")
    if getattr(user, "is_superuser", False):
        return batches
    if can(user, Capability.AUDIT_VIEW):
        return batches.filter(Q(uploaded_by=user) | Q(uploaded_by__in=users_within_scope(user).values("pk")))
    return batches.filter(uploaded_by=user)
