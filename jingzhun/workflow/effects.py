"""What a procedure requires of its subject before it starts, and what completing it changes.

Effects write through the registry's and the areas' services (``household_year_apply_decision``,
``area_year_apply_decision``), so every result is validated, locked, logged as a status event and
audited like any other change. A subject kept by another app (a project) is changed through the
handler that app registered (``workflow.subjects``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext_lazy as _

from jingzhun.areas import codes
from jingzhun.areas.services import area_year_apply_decision
from jingzhun.core.exceptions import FieldIssue, NotFound, issue
from jingzhun.policy.models import ParameterKind
from jingzhun.policy.selectors import policy_value
from jingzhun.registry import codelists, validation
from jingzhun.registry.models import HouseholdYear, PersonYear, StatusEvent
from jingzhun.registry.services import HOUSEHOLD_YEAR_FIELDS, household_year_apply_decision
from jingzhun.workflow import subjects
from jingzhun.workflow.models import Case, Effect, Procedure

NO_LABOUR = ("lost", "none")
# Fields that only the status-deciding procedures (with their public notices) may set.
STATUS_FIELDS = ("status", "identification_year", "identification_standard", "exit_year", "returned_year",
                 "monitoring_type", "monitoring_since", "risks", "elimination_method", "risk_eliminated_on")
POOR_NOW = ("poor", "pre_exit", "returned")
# Results that can be undone after completion (风险消除回退; a project taken out of the library).
ROLLBACK_EFFECTS = (Effect.ELIMINATE_RISK, Effect.PROJECT_LIBRARY)

# What the notice says is proposed (the notice is a Chinese public document).
PROPOSAL_TEXT = {
    Effect.IDENTIFY: "拟识别为贫困户",
    Effect.EXIT: "拟退出（标注脱贫）",
    Effect.VILLAGE_EXIT: "拟退出贫困村",
    Effect.COUNTY_EXIT: "拟退出贫困县",
    Effect.MONITOR: "拟纳入防止返贫监测对象",
    Effect.ELIMINATE_RISK: "拟标注风险消除",
    Effect.DIBAO: "拟纳入农村最低生活保障",
    Effect.DATA_CHANGE: "数据变更",
    Effect.PROJECT_LIBRARY: "拟纳入脱贫攻坚项目库",
}
DEFAULT_REASON = {
    Effect.IDENTIFY: "经民主评议和核实，符合识别标准",
    Effect.EXIT: "人均纯收入稳定超过当年标准，两不愁三保障有保障",
    Effect.VILLAGE_EXIT: "贫困发生率降至退出标准以下",
    Effect.COUNTY_EXIT: "贫困发生率降至退出标准以下",
    Effect.MONITOR: "经核查存在返贫致贫风险",
    Effect.ELIMINATE_RISK: "收入持续稳定，风险已稳定消除",
    Effect.DIBAO: "家庭人均收入低于当地低保标准",
    Effect.DATA_CHANGE: "",
    Effect.PROJECT_LIBRARY: "经审核论证，符合入库条件",
}


def _code_ok(list_key: str, code: Any) -> bool:
    return bool(code) and codelists.is_valid(list_key, str(code))


def proposal_text(case: Case) -> str:
    """What the notice says is proposed for ``case``; a monitoring case names its type."""
    text = PROPOSAL_TEXT[case.procedure.effect]
    kind = str(case.params.get("monitoring_type") or "")
    if case.procedure.effect == Effect.MONITOR and codelists.is_valid("monitoring_type", kind):
        text = f"{text}（{codelists.label('monitoring_type', kind, 'zh-hans')}）"
    return text


def _year_record(household_id: int, year: int) -> HouseholdYear | None:
    return HouseholdYear.objects.filter(household_id=household_id, year=year).first()


def _latest_record(household_id: int, year: int) -> HouseholdYear | None:
    return HouseholdYear.objects.filter(household_id=household_id, year__lte=year).order_by("-year").first()


def _whole_household_without_labour(household_id: int, year: int, record: HouseholdYear | None) -> bool:
    if record is not None and record.no_labour_guaranteed:
        return True
    abilities = list(PersonYear.objects.filter(person__household_id=household_id, person__status="active", year=year)
                     .values_list("labour_ability", flat=True))
    return bool(abilities) and all(a in NO_LABOUR for a in abilities)


def start_problems(*, procedure: Procedure, subject: Any, year: int, params: dict[str, Any], today: dt.date,
                   prefix: str) -> list[FieldIssue]:
    """Why ``subject`` (a Household, or an Area for village and county exits) cannot enter
    ``procedure`` for ``year``; empty when it can. ``params`` are the case's parameters."""
    effect = procedure.effect
    if effect == Effect.VILLAGE_EXIT:
        return [] if codes.level_of(subject.code) == codes.VILLAGE else [
            issue(prefix, "not_village", _("A village exit is started for a village."))]
    if effect == Effect.COUNTY_EXIT:
        return [] if codes.level_of(subject.code) == codes.COUNTY else [
            issue(prefix, "not_county", _("A county exit is started for a county."))]
    record = _year_record(subject.pk, year)
    status = record.status if record else ""
    problems: list[FieldIssue] = []
    if effect == Effect.IDENTIFY:
        if status in POOR_NOW:
            problems.append(issue(prefix, "already_poor", _("%(name)s is already registered as poor for %(year)s."),
                                  name=subject.head_name, year=year))
        latest = record or _latest_record(subject.pk, year)
        if not (params.get("main_cause") or (latest and latest.main_cause)):
            problems.append(issue(f"{prefix}.main_cause", "required",
                                  _("Give the main cause of poverty of %(name)s."), name=subject.head_name))
        elif params.get("main_cause") and not _code_ok("poverty_cause", params["main_cause"]):
            problems.append(issue(f"{prefix}.main_cause", "unknown_code", _("Unknown cause of poverty.")))
    elif effect == Effect.EXIT:
        if status not in POOR_NOW:
            problems.append(issue(prefix, "not_poor", _("%(name)s is not registered as poor for %(year)s."),
                                  name=subject.head_name, year=year))
        elif year in (record.identification_year, record.returned_year):
            problems.append(issue(prefix, "new_this_year",
                                  _("%(name)s was identified or returned to poverty in %(year)s and cannot exit in the "
                                    "same year."), name=subject.head_name, year=year))
    elif effect == Effect.MONITOR:
        if status == "monitored":
            problems.append(issue(prefix, "already_monitored", _("%(name)s is already monitored for %(year)s."),
                                  name=subject.head_name, year=year))
        if not _code_ok("monitoring_type", params.get("monitoring_type")):
            problems.append(issue(f"{prefix}.monitoring_type", "required", _("Choose the monitoring type.")))
        risks = params.get("risks") or []
        if not isinstance(risks, list):
            risks = [risks]
            problems.append(issue(f"{prefix}.risks", "invalid", _("Risks are given as a list of codes.")))
        for risk in risks:
            if not _code_ok("risk_type", risk):
                problems.append(issue(f"{prefix}.risks", "unknown_code", _("Unknown risk type %(value)s."), value=risk))
    elif effect == Effect.ELIMINATE_RISK:
        problems += _elimination_problems(subject, year, record, params, today, prefix)
    elif effect == Effect.DATA_CHANGE:
        problems += _change_problems(subject, params, prefix)
    if not problems and effect in (Effect.IDENTIFY, Effect.EXIT, Effect.MONITOR, Effect.ELIMINATE_RISK, Effect.DIBAO):
        problems += _result_problems(subject, year, record, params, today, effect, prefix)
    return problems


