"""The REST API root: /api/v1/ with OpenAPI at /api/v1/openapi.json and docs at /api/v1/docs."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.http import HttpRequest
from ninja import NinjaAPI, Router, Schema
from ninja.renderers import JSONRenderer

from jingzhun.accounts.models import ApiToken
from jingzhun.accounts.services import token_issue
from jingzhun.api import errors
from jingzhun.api.auth import BearerToken
from jingzhun.api.schemas import ErrorOut
from jingzhun.areas.api import router as areas_router
from jingzhun.assistance.api import assistance as assistance_router
from jingzhun.core.exceptions import NotFound
from jingzhun.funds.api import funds as funds_router
from jingzhun.funds.api import projects as projects_router
from jingzhun.registry.api import households, members
from jingzhun.screening.api import screening as screening_router
from jingzhun.workflow.api import cases as cases_router
from jingzhun.workflow.api import notices as notices_router


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese text as UTF-8 rather than \\u escapes (the response says charset=utf-8)."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="jingzhun API",
    version="1",
    description=(
        "精准 registry API (建档立卡). Get a token with POST /api/v1/auth/token, then send "
        "'Authorization: Bearer <token>' with every other request. Every error has the shape "
        '{"error": {"code", "message", "message_zh", "message_en", "fields": [...]}}; '
        "records outside your areas answer 404 exactly like missing ones."
    ),
    urls_namespace="api",
    auth=BearerToken(),
    renderer=Utf8JSONRenderer(),
)
errors.install(api)

auth_router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 (the scheme name, not a secret)
    expires_at: dt.datetime


@auth_router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
                  summary="Get a bearer token")
def issue_token(request: HttpRequest, payload: TokenIn) -> dict[str, object]:
    """Check the username and password through django-axes and return a new token with its expiry.

    A wrong password answers 401 ``invalid_credentials``; after 5 failures for a username from one
    address the account is locked for a while and every attempt, even with the right password,
    answers 429 ``locked_out``."""
    raw = token_issue(request=request, username=payload.username, password=payload.password)
    # token_issue returns only the raw token; its stored row (found by digest) holds the expiry.
    expires_at = ApiToken.objects.filter(digest=hashlib.sha256(raw.encode()).hexdigest()).values_list(
        "expires_at", flat=True).get()
    return {"token": raw, "token_type": "Bearer", "expires_at": expires_at}


api.add_router("/auth", auth_router)
api.add_router("/areas", areas_router)
api.add_router("/households", households)
api.add_router("/members", members)
api.add_router("/cases", cases_router)
api.add_router("/notices", notices_router)
api.add_router("/projects", projects_router)
api.add_router("/funds", funds_router)
api.add_router("/assistance", assistance_router)
api.add_router("/screening", screening_router)

fallback = Router()


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None,
                        include_in_schema=False)
def unknown_path(request: HttpRequest, rest: str) -> None:
    """Any other path under /api/v1/ (including /households/abc) answers the standard 404."""
    raise NotFound()


api.add_router("", fallback)  # last, so that every real route matches first
