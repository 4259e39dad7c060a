"""Stored files that follow their transaction: a service that refuses leaves no file behind.

``atomic_with_files`` is ``transaction.atomic`` for services that store uploads; ``store`` saves a
file into a ``FileField`` and remembers its name, so that if the service then raises (and its
transaction rolls back) the file is deleted again. Outside ``atomic_with_files`` ``store`` just saves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

_STORED: ContextVar[list[str] | None] = ContextVar("stored_files", default=None)


@contextmanager
def files_removed_on_error() -> Iterator[None]:
    """Files stored (through ``store``) inside this block are deleted when the block raises."""
    stored: list[str] = []
    token = _STORED.set(stored)
    try:
        yield
    except BaseException:
        for name in stored:
            with suppress(OSError):
                default_storage.delete(name)
        raise
    finally:
        _STORED.reset(token)


def atomic_with_files(func: Callable[..., Any]) -> Callable[..., Any]:
    """``transaction.atomic`` that also deletes the files the service stored when it raises."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with files_removed_on_error(), transaction.atomic():
            return func(*args, **kwargs)

    return wrapper


def store(field_file: Any, name: str, data: bytes) -> str:
    """Save ``data`` as ``name`` into ``field_file`` (not saving the model) and return the stored name."""
    field_file.save(name, ContentFile(data), save=False)
    stored = _STORED.get()
    if stored is not None:
        stored.append(field_file.name)
    return field_file.name
