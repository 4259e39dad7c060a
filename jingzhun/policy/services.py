"""Writes of policy parameters (administrators only), audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import code_in_scope
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden
from jingzhun.policy.models import PolicyParameter

PARAMETER_SAVED = register_action("policy.parameter.saved", _("Policy parameter saved"))


@transaction.atomic
def policy_parameter_save(*, actor: Any, parameter: PolicyParameter) -> PolicyParameter:
    """Save a new or changed parameter. A national default needs a superuser; a regional override
    needs ``policy.manage`` and the region inside the actor's scope."""
    if not can(actor, Capability.POLICY_MANAGE):
        raise ActionForbidden()
    if parameter.area_id is None and not getattr(actor, "is_superuser", False):
        raise ActionForbidden()
    if parameter.area_id and not code_in_scope(actor, parameter.area_id):
        raise ActionForbidden()
    before = None
    if parameter.pk:
        old = PolicyParameter.objects.filter(pk=parameter.pk).values("kind", "area_id", "year", "value", "certainty").first()
        before = old
    parameter.full_clean()
    parameter.updated_by = actor
    parameter.save()
    audit_record(actor=actor, action=PARAMETER_SAVED, target_type="policy.parameter", target_id=parameter.pk,
                 area_code=parameter.area_id or "", before=before,
                 after={"kind": parameter.kind, "area_id": parameter.area_id, "year": parameter.year,
                        "value": parameter.value, "certainty": parameter.certainty})
    return parameter
