"""Reading accounts."""

from __future__ import annotations

from jingzhun.accounts.models import User


def active_user(username: str) -> User | None:
    """The active account named ``username``, or None (no such account, or deactivated)."""
    return User.objects.filter(username=username, is_active=True).first()
