"""Domain errors raised by services and selectors and translated into 4xx by views and the API.

Every error carries field-level issues whose messages can be rendered in zh-hans and in en, so that
a village officer reads Chinese and an API client can log both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _


def render_in(language: str, message: Any, params: dict[str, Any] | None = None) -> str:
    """Render a lazy message (with %-style params) in one language."""
    with translation.override(language):
        text = str(message)
        return text % params if params else text


@dataclass(frozen=True)
class FieldIssue:
    """One problem with one field: ``field`` is a path such as ``members[2].id_number``."""

    field: str
    code: str
    message: Any
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str | None = None) -> str:
        return render_in(language or translation.get_language() or "zh-hans", self.message, self.params)

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.text(),
            "message_zh": self.text("zh-hans"),
            "message_en": self.text("en"),
        }


class DomainError(Exception):
    """Base of all errors a user can cause. ``status`` is the HTTP status an edge should answer."""

    status = 400
    default_code = "invalid"
    default_message: Any = _("The request could not be completed.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        issues: Iterable[FieldIssue] = (),
        params: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.code = code or self.default_code
        self.issues = list(issues)
        self.params = params or {}
        super().__init__(render_in("en", self.message, self.params))

    def text(self, language: str | None = None) -> str:
        return render_in(language or translation.get_language() or "zh-hans", self.message, self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.text(),
            "message_zh": self.text("zh-hans"),
            "message_en": self.text("en"),
            "fields": [issue.as_dict() for issue in self.issues],
        }


class ValidationFailed(DomainError):
    """Input broke one or more rules; nothing was written."""

    status = 422
    default_code = "validation_failed"
    default_message = _("Some fields are not valid; nothing was saved.")


class NotFound(DomainError):
    """The record does not exist *or* lies outside the actor's scope: callers cannot tell which."""

    status = 404
    default_code = "not_found"
    default_message = _("Not found.")


class ActionForbidden(DomainError):
    """The actor's role may not perform this action (reads of out-of-scope rows raise NotFound instead)."""

    status = 403
    default_code = "forbidden"
    default_message = _("Your role may not do this.")


class EditConflict(DomainError):
    """Someone else saved the record after the actor loaded it (optimistic locking)."""

    status = 409
    default_code = "conflict"
    default_message = _(
        "Someone else changed this record after you opened it. Your changes were not saved; "
        "review their changes below and save again."
    )

    def __init__(self, *, changes: list[dict[str, Any]], current_version: int) -> None:
        super().__init__()
        self.changes = changes
        self.current_version = current_version

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["current_version"] = self.current_version
        data["changes"] = self.changes
        return data


def issue(field_name: str, code: str, message: Any, **params: Any) -> FieldIssue:
    return FieldIssue(field=field_name, code=code, message=message, params=params)