def _result_problems(subject: Any, year: int, record: HouseholdYear | None, params: dict[str, Any], today: dt.date,
                     effect: str, prefix: str) -> list[FieldIssue]:
    """Check now that the year record the procedure will write is valid, so that a case never
    reaches its last step with a result the registry would refuse."""
    probe = Case(procedure=Procedure(effect=effect), household_id=subject.pk, year=year, params=params)
    changes, _extra, _kind = _household_changes(probe, today)
    merged = {**({k: getattr(record, k) for k in HOUSEHOLD_YEAR_FIELDS} if record else {}), **changes, "year": year}
    found, _cleaned = validation.check_household_year(merged, prefix=f"{prefix}.result.")
    return found


def _measure_applied(household_id: int, year: int) -> bool:
    """Whether the household's plan (assistance app) has a measure under way or done in ``year``."""
    from jingzhun.assistance.models import Measure, MeasureStatus

    return Measure.objects.filter(plan__household_id=household_id, plan__year=year,
                                  status__in=(MeasureStatus.UNDER_WAY, MeasureStatus.DONE)).exists()


def _elimination_problems(subject: Any, year: int, record: HouseholdYear | None, params: dict[str, Any],
                          today: dt.date, prefix: str) -> list[FieldIssue]:
    problems: list[FieldIssue] = []
    if record is None or record.status != "monitored":
        return [issue(prefix, "not_monitored", _("%(name)s is not a monitored household in %(year)s."),
                      name=subject.head_name, year=year)]
    months = int(policy_value(kind=ParameterKind.RISK_ELIMINATION_MIN_MONTHS, year=year, area_code=subject.area_id))
    since = record.monitoring_since
    if since is None or since + relativedelta(months=months) > today:
        problems.append(issue(prefix, "too_soon",
                              _("%(name)s has been monitored for less than %(months)s months (since %(since)s)."),
                              name=subject.head_name, months=months, since=since or "—"))
    if not _measure_applied(subject.pk, year) and not [m for m in params.get("measures") or [] if str(m).strip()]:
        problems.append(issue(f"{prefix}.measures", "no_measure",
                              _("%(name)s's plan has no measure under way or done this year; record it in the plan "
                                "or name at least one assistance measure that was applied."),
                              name=subject.head_name))
    if not _code_ok("elimination_method", params.get("method")):
        problems.append(issue(f"{prefix}.method", "required", _("Choose how the risk was eliminated.")))
    if _whole_household_without_labour(subject.pk, year, record):
        problems.append(issue(prefix, "no_labour",
                              _("No member of %(name)s's household can work: its risk is not marked as eliminated "
                                "(the household stays under guaranteed assistance)."), name=subject.head_name))
    return problems


