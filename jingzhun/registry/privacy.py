"""Masking of personal data for roles that may not see it (evaluators, cadres). Pure functions."""

from __future__ import annotations

from typing import Any

from jingzhun.accounts.roles import Capability, can


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_account(value: str) -> str:
    if not value:
        return ""
    return "*" * max(len(value) - 4, 0) + value[-4:]


def sees_sensitive(actor: Any) -> bool:
    return can(actor, Capability.SENSITIVE_VIEW)


def shown_id(actor: Any, value: str) -> str:
    return value if sees_sensitive(actor) else mask_id_number(value)


def shown_phone(actor: Any, value: str) -> str:
    return value if sees_sensitive(actor) else mask_phone(value)


def shown_account(actor: Any, value: str) -> str:
    return value if sees_sensitive(actor) else mask_account(value)
