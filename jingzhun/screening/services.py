"""Writes of the screening app: start and execute a run, mark a hit fixed, exempt a unit.

``screening_start`` checks and records a run (queued); ``screening_execute`` does the work —
snapshot of the database, the catalogue on the engine, and in one transaction the replacement of
the previous hits of the same year, area and rules by the new ones. Until that transaction commits
the old hits stay as they were, so a run that dies leaves the task lists untouched. Progress is
written to the run row as it goes (outside the transaction), for the page that polls.

``department_list_load`` loads another department's list (部门比对数据) from XLSX or CSV: every row
checked, nothing written when a row is bad (unless ``valid_only``), the previous list of the same
source, area and year replaced in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import within_area_q
from jingzhun.areas import codes
from jingzhun.areas.selectors import area_get
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import (
    ActionForbidden,
    DomainError,
    FieldIssue,
    NotFound,
    ValidationFailed,
    render_in,
)
from jingzhun.imports.columns import CONTROL_CHARACTERS, cell_text, normalise_header
from jingzhun.imports.readers import FileProblem, open_table
from jingzhun.registry import idcard
from jingzhun.registry.validation import ID_MESSAGES
from jingzhun.screening import catalogue
from jingzhun.screening.catalogue.base import GROUPS, Scope
from jingzhun.screening.engines import ENGINES, open_engine
from jingzhun.screening.explain import explain, plain_values
from jingzhun.screening.models import (
    DepartmentList,
    DepartmentRecord,
    DepartmentSource,
    Exemption,
    Hit,
    HitStatus,
    RunStatus,
    ScreeningRun,
)
from jingzhun.screening.runner import run_catalogue
from jingzhun.screening.selectors import hit_get

log = logging.getLogger(__name__)

RUN_STARTED = register_action("screening.run.started", _("Screening started"))
RUN_FINISHED = register_action("screening.run.finished", _("Screening results written"))
HIT_FIXED = register_action("screening.hit.fixed", _("Screening finding marked fixed"))
HIT_EXEMPTED = register_action("screening.hit.exempted", _("Screening finding exempted"))
HIT_REOPENED = register_action("screening.hit.reopened", _("Screening finding reopened"))
DEPARTMENT_LIST_LOADED = register_action("screening.department_list.loaded", _("Department list loaded"))
BATCH = 2000


def screening_start(*, actor: Any, year: int, area_code: str, groups: Iterable[str] = (),
                    engine: str = "duckdb") -> ScreeningRun:
    """Record a run for ``area_code`` (inside the actor's scope) and ``year``; nothing is computed yet."""
    if not can(actor, Capability.SCREENING_RUN):
        raise ActionForbidden()
    groups = [g for g in groups if g]
    issues = []
    if not 2010 <= int(year) <= 2100:
        issues.append(FieldIssue("year", "invalid", _("Enter a year between 2010 and 2100.")))
    unknown = [g for g in groups if g not in GROUPS and g != "quality"]
    if unknown:
        issues.append(FieldIssue("groups", "invalid", _("Unknown rule group: %(groups)s."),
                                 {"groups": ", ".join(unknown)}))
    if engine not in ENGINES:
        issues.append(FieldIssue("engine", "invalid", _("Unknown engine: %(engine)s."), {"engine": engine}))
    area = area_get(actor=actor, code=area_code)
    if issues:
        raise ValidationFailed(issues=issues)
    with transaction.atomic():
        run = ScreeningRun.objects.create(year=year, area=area, groups=groups, engine=engine, started_by=actor)
        audit_record(actor=actor, action=RUN_STARTED, target_type="screening.run", target_id=run.pk,
                     area_code=area_code, after={"year": year, "groups": groups, "engine": engine})
    return run


def _progress(run: ScreeningRun) -> Callable[[str, int, int], None]:
    def report(stage: str, done: int, total: int) -> None:
        ScreeningRun.objects.filter(pk=run.pk).update(stage=stage, done=done, total=total)

    return report


def screening_execute(run_id: int, *, engine_options: dict[str, Any] | None = None,
                      progress: Callable[[str, int, int], None] | None = None) -> ScreeningRun:
    """Compute a queued run and write its hits. Any failure marks the run failed (with the reason)
    and leaves the previous hits in place."""
    from jingzhun.screening.export import snapshot_from_database

    run = ScreeningRun.objects.select_related("area", "started_by").get(pk=run_id)
    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now(),
                                                  stage="snapshot")
    report = _progress(run)

    def both(stage: str, done: int, total: int) -> None:
        report(stage, done, total)
        if progress:
            progress(stage, done, total)

    try:
        snapshot, ids = snapshot_from_database(year=run.year, area_code=run.area_id)
        # Rules needing a department list run when a list covering the area was loaded for the year.
        rules = catalogue.select(year=run.year, area_code=run.area_id, groups=run.groups,
                                 available_data=snapshot.department_sources)
        off = [r.id for r in catalogue.select(year=run.year, area_code=run.area_id, groups=run.groups,
                                              available_data=catalogue.base.DATA_SOURCES)
               if r not in rules]
        engine = open_engine(run.engine, **(engine_options or {}))
        try:
            result = run_catalogue(snapshot, rules, engine, progress=both)
        finally:
            engine.close()
        both("writing", 0, result.hits.num_rows)
        written = _write_hits(run, rules, result.hits, ids)
        counts = result.counts()
        with transaction.atomic():
            ScreeningRun.objects.filter(pk=run.pk).update(
                status=RunStatus.DONE, finished_at=timezone.now(), stage="", persons=result.persons,
                households=snapshot.table("households").num_rows, rule_ids=[r.id for r in rules],
                rules_without_data=off, counts=counts, hit_count=written,
                seconds={k: round(v, 3) for k, v in result.seconds.items()})
            audit_record(actor=run.started_by, action=RUN_FINISHED, target_type="screening.run", target_id=run.pk,
                         area_code=run.area_id, after={"hits": written, "rules": len(rules)})
    except Exception as error:
        log.exception("screening run %s failed", run.pk)
        ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, finished_at=timezone.now(),
                                                      error=f"{type(error).__name__}: {error}"[:2000])
        raise
    run.refresh_from_db()
    return run


