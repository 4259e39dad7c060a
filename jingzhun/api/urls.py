"""The REST API root: /api/v1/ with OpenAPI at /api/v1/openapi.json and docs at /api/v1/docs."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Router, Schema

from jingzhun.accounts.services import token_issue
from jingzhun.api import errors
from jingzhun.api.auth import BearerToken
from jingzhun.areas.api import router as areas_router
from jingzhun.registry.api import households, members

api = NinjaAPI(
    title="jingzhun API",
    version="1",
    description="精准 registry API. Authenticate with POST /auth/token, then send 'Authorization: Bearer <token>'.",
    urls_namespace="api",
    auth=BearerToken(),
)
errors.install(api)

auth_router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 (the scheme name, not a secret)


@auth_router.post("/token", auth=None, response={200: TokenOut}, summary="Get a bearer token")
def issue_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    """Check the username and password (5 failures lock the account for a while) and return a token."""
    return {"token": token_issue(request=request, username=payload.username, password=payload.password)}


api.add_router("/auth", auth_router)
api.add_router("/areas", areas_router)
api.add_router("/households", households)
api.add_router("/members", members)
