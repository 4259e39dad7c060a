"""The only write path of procedures, cases and notices.

Guarantees (checked here, for every caller — web, API, command line — and by the property test):
* a case moves only from the step it stands at, to the next one, one step at a time; the caller
  names the step it saw (``at_position``), so a second click or a colleague's earlier decision is
  refused instead of skipping a step;
* only the role of the step, working in the area at the step's level, acts on a case;
* a step that waits for the batch acts only when every open case of the batch has reached it;
* a case at a notice step moves only when its notice is closed — after the notice's last day and
  with every objection resolved — or goes back when an objection against it is upheld;
* a completed, rejected or withdrawn case never changes again (a risk elimination may be rolled
  back, which is recorded as a new decision and a new status event);
* every act is a ``Decision`` and an audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.scope import code_in_scope, sees_everything
from jingzhun.areas.models import Area
from jingzhun.core import clock, files
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden, DomainError, NotFound, ValidationFailed, issue
from jingzhun.policy.selectors import policy_value
from jingzhun.registry.selectors import household_queryset
from jingzhun.workflow import calendar, effects, flows, privacy, subjects
from jingzhun.workflow.models import (
    Case,
    CaseBatch,
    CaseStatus,
    Decision,
    DecisionAction,
    Effect,
    Evidence,
    EvidenceKind,
    Notice,
    NoticeEntry,
    NoticeKind,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Procedure,
    Step,
    StepKind,
    Subject,
)
from jingzhun.workflow.selectors import (
    case_queryset,
    may_act,
    may_act_in,
    notice_queryset,
    on_open_notice,
    procedure_resolve,
)

CASE_STARTED = register_action("workflow.case.started", _("Case submitted"))
CASE_DECIDED = register_action("workflow.case.decided", _("Decision on a case"))
CASE_COMPLETED = register_action("workflow.case.completed", _("Case completed"))
CASE_ROLLED_BACK = register_action("workflow.case.rolled_back", _("Result of a case rolled back"))
NOTICE_POSTED = register_action("workflow.notice.posted", _("Public notice posted"))
NOTICE_CLOSED = register_action("workflow.notice.closed", _("Public notice closed"))
OBJECTION_FILED = register_action("workflow.objection.filed", _("Objection filed"))
OBJECTION_RESOLVED = register_action("workflow.objection.resolved", _("Objection resolved"))
PROCEDURE_SAVED = register_action("workflow.procedure.saved", _("Procedure definition saved"))

EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
# Procedures that decide a household's status for a year: one of them open at a time per household.
STATUS_EFFECTS = (Effect.IDENTIFY, Effect.EXIT, Effect.MONITOR, Effect.ELIMINATE_RISK)
EVIDENCE_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".doc", ".docx", ".xls", ".xlsx", ".txt")
PUBLIC = SimpleNamespace(username="public", pk=None)
# Subjects ``cases_start`` starts; a subject another app keeps starts through ``subject_case_start``.
AREA_OR_HOUSEHOLD = (Subject.HOUSEHOLD, Subject.VILLAGE, Subject.COUNTY)


class StepChanged(DomainError):
    """The cases are no longer at the step the user saw: someone acted first, or the page is old."""

    status = 409
    default_code = "step_changed"
    default_message = _("Some of these cases are no longer at this step (someone may have acted on them). "
                        "Reload the page; nothing was changed.")


def _today(today: dt.date | None) -> dt.date:
    return today or clock.today()


def _steps(procedure: Procedure) -> dict[int, Step]:
    return {s.position: s for s in procedure.steps.all()}


def _days_from(param: str, fallback: int | None, *, year: int, area_code: str) -> int:
    if param:
        try:
            return int(policy_value(kind=param, year=year, area_code=area_code))
        except NotFound:
            pass
    return int(fallback or 0)


def notice_days_for(step: Step, *, year: int, area_code: str) -> int:
    """How many days a notice at ``step`` runs in ``area_code`` in ``year`` (policy parameter first),
    never fewer than the national minimum of the procedure's effect (``flows.MIN_NOTICE_DAYS``)."""
    days = _days_from(step.notice_days_param, step.notice_days, year=year, area_code=area_code)
    return max(days, flows.MIN_NOTICE_DAYS.get(step.procedure.effect, 0))


def _enter(case: Case, step: Step, today: dt.date) -> None:
    case.step, case.position, case.step_since = step, step.position, today
    case.step_due_on = calendar.deadline(today, step.time_limit_days, working=False) if step.time_limit_days else None