def _write_hits(run: ScreeningRun, rules: list, hits: Any, ids: dict[str, dict[str, int]]) -> int:
    """Replace the hits of the same year, area and rules by ``hits`` in one transaction; keep the
    exempt ones exempt and flag those marked fixed that are found again."""
    by_id = {r.id: r for r in rules}
    rule_ids = list(by_id)
    household_ids, person_ids = ids["households"], ids["persons"]
    previous = Hit.objects.filter(within_area_q("area_id", run.area_id), year=run.year, rule_id__in=rule_ids)
    fixed_before = {(rule_id, key): (note, by) for rule_id, key, note, by in previous.filter(
        status=HitStatus.FIXED).values_list("rule_id", "unit_key", "note", "resolved_by")}
    exemptions = {(e.rule_id, e.unit_key): e for e in Exemption.objects.filter(
        within_area_q("area_id", run.area_id), rule_id__in=rule_ids, revoked_at__isnull=True,
        year_from__lte=run.year).exclude(year_to__lt=run.year)}
    rows = hits.to_pylist()
    objects = []
    for row in rows:
        rule = by_id[row["rule_id"]]
        values, message_zh, message_en = explain(rule, row)
        key = row["unit_key"]
        exemption = exemptions.get((rule.id, key))
        fixed = fixed_before.get((rule.id, key))
        objects.append(Hit(
            run=run, year=run.year, rule_id=rule.id, group=rule.group, scope=str(rule.scope),
            severity=str(rule.severity), area_id=row["area_code"], unit_key=key,
            household_id=household_ids.get(row["household_number"]) if row["household_number"] else None,
            person_id=person_ids.get(key) if rule.scope == Scope.PERSON else None,
            values=plain_values(rule, values), message_zh=message_zh, message_en=message_en,
            status=HitStatus.EXEMPT if exemption else HitStatus.OPEN, exemption=exemption,
            reopened=bool(fixed) and not exemption, note=(fixed[0] if fixed else "")[:300]))
    with transaction.atomic():
        previous.delete()
        for start in range(0, len(objects), BATCH):
            Hit.objects.bulk_create(objects[start:start + BATCH])
            ScreeningRun.objects.filter(pk=run.pk).update(stage="writing", done=min(start + BATCH, len(objects)),
                                                          total=len(objects))
    return len(objects)


