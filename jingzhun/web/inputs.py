"""Reading form fields and showing domain errors, shared by the apps' pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from jingzhun.core.exceptions import DomainError


def form_id(value: Any) -> int | None:
    """A positive database id or step number from a form field; None for anything else."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    return int(text)


def form_ids(values: list[str]) -> list[int]:
    return [n for n in (form_id(v) for v in values) if n is not None]


def form_date(value: Any) -> dt.date | None:
    """An ISO date from a form field; None when empty or not a date."""
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def flash_errors(request: HttpRequest, exc: DomainError) -> None:
    """Each of the error's field issues (or the error itself) as an error message on the next page."""
    for text in [i.text() for i in exc.issues] or [exc.text()]:
        messages.error(request, text)
