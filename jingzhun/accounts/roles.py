"""Roles and what each may do. Pure data: the services and selectors ask ``can(user, capability)``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_OFFICER = "village_officer", _("Village officer")
    TOWNSHIP_REVIEWER = "township_reviewer", _("Township reviewer")
    COUNTY_OFFICER = "county_officer", _("County officer")
    COUNTY_ADMIN = "county_admin", _("County administrator")
    FIRST_SECRETARY = "first_secretary", _("First secretary (resident)")
    CITY_OFFICER = "city_officer", _("City officer")
    PROVINCE_OFFICER = "province_officer", _("Province officer")
    CADRE = "cadre", _("Assistance cadre")
    EVALUATOR = "evaluator", _("Third-party evaluator")
    AUDITOR = "auditor", _("Auditor (read-only)")


class Capability(models.TextChoices):
    REGISTRY_VIEW = "registry.view", _("View the registry")
    REGISTRY_EDIT = "registry.edit", _("Create and edit households and members")
    SENSITIVE_VIEW = "registry.view_sensitive", _("See ID numbers, phones and bank accounts unmasked")
    AUDIT_VIEW = "audit.view", _("Read the audit log")
    EXPORT = "registry.export", _("Export lists")
    USERS_MANAGE = "accounts.manage", _("Manage accounts in scope")
    POLICY_MANAGE = "policy.manage", _("Edit policy parameters")
    SCREENING_RUN = "screening.run", _("Run the screening rules")
    SCREENING_EXEMPT = "screening.exempt", _("Exempt a household from a screening rule")
    DEPARTMENT_LOAD = "screening.department_load", _("Load other departments' lists for comparison")


C = Capability
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.VILLAGE_OFFICER: frozenset({C.REGISTRY_VIEW, C.REGISTRY_EDIT, C.SENSITIVE_VIEW, C.EXPORT}),
    Role.TOWNSHIP_REVIEWER: frozenset(
        {C.REGISTRY_VIEW, C.REGISTRY_EDIT, C.SENSITIVE_VIEW, C.EXPORT, C.SCREENING_EXEMPT}),
    Role.COUNTY_OFFICER: frozenset({C.REGISTRY_VIEW, C.REGISTRY_EDIT, C.SENSITIVE_VIEW, C.EXPORT, C.AUDIT_VIEW,
                                    C.SCREENING_RUN, C.SCREENING_EXEMPT, C.DEPARTMENT_LOAD}),
    Role.COUNTY_ADMIN: frozenset(
        {C.REGISTRY_VIEW, C.REGISTRY_EDIT, C.SENSITIVE_VIEW, C.EXPORT, C.AUDIT_VIEW, C.USERS_MANAGE, C.POLICY_MANAGE,
         C.SCREENING_RUN, C.SCREENING_EXEMPT, C.DEPARTMENT_LOAD}
    ),
    Role.FIRST_SECRETARY: frozenset({C.REGISTRY_VIEW, C.SENSITIVE_VIEW}),
    Role.CITY_OFFICER: frozenset({C.REGISTRY_VIEW, C.EXPORT, C.AUDIT_VIEW, C.SCREENING_RUN}),
    Role.PROVINCE_OFFICER: frozenset({C.REGISTRY_VIEW, C.EXPORT, C.AUDIT_VIEW, C.SCREENING_RUN}),
    Role.CADRE: frozenset({C.REGISTRY_VIEW}),
    Role.EVALUATOR: frozenset({C.REGISTRY_VIEW, C.EXPORT}),
    Role.AUDITOR: frozenset({C.REGISTRY_VIEW, C.SENSITIVE_VIEW, C.AUDIT_VIEW, C.EXPORT}),
}


def can(user: Any, capability: str) -> bool:
    """True when the user's role grants ``capability`` (superusers may do everything)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if getattr(user, "is_superuser", False):
        return True
    return capability in ROLE_CAPABILITIES.get(getattr(user, "role", ""), frozenset())
