"""Subjects that another app keeps and sends through a procedure (a project of ``funds``).

workflow must not import the apps that use its procedures — they import workflow — so such an app
registers a ``SubjectHandler`` for its subject when Django starts (``AppConfig.ready``). The handler
tells workflow what the subject is called, where its page is, what a public notice shows about it,
and what completing, refusing or rolling back its case changes. A case about such a subject names it
by ``Case.subject_ref`` (the subject's id, not a foreign key), so workflow's tables and migrations
depend on nothing of the other app either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jingzhun.workflow.models import Case


@dataclass(frozen=True)
class NoticeRow:
    """What a notice lists for one subject. ``details`` is JSON (kept on the ``NoticeEntry`` as
    posted); ``public_text`` is the free text among them, which the privacy check reads."""

    name: str
    place: str
    details: dict[str, Any] = field(default_factory=dict)
    public_text: str = ""


@dataclass(frozen=True)
class SubjectHandler:
    """The callbacks of one subject. ``apply`` runs when the case completes its last step,
    ``refused`` when it is rejected or withdrawn (with the action), ``roll_back`` when a completed
    result is undone (with the reason); each may raise a ``DomainError`` to refuse, which rolls the
    whole act back."""

    name: Callable[[Case], str]
    url: Callable[[Case], str]
    notice_row: Callable[[Case], NoticeRow]
    apply: Callable[[Case, Any, dt.date], None]
    refused: Callable[[Case, Any, dt.date, str], None]
    roll_back: Callable[[Case, Any, dt.date, str], None]


_HANDLERS: dict[str, SubjectHandler] = {}


def register(subject: str, handler: SubjectHandler) -> None:
    """Make ``handler`` answer for cases of procedures whose subject is ``subject``."""
    _HANDLERS[str(subject)] = handler


def handler_for(subject: str) -> SubjectHandler | None:
    return _HANDLERS.get(str(subject))


def handled(case: Case) -> SubjectHandler | None:
    """The handler of ``case``'s subject when another app keeps it, else None."""
    if case.subject_ref is None:
        return None
    return handler_for(case.procedure.subject)


def name_of(case: Case) -> str:
    """What lists call the case: the head of household, the project's name, or the area's name."""
    if case.household_id:
        return case.household.head_name
    handler = handled(case)
    if handler is not None:
        return handler.name(case)
    return case.area.name


def url_of(case: Case) -> str:
    """The page of the case's subject kept by another app ("" for households and areas)."""
    handler = handled(case)
    return handler.url(case) if handler is not None else ""
