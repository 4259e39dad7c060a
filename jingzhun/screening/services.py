"""Writes of the screening app: start and execute a run, mark a hit fixed, exempt a unit.

``screening_start`` checks and records a run (queued); ``screening_execute`` does the work —
snapshot of the database, the catalogue on the engine, and in one transaction the replacement of
the previous hits of the same year, area and rules by the new ones. Until that transaction commits
the old hits stay as they were, so a run that dies leaves the task lists untouched. Progress is
written to the run row as it goes (outside the transaction), for the page that polls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import within_area_q
from jingzhun.areas.selectors import area_get
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden, FieldIssue, ValidationFailed
from jingzhun.screening import catalogue
from jingzhun.screening.catalogue.base import GROUPS, Scope
from jingzhun.screening.engines import ENGINES, open_engine
from jingzhun.screening.explain import explain, plain_values
from jingzhun.screening.models import Exemption, Hit, HitStatus, RunStatus, ScreeningRun
from jingzhun.screening.runner import run_catalogue
from jingzhun.screening.selectors import hit_get

log = logging.getLogger(__name__)

RUN_STARTED = register_action("screening.run.started", _("Screening started"))
RUN_FINISHED = register_action("screening.run.finished", _("Screening results written"))
HIT_FIXED = register_action("screening.hit.fixed", _("Screening finding marked fixed"))
HIT_EXEMPTED = register_action("screening.hit.exempted", _("Screening finding exempted"))
HIT_REOPENED = register_action("screening.hit.reopened", _("Screening finding reopened"))
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
        rules = catalogue.select(year=run.year, area_code=run.area_id, groups=run.groups)
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
