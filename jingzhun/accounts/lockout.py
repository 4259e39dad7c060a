"""What a locked-out login attempt gets (django-axes ``AXES_LOCKOUT_CALLABLE``): the API's JSON error
format under /api/, the "account locked" page elsewhere. Both answer 429."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from jingzhun.core.exceptions import DomainError


class AccountLocked(DomainError):
    status = 429
    default_code = "locked_out"
    default_message = _("Too many failed logins. This account is locked for a while; try again later or ask your administrator.")


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": AccountLocked().as_dict()}, status=AccountLocked.status)
    return render(request, "web/locked_out.html", {"cooloff_timedelta": settings.AXES_COOLOFF_TIME},
                  status=AccountLocked.status)