def _change_problems(subject: Any, params: dict[str, Any], prefix: str) -> list[FieldIssue]:
    year = params.get("target_year")
    changes = params.get("changes") or {}
    record = _year_record(subject.pk, int(year)) if str(year or "").isdigit() else None
    if record is None:
        return [issue(f"{prefix}.target_year", "no_record", _("There is no yearly record of %(year)s to change."),
                      year=year or "—")]
    if not record.locked:
        return [issue(f"{prefix}.target_year", "not_locked",
                      _("The record of %(year)s is not locked: edit it directly."), year=year)]
    if not isinstance(changes, dict):
        return [issue(f"{prefix}.changes", "invalid", _("Name the fields to change."))]
    unknown = [k for k in changes if k not in HOUSEHOLD_YEAR_FIELDS]
    if not changes or unknown:
        return [issue(f"{prefix}.changes", "unknown_field", _("Name the fields to change (unknown: %(names)s)."),
                      names=", ".join(unknown) or "—")]
    deciding = [k for k in changes if k in STATUS_FIELDS and str(changes[k] or "") != str(getattr(record, k) or "")]
    if deciding:
        return [issue(f"{prefix}.changes", "status_field",
                      _("%(names)s are decided by identification, exit, monitoring or risk elimination, each with its "
                        "public notice; a data change cannot set them."), names=", ".join(deciding))]
    merged = {**{k: getattr(record, k) for k in HOUSEHOLD_YEAR_FIELDS}, **changes, "year": record.year}
    found, _cleaned = validation.check_household_year(merged, prefix=f"{prefix}.changes.")
    return found


