"""Schemas shared by every part of the API: the error body and a code with its label."""

from __future__ import annotations

from ninja import Schema


class ErrorField(Schema):
    field: str
    code: str
    message: str
    message_zh: str
    message_en: str


class ErrorBody(Schema):
    code: str
    message: str
    message_zh: str
    message_en: str
    fields: list[ErrorField] = []


class ErrorOut(Schema):
    error: ErrorBody


class CodeOut(Schema):
    """A code-list value: the stored ``code`` and its ``label`` in the request's language."""

    code: str
    label: str


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
