"""One error format for the whole API:

    {"error": {"code", "message", "message_zh", "message_en", "fields": [{"field", "code", "message", ...}]}}

``message`` is in the request's language (``Accept-Language``; zh-hans by default); ``message_zh``
and ``message_en`` are always both present so that a client can log or show either. Every exception
that reaches the API — domain errors from services and selectors, request-schema errors, missing or
bad tokens, 404s, malformed bodies and unexpected failures — is turned into this shape here.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from jingzhun.core.exceptions import DomainError, FieldIssue, NotFound, render_in

logger = logging.getLogger("jingzhun.api")


class NotAuthenticated(DomainError):
    status = 401
    default_code = "not_authenticated"
    default_message = _("Log in first: send a valid token as 'Authorization: Bearer <token>'.")


class InvalidRequest(DomainError):
    status = 422
    default_code = "invalid_request"
    default_message = _("The request is not in the expected form; nothing was saved.")


class BadRequest(DomainError):
    status = 400
    default_code = "bad_request"
    default_message = _("The request body could not be read; send JSON with 'Content-Type: application/json'.")


class ServerError(DomainError):
    status = 500
    default_code = "server_error"
    default_message = _("Something went wrong on the server; nothing was saved. Please try again or tell your administrator.")


MISSING = _("This field is required.")
WRONG_FORM = _("This value is not in the expected form (%(detail)s).")


def field_path(location: Any) -> str:
    """ninja's error location (``("body", "payload", "members", 0, "id_number")``) as the same
    path the services use (``members[0].id_number``)."""
    parts = [str(p) for p in location if p not in ("body", "query", "path", "payload")]
    path = ""
    for part in parts:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    return path or "request"


def schema_issues(errors: list[dict[str, Any]]) -> list[FieldIssue]:
    issues = []
    for error in errors:
        kind = str(error.get("type", "invalid"))
        if kind == "missing":
            issues.append(FieldIssue(field=field_path(error.get("loc", ())), code=kind, message=MISSING))
        else:
            issues.append(FieldIssue(field=field_path(error.get("loc", ())), code=kind, message=WRONG_FORM,
                                     params={"detail": str(error.get("msg", kind))}))
    return issues


def error_body(exc: DomainError) -> dict[str, Any]:
    return {"error": exc.as_dict()}


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api`` (more specific classes win over ``Exception``)."""

    def respond(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = api.create_response(request, error_body(exc), status=exc.status)
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="jingzhun"'
        return response

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 401:
            return respond(request, NotAuthenticated())
        if exc.status_code == 400:
            return respond(request, BadRequest())
        generic = DomainError(code=f"http_{exc.status_code}")
        generic.status = exc.status_code
        return respond(request, generic)

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        if settings.DEBUG:
            raise exc  # Django's debug page is more useful while developing
        logger.exception("Unhandled error in %s %s", request.method, request.path)
        return respond(request, ServerError())

    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(DomainError, respond)
    api.add_exception_handler(ValidationError,
                              lambda request, exc: respond(request, InvalidRequest(issues=schema_issues(exc.errors))))
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, lambda request, exc: respond(request, NotAuthenticated()))
    api.add_exception_handler(Http404, lambda request, exc: respond(request, NotFound()))


__all__ = ["install", "render_in", "error_body", "field_path"]