@transaction.atomic
def hit_mark_fixed(*, actor: Any, hit_id: int, note: str) -> Hit:
    """The village says the data or the situation was corrected; the next run checks it."""
    if not can(actor, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    hit = hit_get(actor=actor, hit_id=hit_id)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(issues=[FieldIssue("note", "required", _("Say what was corrected."))])
    if hit.status == HitStatus.EXEMPT:
        raise ValidationFailed(issues=[FieldIssue("status", "exempt", _("This finding is exempt."))])
    before = {"status": hit.status}
    hit.status, hit.note, hit.resolved_by, hit.resolved_at = HitStatus.FIXED, note[:300], actor, timezone.now()
    hit.save(update_fields=["status", "note", "resolved_by", "resolved_at"])
    audit_record(actor=actor, action=HIT_FIXED, target_type="screening.hit", target_id=hit.pk,
                 area_code=hit.area_id, before=before, after={"status": hit.status, "note": hit.note,
                                                              "rule": hit.rule_id, "unit": hit.unit_key})
    return hit


@transaction.atomic
def hit_reopen(*, actor: Any, hit_id: int) -> Hit:
    if not can(actor, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    hit = hit_get(actor=actor, hit_id=hit_id)
    if hit.status != HitStatus.FIXED:
        raise ValidationFailed(issues=[FieldIssue("status", "not_fixed", _("Only a finding marked fixed can be reopened."))])
    hit.status, hit.resolved_by, hit.resolved_at = HitStatus.OPEN, None, None
    hit.save(update_fields=["status", "resolved_by", "resolved_at"])
    audit_record(actor=actor, action=HIT_REOPENED, target_type="screening.hit", target_id=hit.pk,
                 area_code=hit.area_id, after={"status": hit.status})
    return hit


@transaction.atomic
def hit_exempt(*, actor: Any, hit_id: int, reason: str, year_to: int | None = None) -> Exemption:
    """Exempt the unit from the rule (豁免) from the hit's year on: later runs store its hits as exempt."""
    if not can(actor, Capability.SCREENING_EXEMPT):
        raise ActionForbidden()
    hit = hit_get(actor=actor, hit_id=hit_id)
    reason = (reason or "").strip()
    issues = []
    if len(reason) < 4:
        issues.append(FieldIssue("reason", "required", _("Give the reason for the exemption (at least 4 characters).")))
    if year_to is not None and year_to < hit.year:
        issues.append(FieldIssue("year_to", "invalid", _("The last year cannot be before %(year)s."), {"year": hit.year}))
    if issues:
        raise ValidationFailed(issues=issues)
    exemption = Exemption.objects.create(rule_id=hit.rule_id, unit_key=hit.unit_key, area_id=hit.area_id,
                                         household_id=hit.household_id, reason=reason[:300], year_from=hit.year,
                                         year_to=year_to, granted_by=actor)
    Hit.objects.filter(rule_id=hit.rule_id, unit_key=hit.unit_key, year__gte=hit.year).update(
        status=HitStatus.EXEMPT, exemption=exemption, resolved_by=actor, resolved_at=timezone.now())
    audit_record(actor=actor, action=HIT_EXEMPTED, target_type="screening.exemption", target_id=exemption.pk,
                 area_code=hit.area_id, after={"rule": hit.rule_id, "unit": hit.unit_key, "reason": exemption.reason,
                                               "year_from": exemption.year_from, "year_to": year_to})
    return exemption


# --- department lists (部门比对数据) ------------------------------------------------------------------

ID_HEADERS = ("身份证号", "身份证号码", "公民身份号码", "证件号码", "id_number", "ID number")
DETAIL_HEADERS = ("说明", "详情", "备注", "detail", "details", "note")
DETAIL_MAX = 500
RECORD_BATCH = 5000
ROW_PROBLEM = _("Row %(row)s, column “%(column)s”: %(reason)s")
ROW_MESSAGES = {
    "required": _("The ID number is missing."),
    "too_long": _("At most %(max)s characters."),
    "control_characters": _("The text contains invisible control characters; retype it."),
    **ID_MESSAGES,
}


@dataclass(frozen=True)
class RowProblem:
    """One bad row of a department file: its number as the spreadsheet shows it, the column (the
    header as written in the file), the field (``id_number`` or ``detail``) and the reason."""

    row: int
    column: str
    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        reason = render_in(language, ROW_MESSAGES[self.code], self.params)
        return render_in(language, ROW_PROBLEM, {"row": self.row, "column": self.column, "reason": reason})

    def issue(self) -> FieldIssue:
        return FieldIssue(f"rows[{self.row}].{self.field}", self.code, ROW_PROBLEM,
                          {"row": self.row, "column": self.column,
                           "reason": _Reason(ROW_MESSAGES[self.code], self.params)})


class _Reason:
    """A row's reason rendered in the language active when the issue is rendered."""

    def __init__(self, message: Any, params: dict[str, Any]) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


class DepartmentListRejected(ValidationFailed):
    """Rows of the file are bad: nothing was loaded. ``problems`` lists every one."""

    default_code = "department_list_rejected"
    default_message = _("Rows with problems: %(count)s. Nothing was loaded; correct them and load the file again.")
    ISSUES_SHOWN = 200  # in the error body; ``problems`` keeps them all

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(issues=[p.issue() for p in problems[:self.ISSUES_SHOWN]], params={"count": len(problems)})
        self.problems = problems


@dataclass
class DepartmentLoad:
    """What ``department_list_load`` did: the list written, the rows skipped (``valid_only``) and the
    row count of the list it replaced (None if there was none)."""

    department_list: DepartmentList
    skipped: list[RowProblem]
    replaced_rows: int | None


def _file_issue(code: str, message: Any, **params: Any) -> ValidationFailed:
    return ValidationFailed(issues=[FieldIssue("file", code, message, params)])


def _department_columns(header: list[Any]) -> tuple[int, str, int | None, str]:
    """Positions and headers of the ID-number column and of the detail column (None if absent)."""
    ids = {normalise_header(h) for h in ID_HEADERS}
    details = {normalise_header(h) for h in DETAIL_HEADERS}
    id_at: list[int] = []
    detail_at: list[int] = []
    for position, text in enumerate(header):
        key = normalise_header(text)
        if key in ids:
            id_at.append(position)
        elif key in details:
            detail_at.append(position)
    if not id_at:
        raise _file_issue("missing_column", _("The file has no ID number column (身份证号 or id_number)."))
    if len(id_at) > 1 or len(detail_at) > 1:
        raise _file_issue("duplicated_column", _("The file has two ID number columns or two detail columns."))
    detail = detail_at[0] if detail_at else None
    return (id_at[0], str(header[id_at[0]]).strip(), detail,
            str(header[detail]).strip() if detail is not None else "")


def _check_department_area(actor: Any, area_code: str) -> Any:
    if not codes.is_area_code(area_code):
        raise ValidationFailed(issues=[FieldIssue("area", "area_code", _("An area code has 12 digits."))])
    try:
        area = area_get(actor=actor, code=area_code)
    except NotFound:
        raise ValidationFailed(issues=[FieldIssue("area", "out_of_scope", _(
            "Area %(code)s is not among your areas."), {"code": area_code})]) from None
    if codes.level_of(area_code) > codes.COUNTY:
        raise ValidationFailed(issues=[FieldIssue("area", "level", _(
            "A department list covers a county or a wider area, not a township or a village."))])
    return area


def department_list_load(*, actor: Any, source: str, area: str, year: int, path: Path | str,
                         encoding: str | None = None, file_name: str = "", valid_only: bool = False,
                         progress: Callable[[int], None] | None = None) -> DepartmentLoad:
    """Load a department's list for ``area`` (a 12-digit code of a county or wider, inside the
    actor's areas) and ``year`` from an XLSX or CSV file (UTF-8, UTF-8 with BOM, GBK, GB18030).

    Columns: the ID number (身份证号 / id_number), required; a detail (说明 / detail), optional; any
    other column is ignored. Every row is checked (the ID number's length, characters, check
    character, birth date and region). When a row is bad nothing is written and
    ``DepartmentListRejected`` names every bad row, column and reason; with ``valid_only`` the bad
    rows are skipped (returned in ``skipped``) and the rest is loaded. The list replaces the one of
    the same source, area and year in the same transaction, with an audit event. Needs
    ``screening.department_load``; raises ``ValidationFailed`` for a bad source, year, area or file.
    """
    if not can(actor, Capability.DEPARTMENT_LOAD):
        raise ActionForbidden()
    issues = []
    if source not in DepartmentSource.values:
        issues.append(FieldIssue("source", "invalid", _("Unknown department list: %(source)s. Use one of: %(known)s."),
                                 {"source": source, "known": ", ".join(DepartmentSource.values)}))
    if not isinstance(year, int) or not 2010 <= year <= 2100:
        issues.append(FieldIssue("year", "invalid", _("Enter a year between 2010 and 2100.")))
    if issues:
        raise ValidationFailed(issues=issues)
    area_row = _check_department_area(actor, area)
    path = Path(path)
    try:
        table = open_table(path, encoding=encoding)
    except FileProblem as problem:
        from jingzhun.imports.services import FILE_MESSAGES

        raise _file_issue(problem.code, FILE_MESSAGES.get(problem.code, FILE_MESSAGES["not_spreadsheet"])) from None
    id_at, id_header, detail_at, detail_header = _department_columns(table.header)
    today = timezone.localdate()
    problems: list[RowProblem] = []
    with transaction.atomic():
        previous = DepartmentList.objects.select_for_update().filter(source=source, area=area_row, year=year).first()
        before = None
        if previous is not None:
            before = {"id": previous.pk, "file_name": previous.file_name, "rows": previous.row_count,
                      "loaded_by": previous.loaded_by_id, "loaded_at": previous.loaded_at}
            previous.delete()
        try:
            loaded = DepartmentList.objects.create(source=source, area=area_row, year=year, loaded_by=actor,
                                                   file_name=(file_name or path.name)[:255])
        except IntegrityError:  # someone loaded the same source, area and year at the same moment
            busy = DomainError(_("Someone else loaded this list at the same moment; load the file again."),
                               code="conflict")
            busy.status = 409
            raise busy from None
        batch: list[DepartmentRecord] = []
        count = 0
        try:
            for number, cells in table.rows:
                texts = [cell_text(c) for c in cells]
                if not any(texts):
                    continue
                raw = texts[id_at] if id_at < len(texts) else ""
                detail = texts[detail_at] if detail_at is not None and detail_at < len(texts) else ""
                base, found = _check_department_row(number, raw, detail, id_header, detail_header, today)
                if found:
                    problems.extend(found)
                    continue
                batch.append(DepartmentRecord(department_list=loaded, row=number, id_number=base, detail=detail))
                count += 1
                if len(batch) >= RECORD_BATCH:
                    if not problems or valid_only:
                        DepartmentRecord.objects.bulk_create(batch)
                    batch = []
                    if progress:
                        progress(count)
        except FileProblem as problem:
            from jingzhun.imports.services import FILE_MESSAGES

            raise _file_issue(problem.code, FILE_MESSAGES.get(problem.code, FILE_MESSAGES["not_spreadsheet"])) from None
        if problems and not valid_only:
            raise DepartmentListRejected(problems)
        if count == 0:
            if problems:
                raise DepartmentListRejected(problems)
            raise _file_issue("no_rows", _("The file has no rows below its header."))
        DepartmentRecord.objects.bulk_create(batch)
        if progress:
            progress(count)
        loaded.row_count = count
        loaded.save(update_fields=["row_count"])
        audit_record(actor=actor, action=DEPARTMENT_LIST_LOADED, target_type="screening.department_list",
                     target_id=loaded.pk, area_code=area_row.code, before=before,
                     after={"source": source, "year": year, "file_name": loaded.file_name, "rows": count,
                            "skipped": len(problems)})
    return DepartmentLoad(loaded, problems, before["rows"] if before else None)


def _check_department_row(number: int, raw: str, detail: str, id_header: str, detail_header: str,
                          today: Any) -> tuple[str, list[RowProblem]]:
    """The row's 18-character ID number (upper case) and its problems."""
    found = []
    base = ""
    if not raw:
        found.append(RowProblem(number, id_header, "id_number", "required"))
    else:
        check = idcard.check_id_number(raw, today=today)
        base = check.base
        if check.error:
            found.append(RowProblem(number, id_header, "id_number", check.error))
    if CONTROL_CHARACTERS.search(detail):
        found.append(RowProblem(number, detail_header, "detail", "control_characters"))
    elif len(detail) > DETAIL_MAX:
        found.append(RowProblem(number, detail_header, "detail", "too_long", {"max": DETAIL_MAX}))
    return base, found
