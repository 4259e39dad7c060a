"""Writes for accounts: creating users with a role and scope, issuing and revoking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.models import ApiToken, User
from jingzhun.accounts.roles import Capability, Role, can
from jingzhun.accounts.scope import code_in_scope
from jingzhun.areas.models import Area
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden, DomainError, ValidationFailed, issue

USER_CREATED = register_action("accounts.user.created", _("Account created"))
TOKEN_ISSUED = register_action("accounts.token.issued", _("API token issued"))


class InvalidCredentials(DomainError):
    status = 401
    default_code = "invalid_credentials"
    default_message = _("Wrong username or password, or the account is locked after repeated failures.")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    scope_codes: Iterable[str],
    display_name: str = "",
    phone: str = "",
    is_superuser: bool = False,
) -> User:
    """Create an account. ``actor`` None means the system (demo builder, set-up commands).

    An acting user needs ``accounts.manage`` and may only grant areas inside their own scope.
    """
    scope_codes = list(scope_codes)
    if actor is not None:
        if not can(actor, Capability.USERS_MANAGE):
            raise ActionForbidden()
        for code in scope_codes:
            if not code_in_scope(actor, code):
                raise ActionForbidden()
    problems = []
    if role and role not in Role.values:
        problems.append(issue("role", "unknown_role", _("Unknown role.")))
    if User.objects.filter(username=username).exists():
        problems.append(issue("username", "duplicate", _("This username is taken.")))
    areas = list(Area.objects.filter(code__in=scope_codes))
    if len(areas) != len(set(scope_codes)):
        problems.append(issue("scope", "unknown_area", _("One of the areas does not exist.")))
    if problems:
        raise ValidationFailed(issues=problems)
    user = User(username=username, role=role, display_name=display_name, phone=phone,
                is_superuser=is_superuser, is_staff=is_superuser or role == Role.COUNTY_ADMIN)
    user.set_password(password)
    user.save()
    user.scope.set(areas)
    audit_record(
        actor=actor, action=USER_CREATED, target_type="accounts.user", target_id=user.pk,
        area_code=areas[0].code if areas else "",
        after={"username": username, "role": role, "scope": sorted(scope_codes)},
    )
    return user


def token_issue(*, request: Any, username: str, password: str) -> str:
    """Check the password (through django-axes, so failures count towards the lockout) and
    return a new raw token; only its digest is stored.

    The password check runs outside the token's transaction on purpose: a failed attempt must be
    recorded by django-axes even though no token is written."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise InvalidCredentials()
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.create(
            user=user, digest=_digest(raw), expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
        )
        audit_record(actor=user, action=TOKEN_ISSUED, target_type="accounts.user", target_id=user.pk)
    return raw


def token_authenticate(raw: str) -> User | None:
    """The active user owning an unexpired token, or None."""
    if not raw:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw)).first()
    if token is None or token.expires_at <= timezone.now() or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
