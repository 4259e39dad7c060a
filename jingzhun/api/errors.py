"""One error format for the whole API:

    {"error": {"code", "message", "message_zh", "message_en", "fields": [{"field", "code", "message", ...}]}}
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from jingzhun.core.exceptions import DomainError, FieldIssue, NotFound, render_in


class NotAuthenticated(DomainError):
    status = 401
    default_code = "not_authenticated"
    default_message = _("Log in first: send a valid token as 'Authorization: Bearer <token>'.")


class InvalidRequest(DomainError):
    status = 422
    default_code = "invalid_request"
    default_message = _("The request is not in the expected form; nothing was saved.")


def _field_path(location: Any) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "payload")]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path or "request"


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)

    api.add_exception_handler(DomainError, respond)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        issues = [
            FieldIssue(field=_field_path(e.get("loc", ())), code=str(e.get("type", "invalid")),
                       message=e.get("msg", "invalid"))
            for e in exc.errors
        ]
        return respond(request, InvalidRequest(issues=issues))

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, lambda request, exc: respond(request, NotAuthenticated()))
    api.add_exception_handler(Http404, lambda request, exc: respond(request, NotFound()))


__all__ = ["install", "render_in"]