def _household_changes(case: Case, today: dt.date) -> tuple[dict[str, Any], dict[str, Any], str]:
    effect, year, params = case.procedure.effect, case.year, case.params
    latest = _latest_record(case.household_id, year)
    if effect == Effect.IDENTIFY:
        changes = {"status": "poor", "identification_year": year,
                   "identification_standard": params.get("standard") or "1"}
        if params.get("main_cause"):
            changes["main_cause"] = params["main_cause"]
        elif latest and latest.main_cause and not _year_record(case.household_id, year):
            changes["main_cause"] = latest.main_cause
        return changes, {}, StatusEvent.Kind.IDENTIFIED
    if effect == Effect.EXIT:
        return {"status": "exited", "exit_year": year}, {}, StatusEvent.Kind.EXITED
    if effect == Effect.MONITOR:
        return ({"status": "monitored", "monitoring_type": params["monitoring_type"],
                 "monitoring_since": case.clue_on or today, "risks": list(params.get("risks") or [])},
                {}, StatusEvent.Kind.MONITORED)
    if effect == Effect.ELIMINATE_RISK:
        return ({"status": "risk_eliminated", "elimination_method": params["method"], "risk_eliminated_on": today},
                {}, StatusEvent.Kind.RISK_ELIMINATED)
    if effect == Effect.DIBAO:
        first_of_next_month = (today.replace(day=1) + relativedelta(months=1))
        return {}, {"dibao_since": first_of_next_month}, StatusEvent.Kind.DIBAO_GRANTED
    raise ValueError(effect)


def apply(case: Case, *, actor: Any, today: dt.date) -> None:
    """Write the result of the completed ``case`` (status for the year, event log, lock; for a
    project, the handler of ``funds`` puts it in the library)."""
    handler = subjects.handled(case)
    if handler is not None:
        handler.apply(case, actor, today)
        return
    effect = case.procedure.effect
    note = f"{case.procedure.name_zh} #{case.pk}"
    if effect in (Effect.VILLAGE_EXIT, Effect.COUNTY_EXIT):
        area_year_apply_decision(actor=actor, area_code=case.area_id, year=case.year, standing="exited",
                                 exit_year=case.year, decided_on=today, note=note)
        return
    if effect == Effect.DATA_CHANGE:
        household_year_apply_decision(actor=actor, household_id=case.household_id,
                                      year=int(case.params["target_year"]), changes=case.params["changes"],
                                      event_kind=StatusEvent.Kind.DATA_CHANGED, occurred_on=today, note=note)
        return
    changes, extra, kind = _household_changes(case, today)
    household_year_apply_decision(actor=actor, household_id=case.household_id, year=case.year, changes=changes,
                                  event_kind=kind, occurred_on=today, note=note, extra=extra)


def refused(case: Case, *, actor: Any, today: dt.date, action: str) -> None:
    """A case was rejected or withdrawn (``action``): nothing to undo for households and areas, whose
    results are written only on completion; a project is marked as not going into the library."""
    handler = subjects.handled(case)
    if handler is not None:
        handler.refused(case, actor, today, action)


def roll_back(case: Case, *, actor: Any, today: dt.date, reason: str) -> None:
    """Undo a risk elimination (风险消除回退): the household is monitored again for the year. A
    project's handler takes the project out of the library (or refuses, when money went to it)."""
    handler = subjects.handled(case)
    if handler is not None and case.procedure.effect in ROLLBACK_EFFECTS:
        handler.roll_back(case, actor, today, reason)
        return
    if case.procedure.effect != Effect.ELIMINATE_RISK:
        raise NotFound()
    household_year_apply_decision(
        actor=actor, household_id=case.household_id, year=case.year,
        changes={"status": "monitored", "elimination_method": "", "risk_eliminated_on": None},
        event_kind=StatusEvent.Kind.RISK_ELIMINATION_ROLLED_BACK, occurred_on=today,
        note=f"{case.procedure.name_zh} #{case.pk}: {reason}",
    )