def _decide(case: Case, *, action: str, actor: Any, step: Step | None, to_position: int | None, today: dt.date,
            comment: str = "", notice: Notice | None = None, evidence: Iterable[Evidence] = ()) -> Decision:
    decision = Decision.objects.create(
        case=case, step=step, action=action, from_position=case.position, to_position=to_position,
        actor=actor if getattr(actor, "pk", None) else None, actor_name=str(getattr(actor, "username", "")),
        role=getattr(actor, "role", "") or ("superuser" if getattr(actor, "is_superuser", False) else ""),
        decided_on=today, comment=comment, notice=notice,
    )
    evidence = list(evidence)
    if evidence:
        decision.evidence.add(*evidence)
    return decision


def _audit_case(case: Case, *, actor: Any, action: str, **after: Any) -> None:
    audit_record(actor=actor, action=action, target_type="workflow.case", target_id=case.pk, area_code=case.area_id,
                 after={"procedure": case.procedure_key, "year": case.year, "household_id": case.household_id,
                        "position": case.position, "status": case.status, **after})


def _advance(case: Case, *, actor: Any, steps: dict[int, Step], today: dt.date) -> None:
    """Move to the next step, or complete the case after the last one (writing its effect)."""
    following = steps.get(case.position + 1)
    if following is not None:
        _enter(case, following, today)
        case.version += 1
        case.save()
        return
    case.status, case.step, case.closed_on = CaseStatus.COMPLETED, None, today
    case.version += 1
    case.save()
    effects.apply(case, actor=actor, today=today)
    _decide(case, action=DecisionAction.COMPLETED, actor=actor, step=None, to_position=None, today=today)
    _audit_case(case, actor=actor, action=CASE_COMPLETED)


@dataclass(frozen=True)
class Upload:
    """An uploaded evidence file that passed the checks, held in memory until it is stored."""

    kind: str
    name: str
    data: bytes


def _checked_uploads(files: Iterable[tuple[str, Any]]) -> list[Upload]:
    """Check every file (kind, type, size) before anything is stored."""
    checked = []
    for kind, upload in files:
        name = (getattr(upload, "name", "") or "file")[-200:]
        if kind not in EvidenceKind.values:
            raise ValidationFailed(issues=[issue("evidence", "unknown_kind", _("Unknown kind of evidence."))])
        if not name.lower().endswith(EVIDENCE_SUFFIXES):
            raise ValidationFailed(issues=[issue("evidence", "file_type", _(
                "%(name)s: evidence must be a PDF, a photo (JPG, PNG) or an office document."), name=name)])
        size = getattr(upload, "size", None)
        data = b"" if size is not None and size > EVIDENCE_MAX_BYTES else upload.read(EVIDENCE_MAX_BYTES + 1)
        if not data or len(data) > EVIDENCE_MAX_BYTES:
            raise ValidationFailed(issues=[issue("evidence", "file_size", _(
                "%(name)s is empty or larger than 20 MB."), name=name)])
        checked.append(Upload(kind, name, data))
    return checked


def _store_evidence(*, actor: Any, cases: Sequence[Case], step: Step | None, uploads: Sequence[Upload]) -> list[Evidence]:
    """Keep each checked file once and link it to every case it was given for."""
    stored: list[Evidence] = []
    for upload in uploads:
        digest = hashlib.sha256(upload.data).hexdigest()
        first: Evidence | None = None
        for case in cases:
            row = Evidence(case=case, step=step, kind=upload.kind, original_name=upload.name, sha256=digest,
                           size=len(upload.data), uploaded_by=actor if getattr(actor, "pk", None) else None)
            if first is None:
                files.store(row.file, upload.name, upload.data)
                first = row
            else:
                row.file.name = first.file.name
            row.save()
            stored.append(row)
    return stored


def _missing_evidence(case: Case, step: Step, new: Sequence[Upload]) -> list[str]:
    have = set(Evidence.objects.filter(case=case, step=step).values_list("kind", flat=True))
    have |= {u.kind for u in new}
    return [kind for kind in step.evidence if kind not in have]


def _evidence_issue(missing: list[str], name: str) -> Any:
    labels = "、".join(str(EvidenceKind(k).label) for k in missing)
    return issue("evidence", "evidence_required", _("%(name)s: upload %(kinds)s first."), name=name, kinds=labels)


def _case_name(case: Case) -> str:
    return subjects.name_of(case)


MAX_ID = 2**31 - 1


def _ids(values: Iterable[Any]) -> list[int]:
    """Database ids as given; one that no row could have is "not found", never a database error."""
    ids = sorted({int(i) for i in values})
    if any(not 1 <= i <= MAX_ID for i in ids):
        raise NotFound()
    return ids


def _lock_cases(actor: Any, case_ids: Iterable[int]) -> list[Case]:
    ids = _ids(case_ids)
    if not ids:
        raise ValidationFailed(issues=[issue("cases", "required", _("Choose at least one case."))])
    cases = list(case_queryset(actor=actor).select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    if len(cases) != len(ids):
        raise NotFound()
    return cases


def _check_batches(cases: Sequence[Case], step: Step) -> None:
    """A step that waits for the batch acts only when no open case of the batch is behind it."""
    if not step.waits_for_batch:
        return
    for batch_id in {c.batch_id for c in cases}:
        positions = list(Case.objects.filter(batch_id=batch_id, status=CaseStatus.OPEN).values_list("position", flat=True))
        if not flows.batch_ready(step.position, positions):
            behind = sum(1 for p in positions if p < step.position)
            raise ValidationFailed(
                _("%(count)s case(s) of this list are still at earlier steps. This level acts on the list when "
                  "every case has reached it (or was withdrawn)."), code="batch_not_ready", params={"count": behind})


# ---------------------------------------------------------------------------------------------- start


@files.atomic_with_files
def cases_start(*, actor: Any, procedure_key: str, year: int, household_ids: Sequence[int] = (),
                area_codes: Sequence[str] = (), params: dict[str, Any] | None = None,
                params_by_subject: dict[Any, dict[str, Any]] | None = None, clue_on: dt.date | None = None,
                comment: str = "", evidence: Iterable[tuple[str, Any]] = (), today: dt.date | None = None) -> list[Case]:
    """Start ``procedure_key`` for households (or villages/counties) in ``year``; the first step (the
    application) is recorded as done by ``actor``. One batch per village (or per area for area
    subjects). Nothing is written unless every subject may start."""
    today = _today(today)
    if clue_on and clue_on > today:
        raise ValidationFailed(issues=[issue("clue_on", "future", _("The clue date cannot be in the future."))])
    if not isinstance(year, int) or not 2013 <= year <= today.year + 1:
        raise ValidationFailed(issues=[issue("year", "year_range", _("The year must be between 2013 and %(max)s."),
                                             max=today.year + 1)])
    if not isinstance(params or {}, dict) or not all(isinstance(v, dict) for v in (params_by_subject or {}).values()):
        raise ValidationFailed(issues=[issue("params", "invalid", _("The parameters are not valid."))])
    uploads = _checked_uploads(evidence)

    def params_for(subject: Any) -> dict[str, Any]:
        return {**(params or {}), **((params_by_subject or {}).get(subject.pk) or {})}

    subjects: list[tuple[Any, str]] = []
    if household_ids:
        household_ids = _ids(household_ids)
        households = list(household_queryset(actor=actor).filter(pk__in=set(household_ids)))
        if len(households) != len(set(household_ids)):
            raise NotFound()
        subjects = [(h, h.area_id) for h in sorted(households, key=lambda h: (h.area_id, h.household_number))]
    elif area_codes:
        areas = list(Area.objects.filter(code__in=set(area_codes)))
        if len(areas) != len(set(area_codes)) or not all(code_in_scope(actor, a.code) for a in areas):
            raise NotFound()
        subjects = [(a, a.code) for a in sorted(areas, key=lambda a: a.code)]
    else:
        raise ValidationFailed(issues=[issue("cases", "required", _("Choose at least one household."))])

    by_area: dict[str, list[Any]] = defaultdict(list)
    for subject, area_code in subjects:
        by_area[area_code].append(subject)
    problems = []
    plans: list[tuple[Procedure, dict[int, Step], str, list[Any]]] = []
    for area_code, members in by_area.items():
        procedure = procedure_resolve(key=procedure_key, year=year, area_code=area_code)
        steps = _steps(procedure)
        first = steps.get(1)
        expected_subject = Subject.HOUSEHOLD if household_ids else None
        if first is None or first.kind != StepKind.APPLICATION or procedure.subject not in AREA_OR_HOUSEHOLD or (
                expected_subject and procedure.subject != expected_subject) or (
                not household_ids and procedure.subject == Subject.HOUSEHOLD):
            raise ValidationFailed(_("This procedure cannot be started here."), code="not_startable")
        if not may_act_in(actor, area_code, first):
            raise ActionForbidden()
        for subject in members:
            key = subject.pk
            case_params = params_for(subject)
            prefix = f"households[{key}]" if household_ids else f"areas[{key}]"
            problems += effects.start_problems(procedure=procedure, subject=subject, year=year, params=case_params,
                                               today=today, prefix=prefix)
            open_case = Case.objects.filter(year=year, status=CaseStatus.OPEN)
            # A household's status for a year is decided by one procedure at a time.
            open_case = (open_case.filter(procedure__effect__in=STATUS_EFFECTS)
                         if procedure.effect in STATUS_EFFECTS else open_case.filter(procedure_key=procedure_key))
            open_case = open_case.filter(household_id=key) if household_ids else open_case.filter(area_id=key,
                                                                                                   household__isnull=True)
            if open_case.exists():
                name = subject.head_name if household_ids else subject.name
                problems.append(issue(prefix, "already_open", _("%(name)s already has an open case deciding the same "
                                                                "thing for %(year)s."), name=name, year=year))
        missing = [k for k in first.evidence if k not in {u.kind for u in uploads}]
        if missing:
            problems.append(_evidence_issue(missing, first.name_zh))
        plans.append((procedure, steps, area_code, members))
    if problems:
        raise ValidationFailed(issues=problems)

    started: list[Case] = []
    for procedure, steps, area_code, members in plans:
        limit = procedure.time_limit_days
        if procedure.time_limit_param:
            limit = _days_from(procedure.time_limit_param, limit, year=year, area_code=area_code)
        batch = CaseBatch.objects.create(procedure=procedure, year=year, area_id=area_code, created_by=actor)
        cases = []
        for subject in members:
            case_params = params_for(subject)
            case = Case(procedure=procedure, procedure_key=procedure.key, year=year, batch=batch,
                        household=subject if household_ids else None, area_id=area_code, params=case_params,
                        started_on=today, clue_on=clue_on, started_by=actor, step_since=today)
            case.due_on = calendar.deadline(clue_on or today, limit, working=procedure.time_limit_working_days) if limit else None
            _enter(case, steps[1], today)
            cases.append(case)
        try:
            with transaction.atomic():
                for case in cases:
                    case.save()
        except IntegrityError as exc:
            raise ValidationFailed(_("Someone started the same procedure for one of these at the same moment."),
                                   code="already_open") from exc
        stored = _store_evidence(actor=actor, cases=cases, step=steps[1], uploads=uploads)
        for case in cases:
            _decide(case, action=DecisionAction.START, actor=actor, step=steps[1],
                    to_position=2 if 2 in steps else None, today=today, comment=comment,
                    evidence=[e for e in stored if e.case_id == case.pk])
            _audit_case(case, actor=actor, action=CASE_STARTED, params=case.params)
            _advance(case, actor=actor, steps=steps, today=today)
        started += cases
    return started


@transaction.atomic
def subject_case_start(*, actor: Any, procedure_key: str, year: int, area_code: str, subject_ref: int,
                       params: dict[str, Any] | None = None, comment: str = "",
                       today: dt.date | None = None) -> Case:
    """Start ``procedure_key`` for a subject another app keeps (a project): ``subject_ref`` is its id,
    ``area_code`` where it is. The calling app has checked the subject itself; here the procedure
    must be about that kind of subject, ``actor`` must perform its application step in
    ``area_code``, and the subject must have no open case of the procedure (also a database
    constraint). The case then stands at the second step, like one started by ``cases_start``."""
    today = _today(today)
    if not isinstance(year, int) or not 2013 <= year <= today.year + 1:
        raise ValidationFailed(issues=[issue("year", "year_range", _("The year must be between 2013 and %(max)s."),
                                             max=today.year + 1)])
    if not code_in_scope(actor, area_code):
        raise NotFound()
    procedure = procedure_resolve(key=procedure_key, year=year, area_code=area_code)
    steps = _steps(procedure)
    first = steps.get(1)
    if first is None or first.kind != StepKind.APPLICATION or subjects.handler_for(procedure.subject) is None:
        raise ValidationFailed(_("This procedure cannot be started here."), code="not_startable")
    if not may_act_in(actor, area_code, first):
        raise ActionForbidden()
    if Case.objects.filter(procedure_key=procedure_key, subject_ref=subject_ref, status=CaseStatus.OPEN).exists():
        raise ValidationFailed(_("This is already going through the procedure."), code="already_open")
    batch = CaseBatch.objects.create(procedure=procedure, year=year, area_id=area_code, created_by=actor)
    case = Case(procedure=procedure, procedure_key=procedure.key, year=year, batch=batch, area_id=area_code,
                subject_ref=subject_ref, params=dict(params or {}), started_on=today, started_by=actor,
                step_since=today)
    limit = procedure.time_limit_days
    if procedure.time_limit_param:
        limit = _days_from(procedure.time_limit_param, limit, year=year, area_code=area_code)
    case.due_on = calendar.deadline(today, limit, working=procedure.time_limit_working_days) if limit else None
    _enter(case, first, today)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:
        raise ValidationFailed(_("Someone started the same procedure for one of these at the same moment."),
                               code="already_open") from exc
    _decide(case, action=DecisionAction.START, actor=actor, step=first, to_position=2 if 2 in steps else None,
            today=today, comment=(comment or "").strip())
    _audit_case(case, actor=actor, action=CASE_STARTED, params=case.params, subject_ref=subject_ref)
    _advance(case, actor=actor, steps=steps, today=today)
    return case


# ---------------------------------------------------------------------------------------------- act


@files.atomic_with_files
def cases_act(*, actor: Any, case_ids: Iterable[int], action: str, at_position: int, comment: str = "",
              return_to: int | None = None, evidence: Iterable[tuple[str, Any]] = (),
              today: dt.date | None = None) -> list[Case]:
    """Approve, return, reject or withdraw many cases standing at the same step (position
    ``at_position``). All or nothing: one refused case refuses the whole act."""
    today = _today(today)
    comment = (comment or "").strip()
    if action not in flows.DIRECT_ACTIONS:
        raise ValidationFailed(issues=[issue("action", "unknown", _("Unknown action."))])
    if action in flows.NEEDS_REASON and not comment:
        raise ValidationFailed(issues=[issue("comment", "required", _("Give the reason."))])
    uploads = _checked_uploads(evidence)
    cases = _lock_cases(actor, case_ids)
    if any(c.status != CaseStatus.OPEN or c.position != at_position for c in cases):
        raise StepChanged()
    steps_by_procedure: dict[int, dict[int, Step]] = {}
    for case in cases:
        if not may_act(actor, case):
            raise ActionForbidden()
        if not flows.may_act_directly(case.step.kind, action):
            raise ValidationFailed(_("Cases at a public notice move on when the notice is closed; an upheld "
                                     "objection sends a case back."), code="notice_step")
        steps_by_procedure.setdefault(case.procedure_id, _steps(case.procedure))
    if action == flows.APPROVE:
        for step in {c.step for c in cases}:
            _check_batches([c for c in cases if c.step_id == step.pk], step)
    if action == flows.RETURN and (return_to is None or not flows.valid_return_target(at_position, int(return_to))):
        raise ValidationFailed(issues=[issue("return_to", "invalid", _("Choose an earlier step to return to."))])

    if action == flows.APPROVE:
        for case in cases:
            missing = _missing_evidence(case, case.step, uploads)
            if missing:
                raise ValidationFailed(issues=[_evidence_issue(missing, _case_name(case))])
    by_step: dict[int, list[Case]] = defaultdict(list)
    for case in cases:
        by_step[case.step_id].append(case)
    for group in by_step.values():
        step = group[0].step
        stored = _store_evidence(actor=actor, cases=group, step=step, uploads=uploads)
        for case in group:
            steps = steps_by_procedure[case.procedure_id]
            mine = [e for e in stored if e.case_id == case.pk]
            if action == flows.APPROVE:
                _decide(case, action=DecisionAction.APPROVE, actor=actor, step=step,
                        to_position=case.position + 1 if case.position + 1 in steps else None, today=today,
                        comment=comment, evidence=mine)
                _audit_case(case, actor=actor, action=CASE_DECIDED, decision="approve", step=step.code)
                _advance(case, actor=actor, steps=steps, today=today)
            elif action == flows.RETURN:
                target = steps[int(return_to)]
                _decide(case, action=DecisionAction.RETURN, actor=actor, step=step, to_position=target.position,
                        today=today, comment=comment, evidence=mine)
                _enter(case, target, today)
                case.version += 1
                case.save()
                _audit_case(case, actor=actor, action=CASE_DECIDED, decision="return", step=step.code, comment=comment)
            else:
                _decide(case, action=DecisionAction.REJECT if action == flows.REJECT else DecisionAction.WITHDRAW,
                        actor=actor, step=step, to_position=None, today=today, comment=comment, evidence=mine)
                case.status = CaseStatus.REJECTED if action == flows.REJECT else CaseStatus.WITHDRAWN
                case.step, case.closed_on = None, today
                case.version += 1
                case.save()
                effects.refused(case, actor=actor, today=today, action=action)
                _audit_case(case, actor=actor, action=CASE_DECIDED, decision=action, step=step.code, comment=comment)
    return cases


@files.atomic_with_files
def evidence_add(*, actor: Any, case_ids: Iterable[int], kind: str, upload: Any) -> list[Evidence]:
    """Attach a file to open cases at their current step (before approving it), by the acting role."""
    cases = _lock_cases(actor, case_ids)
    for case in cases:
        if case.status != CaseStatus.OPEN:
            raise StepChanged()
        if not may_act(actor, case):
            raise ActionForbidden()
    uploads = _checked_uploads([(kind, upload)])
    stored: list[Evidence] = []
    for step_id in {c.step_id for c in cases}:
        group = [c for c in cases if c.step_id == step_id]
        stored += _store_evidence(actor=actor, cases=group, step=group[0].step, uploads=uploads)
    return stored


# ---------------------------------------------------------------------------------------------- notices


def _posting_area(case: Case, step: Step) -> str:
    return flows.area_at_level(case.area_id, step.notice_level or step.level)


@transaction.atomic
def notice_publish(*, actor: Any, case_ids: Iterable[int], at_position: int, contact_name: str = "",
                   contact_phone: str = "", starts_on: dt.date | None = None, reason: str = "",
                   reasons: dict[int, str] | None = None, title: str = "", body: str = "",
                   today: dt.date | None = None) -> Notice:
    """Post a notice (公示) or an announcement (公告) listing cases that stand at the same notice step
    and are posted in the same area. A notice runs ``days`` from ``starts_on`` (today or later: a
    notice is never backdated); an announcement is posted today and moves its cases on at once."""
    today = _today(today)
    cases = _lock_cases(actor, case_ids)
    if any(c.status != CaseStatus.OPEN or c.position != at_position for c in cases):
        raise StepChanged()
    first = cases[0]
    step = first.step
    if not step.is_notice:
        raise ValidationFailed(_("These cases are not at a notice step."), code="not_notice_step")
    if any(c.step_id != step.pk or c.year != first.year for c in cases):
        raise ValidationFailed(_("A notice lists cases of one procedure, one step and one year."), code="mixed")
    area_code = _posting_area(first, step)
    if any(_posting_area(c, step) != area_code for c in cases):
        raise ValidationFailed(_("A notice is posted in one place: choose cases of one area."), code="mixed_areas")
    for case in cases:
        if not may_act(actor, case):
            raise ActionForbidden()
    already = on_open_notice([c.pk for c in cases])
    if already:
        raise ValidationFailed(_("%(count)s of these cases are already on a posted notice."), code="already_posted",
                               params={"count": len(already)})
    _check_batches(cases, step)
    announcement = step.kind == StepKind.ANNOUNCEMENT
    starts_on = today if announcement else (starts_on or today)
    problems = []
    if starts_on < today:
        problems.append(issue("starts_on", "backdated", _("A notice cannot start before today.")))
    elif starts_on > today + dt.timedelta(days=30):
        problems.append(issue("starts_on", "too_far", _("A notice starts within the next 30 days.")))
    contact_name, contact_phone = (contact_name or "").strip(), (contact_phone or "").strip()
    if not announcement and not contact_name:
        problems.append(issue("contact_name", "required", _("Name the office or person who receives objections.")))
    if not announcement and not contact_phone:
        problems.append(issue("contact_phone", "required", _("Give the telephone for objections.")))
    effect = first.procedure.effect
    texts: dict[int, str] = {}
    rows: dict[int, subjects.NoticeRow] = {}
    for case in cases:
        text = ((reasons or {}).get(case.pk) or reason or effects.DEFAULT_REASON[effect]).strip()[:200]
        for code in privacy.reason_problems(text):
            problems.append(issue(f"reasons[{case.pk}]", f"private_{code}", {
                "id_or_account": _("%(name)s: the reason must not contain an ID number or a bank account."),
                "phone": _("%(name)s: the reason must not contain a telephone number."),
                "health": _("%(name)s: the reason must not mention illness, disability or other health details."),
            }[code], name=_case_name(case)))
        texts[case.pk] = text
        handler = subjects.handled(case)
        if handler is not None:
            rows[case.pk] = row = handler.notice_row(case)
            if privacy.public_text_problems(row.public_text):
                problems.append(issue(f"details[{case.pk}]", "private_details", _(
                    "%(name)s: what the notice shows about it must not contain an ID number, a bank account or a "
                    "telephone number; correct it before posting."), name=row.name))
    if problems:
        raise ValidationFailed(issues=problems)

    days = 0 if announcement else max(1, notice_days_for(step, year=first.year, area_code=area_code))
    working = step.notice_working_days
    ends_on = starts_on if announcement else calendar.period_end(starts_on, days, working=working)
    area = Area.objects.get(code=area_code)
    notice = Notice.objects.create(
        procedure=first.procedure, step=step, year=first.year, area=area,
        kind=NoticeKind.ANNOUNCEMENT if announcement else NoticeKind.PUBLICITY,
        title=(title or f"{area.name}{first.year}年{first.procedure.name_zh}{step.name_zh}")[:200], body=body,
        starts_on=starts_on, ends_on=ends_on, days=days, working_days=working,
        contact_name=contact_name[:60], contact_phone=contact_phone[:30],
        status=NoticeStatus.CLOSED if announcement else NoticeStatus.OPEN, published_by=actor,
        closed_by=actor if announcement else None, closed_on=today if announcement else None,
    )
    for line, case in enumerate(sorted(cases, key=lambda c: (c.household.group_name if c.household_id else "",
                                                                _case_name(c), c.pk)), start=1):
        row = rows.get(case.pk)
        NoticeEntry.objects.create(
            notice=notice, case=case, line=line, name=(row.name if row else _case_name(case))[:100],
            group_name=(row.place if row else case.household.group_name if case.household_id else "")[:60],
            household_size=case.household.member_count if case.household_id else None,
            decision=effects.proposal_text(case), reason=texts[case.pk], details=row.details if row else {},
        )
        _decide(case, action=DecisionAction.POSTED, actor=actor, step=step, to_position=case.position, today=today,
                notice=notice)
    audit_record(actor=actor, action=NOTICE_POSTED, target_type="workflow.notice", target_id=notice.pk,
                 area_code=area_code, after={"title": notice.title, "cases": [c.pk for c in cases],
                                             "starts_on": starts_on, "ends_on": ends_on, "days": days})
    if announcement:
        for case in cases:
            steps = _steps(case.procedure)
            _decide(case, action=DecisionAction.NOTICE_PASSED, actor=actor, step=step,
                    to_position=case.position + 1 if case.position + 1 in steps else None, today=today, notice=notice)
            _advance(case, actor=actor, steps=steps, today=today)
    return notice


@transaction.atomic
def objection_file(*, notice: Notice, entry_id: int | None, filed_by_name: str, contact: str, content: str,
                   actor: Any = None, today: dt.date | None = None) -> Objection:
    """Record an objection to one household on a posted notice: from the public page (``actor``
    None) or by an official who received it in person (in the notice's area). Accepted from the
    first to the last day of the notice."""
    today = _today(today)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if actor is not None:
        if not (sees_everything(actor) or code_in_scope(actor, notice.area_id)):
            raise NotFound()
        if not may_act_in(actor, notice.area_id, notice.step):
            raise ActionForbidden()
    if notice.kind != NoticeKind.PUBLICITY or notice.status != NoticeStatus.OPEN or not (
            notice.starts_on <= today <= notice.ends_on):
        raise ValidationFailed(_("Objections are accepted from %(start)s to %(end)s while the notice is posted."),
                               code="not_accepting", params={"start": notice.starts_on, "end": notice.ends_on})
    filed_by_name, contact, content = (filed_by_name or "").strip(), (contact or "").strip(), (content or "").strip()
    problems = []
    entry = notice.entries.filter(pk=entry_id, withdrawn=False).first() if entry_id else None
    if entry is None:
        problems.append(issue("entry", "required", _("Choose the household the objection is about.")))
    if not filed_by_name or len(filed_by_name) > 60:
        problems.append(issue("filed_by_name", "required", _("Give your name (up to 60 characters).")))
    if not contact or len(contact) > 60:
        problems.append(issue("contact", "required", _("Give a telephone or address where you can be reached.")))
    if len(content) < 4 or len(content) > 2000:
        problems.append(issue("content", "length", _("Describe the objection in 4 to 2,000 characters.")))
    if problems:
        raise ValidationFailed(issues=problems)
    objection = Objection.objects.create(notice=notice, entry=entry, filed_by_name=filed_by_name, contact=contact,
                                         content=content, filed_on=today, received_by=actor)
    audit_record(actor=actor or PUBLIC, action=OBJECTION_FILED, target_type="workflow.notice", target_id=notice.pk,
                 area_code=notice.area_id, after={"objection": objection.pk, "case": entry.case_id})
    return objection


def _notice_for_staff(actor: Any, notice_id: int) -> Notice:
    notice = notice_queryset(actor=actor).select_for_update(of=("self",)).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    if not may_act_in(actor, notice.area_id, notice.step):
        raise ActionForbidden()
    return notice


@transaction.atomic
def objection_resolve(*, actor: Any, objection_id: int, upheld: bool, resolution: str,
                      today: dt.date | None = None) -> Objection:
    """Resolve an objection after checking it. Upheld: the household is taken off the notice and its
    case goes back to the step the procedure names (default: the step before the notice).
    Dismissed: the finding says why. Either way the finding is required and kept."""
    today = _today(today)
    notice_id = Objection.objects.filter(pk=objection_id).values_list("notice_id", flat=True).first()
    if notice_id is None:
        raise NotFound()
    notice = _notice_for_staff(actor, notice_id)  # locks the notice first: one resolution at a time
    objection = Objection.objects.select_for_update(of=("self",)).select_related("entry").get(pk=objection_id)
    if objection.status != ObjectionStatus.OPEN:
        raise StepChanged(_("This objection was already resolved."), code="already_resolved")
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationFailed(issues=[issue("resolution", "required", _("Write what the check found."))])
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution, objection.resolved_by, objection.resolved_on = resolution, actor, today
    objection.save()
    entry = objection.entry
    if upheld and entry is not None and not entry.withdrawn:
        entry.withdrawn = True
        entry.save(update_fields=["withdrawn"])
        case = Case.objects.select_for_update(of=("self",)).select_related("procedure").get(pk=entry.case_id)
        if case.status == CaseStatus.OPEN and case.position == notice.step.position:
            steps = _steps(case.procedure)
            target = steps[notice.step.return_to or max(1, notice.step.position - 1)]
            _decide(case, action=DecisionAction.OBJECTION_UPHELD, actor=actor, step=notice.step,
                    to_position=target.position, today=today, comment=resolution, notice=notice)
            _enter(case, target, today)
            case.version += 1
            case.save()
            _audit_case(case, actor=actor, action=CASE_DECIDED, decision="objection_upheld", comment=resolution)
    audit_record(actor=actor, action=OBJECTION_RESOLVED, target_type="workflow.notice", target_id=notice.pk,
                 area_code=notice.area_id, after={"objection": objection.pk, "status": objection.status,
                                                  "resolution": resolution})
    return objection


@transaction.atomic
def notice_close(*, actor: Any, notice_id: int, today: dt.date | None = None) -> Notice:
    """Close a notice after its last day, once every objection is resolved; its cases move on."""
    today = _today(today)
    notice = _notice_for_staff(actor, notice_id)
    if notice.status != NoticeStatus.OPEN:
        raise StepChanged(_("This notice is already closed."), code="already_closed")
    if today <= notice.ends_on:
        raise ValidationFailed(_("The notice runs until %(end)s; it can be closed from %(next)s."), code="running",
                               params={"end": notice.ends_on, "next": notice.ends_on + dt.timedelta(days=1)})
    open_count = notice.objections.filter(status=ObjectionStatus.OPEN).count()
    if open_count:
        raise ValidationFailed(_("%(count)s objection(s) are not resolved yet."), code="open_objections",
                               params={"count": open_count})
    notice.status, notice.closed_by, notice.closed_on = NoticeStatus.CLOSED, actor, today
    notice.save(update_fields=["status", "closed_by", "closed_on"])
    moved = []
    for entry in notice.entries.filter(withdrawn=False).order_by("line"):
        case = Case.objects.select_for_update(of=("self",)).select_related("procedure").get(pk=entry.case_id)
        if case.status != CaseStatus.OPEN or case.position != notice.step.position:
            continue
        steps = _steps(case.procedure)
        _decide(case, action=DecisionAction.NOTICE_PASSED, actor=actor, step=notice.step,
                to_position=case.position + 1 if case.position + 1 in steps else None, today=today, notice=notice)
        _advance(case, actor=actor, steps=steps, today=today)
        moved.append(case.pk)
    audit_record(actor=actor, action=NOTICE_CLOSED, target_type="workflow.notice", target_id=notice.pk,
                 area_code=notice.area_id, after={"moved_on": moved})
    return notice


@transaction.atomic
def case_roll_back(*, actor: Any, case_id: int, reason: str, today: dt.date | None = None) -> Case:
    """Roll back a completed risk elimination (风险消除回退): the household is monitored again; or take
    a project out of the library (its handler refuses when money was allocated to it). Done by the
    role that approved it (the last review step), with a reason."""
    today = _today(today)
    case = case_queryset(actor=actor).select_for_update(of=("self",)).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    if case.status != CaseStatus.COMPLETED or case.procedure.effect not in effects.ROLLBACK_EFFECTS:
        raise ValidationFailed(_("Only a completed risk elimination or a project's entry into the library can be "
                                 "rolled back."), code="not_rollbackable")
    reviews = [s for s in _steps(case.procedure).values() if s.kind == StepKind.REVIEW]
    if not reviews or not may_act(actor, case, reviews[-1]):
        raise ActionForbidden()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(issues=[issue("reason", "required", _("Give the reason."))])
    effects.roll_back(case, actor=actor, today=today, reason=reason)
    _decide(case, action=DecisionAction.ROLLED_BACK, actor=actor, step=None, to_position=None, today=today,
            comment=reason)
    case.status = CaseStatus.ROLLED_BACK
    case.version += 1
    case.save()
    _audit_case(case, actor=actor, action=CASE_ROLLED_BACK, reason=reason)
    return case
