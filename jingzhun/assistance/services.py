"""The only write path of units, cadres and pairings. Every write is audited in its transaction.

Rules (domain §1.8):
* a cadre is identified by a valid ID number, once; a person registered as poor or monitored
  (贫困人口) cannot be a cadre;
* a pairing is time-bounded: changing a household's cadre ends the current pairing the day before
  the new one starts and writes a new line, so the history is kept; periods never overlap;
* the household, the cadre and the unit must lie inside the actor's areas;
* a resident work team has at least ``TEAM_MIN_MEMBERS`` members and a term of at least
  ``TEAM_TERM_YEARS`` years (domain §1.8, §3.7: 中办/国办 2017 guidance), one team per village at a time;
* plans and measures, and visits, are written by officers who edit the registry in the household's
  area or by the household's current cadre.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import code_in_scope
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.assistance import balance, matching
from jingzhun.assistance.catalogue import KIND_BY_CODE
from jingzhun.assistance.models import (
    FUNDING_SOURCES,
    AssistanceUnit,
    Cadre,
    Measure,
    MeasureStatus,
    Pairing,
    Plan,
    TeamMember,
    TeamRole,
    UnitLevel,
    Visit,
    VisitPhoto,
    WorkTeam,
)
from jingzhun.assistance.selectors import (
    NEEDS_CADRE,
    cadre_loads,
    cadre_queryset,
    cause_label,
    current_cadre,
    current_q,
    household_facts,
    households_without_cadre,
    my_cadre,
    risk_label,
    unit_queryset,
)
from jingzhun.core import clock, files
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden, NotFound, ValidationFailed, issue
from jingzhun.registry import idcard, validation
from jingzhun.registry.models import Household, HouseholdYear, Person
from jingzhun.registry.selectors import household_queryset

UNIT_SAVED = register_action("assistance.unit.saved", _("Assistance unit saved"))
CADRE_REGISTERED = register_action("assistance.cadre.registered", _("Assistance cadre registered"))
PAIRING_STARTED = register_action("assistance.pairing.started", _("Cadre paired with a household"))
PAIRING_ENDED = register_action("assistance.pairing.ended", _("Pairing ended"))
TEAM_MIN_MEMBERS = 3
TEAM_TERM_YEARS = 2



def _require(actor: Any) -> None:
    if not can(actor, Capability.REGISTRY_EDIT):
        raise ActionForbidden()


def _area_in_scope(actor: Any, code: str, field_name: str) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None or not code_in_scope(actor, code):
        raise ValidationFailed(issues=[issue(field_name, "area_scope", _("This area does not exist or is outside your areas."))])
    return area


@transaction.atomic
def unit_save(*, actor: Any, name: str, level: str, area_code: str, village_codes: Sequence[str] = (),
              unit_id: int | None = None) -> AssistanceUnit:
    """Create or change a unit and the villages it assists (all inside the actor's areas)."""
    _require(actor)
    name = (name or "").strip()
    problems = []
    if not name or len(name) > 100:
        problems.append(issue("name", "required", _("Give the unit's name (up to 100 characters).")))
    if level not in UnitLevel.values:
        problems.append(issue("level", "unknown_code", _("Choose the unit's level.")))
    if problems:
        raise ValidationFailed(issues=problems)
    area = _area_in_scope(actor, area_code, "area")
    villages = [_area_in_scope(actor, code, "villages") for code in village_codes]
    unit = AssistanceUnit.objects.filter(pk=unit_id).first() if unit_id else AssistanceUnit()
    if unit is None or (unit.pk and not code_in_scope(actor, unit.area_id)):
        raise NotFound()
    if AssistanceUnit.objects.filter(area=area, name=name).exclude(pk=unit.pk).exists():
        raise ValidationFailed(issues=[issue("name", "duplicate", _("A unit of this name is already registered here."))])
    unit.name, unit.level, unit.area = name, level, area
    unit.save()
    unit.villages.set(villages)
    audit_record(actor=actor, action=UNIT_SAVED, target_type="assistance.unit", target_id=unit.pk, area_code=area.code,
                 after={"name": name, "level": level, "villages": [v.code for v in villages]})
    return unit


def _registered_poor(id_base: str, today: dt.date) -> bool:
    """Whether this identity belongs to an active member of a household that is poor or monitored in
    its latest yearly record."""
    person = Person.objects.filter(id_base=id_base, status="active").select_related("household").first()
    if person is None:
        return False
    latest = (HouseholdYear.objects.filter(household_id=person.household_id, year__lte=today.year + 1)
              .order_by("-year").values_list("status", flat=True).first())
    return latest in NEEDS_CADRE


@transaction.atomic
def cadre_register(*, actor: Any, data: Mapping[str, Any], today: dt.date | None = None) -> Cadre:
    """Register a cadre: name, ID number (checked, once), phone, unit (in scope), the area they work in.
    Refused for a person registered as poor or monitored."""
    _require(actor)
    today = today or clock.today()
    problems = []
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 60:
        problems.append(issue("name", "required", _("Give the cadre's name.")))
    check = idcard.check_resident_id(str(data.get("id_number") or ""), today=today)
    if check.error:
        problems.append(issue("id_number", f"id_{check.error}", validation.ID_MESSAGES[check.error]))
    elif Cadre.objects.filter(id_base=check.base).exists():
        problems.append(issue("id_number", "duplicate_cadre", _("This person is already registered as a cadre.")))
    elif _registered_poor(check.base, today):
        problems.append(issue("id_number", "registered_poor",
                              _("This person is registered in a poor or monitored household and cannot be an "
                                "assistance cadre.")))
    phone = str(data.get("phone") or "").strip()
    problems += validation.check_phone(phone, "phone") if phone else [
        issue("phone", "required", _("Give the cadre's phone, so that the household can reach them."))]
    unit = AssistanceUnit.objects.filter(pk=data.get("unit_id")).first() if str(data.get("unit_id") or "").isdigit() else None
    if unit is None or not code_in_scope(actor, unit.area_id):
        problems.append(issue("unit_id", "unknown", _("Choose a unit registered in your areas.")))
    if problems:
        raise ValidationFailed(issues=problems)
    area = _area_in_scope(actor, str(data.get("area_code") or ""), "area_code")
    cadre = Cadre.objects.create(
        name=name, sex=check.sex or "", id_number=check.number, id_base=check.base, phone=phone,
        political_status=str(data.get("political_status") or "")[:20], rank=str(data.get("rank") or "")[:40],
        specialty=str(data.get("specialty") or "")[:100], unit=unit, is_resident=bool(data.get("is_resident")),
        area=area,
    )
    audit_record(actor=actor, action=CADRE_REGISTERED, target_type="assistance.cadre", target_id=cadre.pk,
                 area_code=area.code, after={"name": name, "id_number": check.number, "unit": unit.name})
    return cadre


def _pair(*, actor: Any, household: Household, cadre: Cadre, starts_on: dt.date, note: str) -> Pairing:
    """End the household's current pairing the day before ``starts_on`` and write the new one."""
    if Pairing.objects.filter(household=household, starts_on__gte=starts_on).exists():
        raise ValidationFailed(issues=[issue("starts_on", "overlap", _(
            "%(name)s already has a pairing starting on or after %(date)s; a new pairing starts later."),
            name=household.head_name, date=starts_on)])
    current = Pairing.objects.select_for_update().filter(household=household, ends_on__isnull=True).first()
    if current is not None:
        if current.cadre_id == cadre.pk:
            return current
        current.ends_on = starts_on - dt.timedelta(days=1)
        current.save(update_fields=["ends_on", "updated_at"])
        audit_record(actor=actor, action=PAIRING_ENDED, target_type="registry.household", target_id=household.pk,
                     area_code=household.area_id,
                     after={"pairing": current.pk, "cadre": current.cadre.name, "ends_on": current.ends_on,
                            "reason": "replaced"})
    pairing = Pairing.objects.create(household=household, cadre=cadre, starts_on=starts_on, note=note[:200],
                                     created_by=actor)
    audit_record(actor=actor, action=PAIRING_STARTED, target_type="registry.household", target_id=household.pk,
                 area_code=household.area_id,
                 after={"pairing": pairing.pk, "cadre": cadre.name, "cadre_id": cadre.pk, "starts_on": starts_on})
    return pairing


def _cadre_for(actor: Any, cadre_id: int) -> Cadre:
    cadre = cadre_queryset(actor=actor).filter(pk=cadre_id, active=True).first()
    if cadre is None:
        raise NotFound()
    return cadre


@transaction.atomic
def pairing_assign(*, actor: Any, household_id: int, cadre_id: int, starts_on: dt.date | None = None,
                   note: str = "", today: dt.date | None = None) -> Pairing:
    """Pair a cadre with a household from ``starts_on`` (default today); a previous cadre's pairing
    ends the day before."""
    _require(actor)
    starts_on = starts_on or today or clock.today()
    household = household_queryset(actor=actor).select_for_update(of=("self",)).filter(pk=household_id).first()
    if household is None:
        raise NotFound()
    cadre = _cadre_for(actor, cadre_id)
    return _pair(actor=actor, household=household, cadre=cadre, starts_on=starts_on, note=note)


@transaction.atomic
def pairing_end(*, actor: Any, pairing_id: int, ends_on: dt.date, reason: str) -> Pairing:
    """End a pairing (the household exited, the cadre left…), with the reason."""
    _require(actor)
    pairing = (Pairing.objects.select_for_update(of=("self",)).select_related("household", "cadre")
               .filter(pk=pairing_id).first())
    if pairing is None or not code_in_scope(actor, pairing.household.area_id):
        raise NotFound()
    reason = (reason or "").strip()
    problems = []
    if not reason:
        problems.append(issue("reason", "required", _("Give the reason.")))
    if pairing.ends_on is not None:
        problems.append(issue("ends_on", "ended", _("This pairing has already ended.")))
    elif ends_on < pairing.starts_on:
        problems.append(issue("ends_on", "before_start", _("A pairing cannot end before it started.")))
    if problems:
        raise ValidationFailed(issues=problems)
    pairing.ends_on = ends_on
    pairing.save(update_fields=["ends_on", "updated_at"])
    audit_record(actor=actor, action=PAIRING_ENDED, target_type="registry.household", target_id=pairing.household_id,
                 area_code=pairing.household.area_id,
                 after={"pairing": pairing.pk, "cadre": pairing.cadre.name, "ends_on": ends_on, "reason": reason})
    return pairing


def pairing_suggest(*, actor: Any, village_code: str, cadre_ids: Sequence[int], year: int,
                    today: dt.date | None = None) -> dict[int, int]:
    """A balanced suggestion for the village's households that have no cadre: household id → cadre id,
    giving each household to the cadre with the fewest households (those already paired included)."""
    today = today or clock.today()
    cadres = [_cadre_for(actor, cadre_id) for cadre_id in cadre_ids]
    waiting = list(households_without_cadre(actor=actor, year=year, on=today, area_code=village_code)
                   .values_list("pk", flat=True))
    return balance.balanced_assignment(waiting, cadre_loads(cadre_ids=[c.pk for c in cadres], on=today))


@transaction.atomic
def pairings_assign_bulk(*, actor: Any, assignments: Mapping[int, int], starts_on: dt.date | None = None,
                         today: dt.date | None = None) -> list[Pairing]:
    """Pair many households at once (household id → cadre id), all or nothing."""
    _require(actor)
    starts_on = starts_on or today or clock.today()
    households = {h.pk: h for h in household_queryset(actor=actor).select_for_update(of=("self",))
                  .filter(pk__in=list(assignments))}
    if len(households) != len(assignments):
        raise NotFound()
    cadres = {cadre_id: _cadre_for(actor, cadre_id) for cadre_id in set(assignments.values())}
    return [_pair(actor=actor, household=households[h], cadre=cadres[c], starts_on=starts_on, note="")
            for h, c in sorted(assignments.items())]


# --- Resident work teams (驻村工作队) ----------------------------------------------------------------

TEAM_SAVED = register_action("assistance.team.saved", _("Resident work team sent"))
TEAM_MEMBER_CHANGED = register_action("assistance.team.member", _("Work team member joined or left"))
TEAM_RECALLED = register_action("assistance.team.recalled", _("Resident work team recalled"))


@transaction.atomic
def team_send(*, actor: Any, village_code: str, unit_id: int, starts_on: dt.date,
              members: Sequence[tuple[int, str]], ends_on: dt.date | None = None) -> WorkTeam:
    """Send a work team to a village: the unit, the term (at least ``TEAM_TERM_YEARS`` years; by
    default exactly that) and the members as (cadre id, role) — at least ``TEAM_MIN_MEMBERS``, one 第一书记
    at most, every one resident. Refused while another team's term covers ``starts_on`` in the village."""
    _require(actor)
    village = _area_in_scope(actor, village_code, "village")
    problems = []
    if village.level != AreaLevel.VILLAGE:
        problems.append(issue("village", "not_village", _("A work team is sent to a village.")))
    unit = unit_queryset(actor=actor).filter(pk=unit_id).first()
    if unit is None:
        problems.append(issue("unit_id", "unknown", _("Choose a unit registered in your areas.")))
    minimum_end = starts_on + relativedelta(years=TEAM_TERM_YEARS)
    ends_on = ends_on or minimum_end
    if ends_on < minimum_end:
        problems.append(issue("ends_on", "term_short", _("A work team's term is at least %(years)s years (until %(date)s "
                                                         "or later)."), years=TEAM_TERM_YEARS, date=minimum_end))
    ids = [cadre_id for cadre_id, _role in members]
    if len(set(ids)) < TEAM_MIN_MEMBERS:
        problems.append(issue("members", "too_few", _("A work team has at least %(n)s members."), n=TEAM_MIN_MEMBERS))
    if len(set(ids)) != len(ids):
        problems.append(issue("members", "duplicate", _("A cadre is listed twice.")))
    roles = [role for _cadre, role in members]
    if any(role not in TeamRole.values for role in roles):
        problems.append(issue("members", "unknown_code", _("Choose each member's role.")))
    if roles.count(TeamRole.FIRST_SECRETARY) > 1 or roles.count(TeamRole.LEADER) > 1:
        problems.append(issue("members", "one_leader", _("A team has one leader and one first secretary at most.")))
    if WorkTeam.objects.filter(village=village, starts_on__lte=ends_on, ends_on__gte=starts_on,
                               recalled_on__isnull=True).exists():
        problems.append(issue("starts_on", "overlap", _("Another work team's term in this village covers these dates; "
                                                        "recall it first.")))
    if problems:
        raise ValidationFailed(issues=problems)
    cadres = [_cadre_for(actor, cadre_id) for cadre_id in ids]
    busy = (TeamMember.objects.filter(cadre__in=cadres, left_on__isnull=True, team__recalled_on__isnull=True,
                                      team__ends_on__gte=starts_on).select_related("cadre").first())
    if busy is not None:
        raise ValidationFailed(issues=[issue("members", "in_other_team", _("%(name)s is already in a work team."),
                                             name=busy.cadre.name)])
    team = WorkTeam.objects.create(village=village, unit=unit, starts_on=starts_on, ends_on=ends_on)
    for cadre, (_cadre_id, role) in zip(cadres, members, strict=True):
        TeamMember.objects.create(team=team, cadre=cadre, role=role, joined_on=starts_on)
        if not cadre.is_resident:
            cadre.is_resident = True
            cadre.save(update_fields=["is_resident", "updated_at"])
    audit_record(actor=actor, action=TEAM_SAVED, target_type="assistance.team", target_id=team.pk, area_code=village.code,
                 after={"unit": unit.name, "starts_on": starts_on, "ends_on": ends_on,
                        "members": [{"cadre": c.name, "role": r} for c, (_i, r) in zip(cadres, members, strict=True)]})
    return team


def _team_for(actor: Any, team_id: int) -> WorkTeam:
    team = WorkTeam.objects.select_for_update().filter(pk=team_id).first()
    if team is None or not code_in_scope(actor, team.village_id):
        raise NotFound()
    return team


@transaction.atomic
def team_member_change(*, actor: Any, team_id: int, on: dt.date, leaving_cadre_id: int | None = None,
                       joining_cadre_id: int | None = None, role: str = TeamRole.MEMBER) -> WorkTeam:
    """A member leaves (recalled or replaced) and/or a cadre joins, from ``on``. The team keeps at
    least ``TEAM_MIN_MEMBERS``: a member leaves without a replacement only from a larger team."""
    _require(actor)
    team = _team_for(actor, team_id)
    if role not in TeamRole.values:
        raise ValidationFailed(issues=[issue("role", "unknown_code", _("Choose the member's role."))])
    current = list(team.members.select_for_update().filter(left_on__isnull=True).select_related("cadre"))
    leaving = next((m for m in current if m.cadre_id == leaving_cadre_id), None) if leaving_cadre_id else None
    if leaving_cadre_id and leaving is None:
        raise ValidationFailed(issues=[issue("leaving", "not_member", _("This cadre is not a member of the team."))])
    joining = _cadre_for(actor, joining_cadre_id) if joining_cadre_id else None
    remaining = len(current) - (1 if leaving else 0) + (1 if joining else 0)
    if remaining < TEAM_MIN_MEMBERS:
        raise ValidationFailed(issues=[issue("leaving", "too_few", _(
            "A work team has at least %(n)s members; name who replaces this member."), n=TEAM_MIN_MEMBERS)])
    if joining is not None and any(m.cadre_id == joining.pk for m in current if m is not leaving):
        raise ValidationFailed(issues=[issue("joining", "duplicate", _("This cadre is already in the team."))])
    if leaving is not None:
        leaving.left_on = on
        leaving.save(update_fields=["left_on", "updated_at"])
    if joining is not None:
        if role != TeamRole.MEMBER and any(m.role == role for m in current if m is not leaving):
            raise ValidationFailed(issues=[issue("role", "one_leader", _(
                "The team already has a member in this role; that member leaves first."))])
        TeamMember.objects.create(team=team, cadre=joining, role=role, joined_on=on)
        if not joining.is_resident:
            joining.is_resident = True
            joining.save(update_fields=["is_resident", "updated_at"])
    audit_record(actor=actor, action=TEAM_MEMBER_CHANGED, target_type="assistance.team", target_id=team.pk,
                 area_code=team.village_id,
                 after={"on": on, "left": leaving.cadre.name if leaving else None,
                        "joined": joining.name if joining else None, "role": role})
    return team


@transaction.atomic
def team_recall(*, actor: Any, team_id: int, on: dt.date, reason: str) -> WorkTeam:
    """Recall a whole team (召回) before its term ends, with the reason; its members leave that day."""
    _require(actor)
    team = _team_for(actor, team_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(issues=[issue("reason", "required", _("Give the reason."))])
    if team.recalled_on is not None:
        raise ValidationFailed(issues=[issue("team", "recalled", _("This team has already been recalled."))])
    if on < team.starts_on:
        raise ValidationFailed(issues=[issue("on", "before_start", _("A team cannot be recalled before its term starts."))])
    team.recalled_on, team.recall_reason = on, reason[:200]
    team.save(update_fields=["recalled_on", "recall_reason", "updated_at"])
    team.members.filter(left_on__isnull=True).update(left_on=on)
    audit_record(actor=actor, action=TEAM_RECALLED, target_type="assistance.team", target_id=team.pk,
                 area_code=team.village_id, after={"on": on, "reason": reason})
    return team


# --- Plans and measures (一户一策) ------------------------------------------------------------------

MEASURE_SAVED = register_action("assistance.measure.saved", _("Assistance measure recorded"))
PLAN_SAVED = register_action("assistance.plan.saved", _("Household plan written"))


def may_assist(actor: Any, household: Household, on: dt.date) -> bool:
    """Officers who edit the registry in the household's area, and the household's current cadre."""
    if can(actor, Capability.REGISTRY_EDIT) and code_in_scope(actor, household.area_id):
        return True
    cadre = my_cadre(actor=actor)
    return bool(cadre is not None and code_in_scope(actor, household.area_id)
                and Pairing.objects.filter(current_q(on), household=household, cadre=cadre).exists())


def _household_to_assist(actor: Any, household_id: int, on: dt.date) -> Household:
    household = household_queryset(actor=actor).select_for_update(of=("self",)).filter(pk=household_id).first()
    if household is None:
        raise NotFound()
    if not may_assist(actor, household, on):
        raise ActionForbidden()
    return household


def _money(value: Any, field_name: str, problems: list[Any], *, required: bool = False) -> Decimal | None:
    """A yuan amount from a form: up to two decimals, not negative; None when empty and optional."""
    if value in (None, ""):
        if required:
            problems.append(issue(field_name, "required", _("Give the amount in yuan.")))
        return None
    amount = validation.parse_money(value)
    if amount is None or amount < 0 or amount >= Decimal("1e12") or amount != amount.quantize(Decimal("0.01")):
        problems.append(issue(field_name, "money", _("Give an amount in yuan, not negative, with at most two decimals.")))
        return None
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def plan_save(*, actor: Any, household_id: int, year: int, goal: str = "", today: dt.date | None = None) -> Plan:
    """Write (or change the goal of) the household's plan for ``year``."""
    today = today or clock.today()
    household = _household_to_assist(actor, household_id, today)
    if not 2013 <= int(year) <= today.year + 1:
        raise ValidationFailed(issues=[issue("year", "year_range", _("The year must be between 2013 and %(max)s."),
                                             max=today.year + 1)])
    plan, created = Plan.objects.get_or_create(household=household, year=year,
                                               defaults={"goal": goal[:300], "created_by": actor})
    if not created and goal.strip() and goal[:300] != plan.goal:
        plan.goal = goal[:300]
        plan.save(update_fields=["goal", "updated_at"])
    audit_record(actor=actor, action=PLAN_SAVED, target_type="registry.household", target_id=household.pk,
                 area_code=household.area_id, after={"year": year, "goal": plan.goal})
    return plan


MEASURE_FIELDS = ("kind", "content", "amount", "funding_source", "responsible_id", "responsible_name", "deadline",
                  "expected_income_gain", "status", "done_on")


def _measure_values(data: Mapping[str, Any], actor: Any, today: dt.date) -> dict[str, Any]:
    problems: list[Any] = []
    kind = str(data.get("kind") or "")
    if kind not in KIND_BY_CODE:
        problems.append(issue("kind", "unknown_code", _("Choose a measure from the catalogue.")))
    content = str(data.get("content") or "").strip()
    if not content or len(content) > 300:
        problems.append(issue("content", "required", _("Describe the measure (up to 300 characters).")))
    amount = _money(data.get("amount"), "amount", problems)
    gain = _money(data.get("expected_income_gain"), "expected_income_gain", problems)
    source = str(data.get("funding_source") or "")
    if source and source not in FUNDING_SOURCES:
        problems.append(issue("funding_source", "unknown_code", _("Choose the funding source.")))
    deadline = validation.parse_date(data.get("deadline"))
    if data.get("deadline") not in (None, "") and deadline is None:
        problems.append(issue("deadline", "date", _("Give the deadline as a date (YYYY-MM-DD).")))
    status = str(data.get("status") or MeasureStatus.PLANNED)
    if status not in MeasureStatus.values:
        problems.append(issue("status", "unknown_code", _("Choose the measure's status.")))
    done_on = validation.parse_date(data.get("done_on"))
    if status == MeasureStatus.DONE:
        done_on = done_on or today
        if done_on > today:
            problems.append(issue("done_on", "future", _("A measure cannot be done in the future.")))
    else:
        done_on = None
    responsible = None
    if str(data.get("responsible_id") or "").isdigit():
        responsible = cadre_queryset(actor=actor).filter(pk=int(data["responsible_id"])).first()
        if responsible is None:
            problems.append(issue("responsible_id", "unknown", _("Choose a cadre registered in your areas.")))
    if problems:
        raise ValidationFailed(issues=problems)
    return {"kind": kind, "content": content, "amount": amount, "funding_source": source, "responsible": responsible,
            "responsible_name": str(data.get("responsible_name") or "").strip()[:60], "deadline": deadline,
            "expected_income_gain": gain, "status": status, "done_on": done_on}


@dataclass(frozen=True)
class MeasureSaved:
    measure: Measure
    misfit: str | None  # why the measure does not fit the household's causes, shown as a warning


@transaction.atomic
def measure_save(*, actor: Any, household_id: int, year: int, data: Mapping[str, Any], measure_id: int | None = None,
                 today: dt.date | None = None) -> MeasureSaved:
    """Add a measure to the household's plan for ``year`` (the plan is written if missing) or change one.
    A measure that does not fit the household's causes is kept but returned with the reason, so the
    page can warn; ``plan_gaps`` lists what the plan still lacks."""
    today = today or clock.today()
    household = _household_to_assist(actor, household_id, today)
    values = _measure_values(data, actor, today)
    plan, _created = Plan.objects.get_or_create(household=household, year=year, defaults={"created_by": actor})
    if measure_id is not None:
        measure = Measure.objects.select_for_update().filter(pk=measure_id, plan=plan).first()
        if measure is None:
            raise NotFound()
        before = {name: getattr(measure, name) for name in values if name != "responsible"}
    else:
        measure, before = Measure(plan=plan, created_by=actor), None
    for name, value in values.items():
        setattr(measure, name, value)
    measure.save()
    audit_record(actor=actor, action=MEASURE_SAVED, target_type="registry.household", target_id=household.pk,
                 area_code=household.area_id, before=before,
                 after={"year": year, "measure": measure.pk, **{k: v for k, v in values.items() if k != "responsible"},
                        "responsible": values["responsible"].name if values["responsible"] else None})
    facts = household_facts(household, year)
    return MeasureSaved(measure, matching.measure_misfit(values["kind"], facts, cause_label=cause_label,
                                                        risk_label=risk_label))


# --- Visits (走访) ----------------------------------------------------------------------------------

VISIT_RECORDED = register_action("assistance.visit.recorded", _("Visit recorded"))
PHOTO_MAX_BYTES = 15 * 1024 * 1024
PHOTO_MAX_PIXELS = 50_000_000
PHOTO_LONG_SIDE = 1600
PHOTOS_PER_VISIT = 6


@dataclass(frozen=True)
class Photo:
    data: bytes  # JPEG, at most PHOTO_LONG_SIDE pixels on the long side, no metadata
    width: int
    height: int


def _checked_photo(upload: Any, index: int) -> Photo:
    """Open the upload as an image (JPEG, PNG, WebP, HEIF-free), turn it upright, shrink it and save it
    again as JPEG: the stored photo carries no EXIF (no position, no phone serial)."""
    name = (getattr(upload, "name", "") or f"photo {index + 1}")[-100:]
    size = getattr(upload, "size", None)
    data = b"" if size is not None and size > PHOTO_MAX_BYTES else upload.read(PHOTO_MAX_BYTES + 1)
    if not data or len(data) > PHOTO_MAX_BYTES:
        raise ValidationFailed(issues=[issue("photos", "file_size", _("%(name)s is empty or larger than 15 MB."), name=name)])
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ("JPEG", "PNG", "WEBP", "GIF", "MPO"):
                raise ValueError(probe.format)
            if probe.width * probe.height > PHOTO_MAX_PIXELS:
                raise ValueError("too many pixels")
            probe.load()
            image = ImageOps.exif_transpose(probe).convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise ValidationFailed(issues=[issue("photos", "not_image", _(
            "%(name)s is not a photo this system can read (JPG, PNG or WebP)."), name=name)]) from None
    image.thumbnail((PHOTO_LONG_SIDE, PHOTO_LONG_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return Photo(out.getvalue(), image.width, image.height)


def _coordinate(value: Any, low: int, high: int, field_name: str, problems: list[Any]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or not low <= number <= high:
        problems.append(issue(field_name, "coordinate", _("The position from the phone is not valid.")))
        return None
    return number.quantize(Decimal("0.000001"))


@files.atomic_with_files
def visit_record(*, actor: Any, household_id: int, data: Mapping[str, Any], photos: Sequence[Any] = (),
                 today: dt.date | None = None) -> Visit:
    """Record a visit: date (not in the future, not before last year), place, what was done and found,
    the phone's position (optional, both coordinates or none) and up to six photos. The household's
    current cadre records their own visits; an officer may record one for a cadre. A form sent twice
    with the same ``client_key`` is recorded once (the first visit is returned)."""
    today = today or clock.today()
    key = str(data.get("client_key") or "")
    try:
        client_key = uuid.UUID(key) if key else uuid.uuid4()
    except ValueError:
        raise ValidationFailed(issues=[issue("client_key", "invalid", _("The form is not valid; reload the page."))]) from None
    household = _household_to_assist(actor, household_id, today)
    earlier = Visit.objects.filter(client_key=client_key).first()
    if earlier is not None:
        if earlier.household_id != household.pk or earlier.recorded_by_id != getattr(actor, "pk", None):
            raise ValidationFailed(issues=[issue("client_key", "invalid", _("The form is not valid; reload the page."))])
        return earlier
    problems: list[Any] = []
    visited_on = validation.parse_date(data.get("visited_on")) or (today if data.get("visited_on") in (None, "") else None)
    if visited_on is None:
        problems.append(issue("visited_on", "date", _("Give the date of the visit (YYYY-MM-DD).")))
    elif visited_on > today or visited_on.year < today.year - 1:
        problems.append(issue("visited_on", "date_range", _("The visit date must be between last January and today.")))
    place = str(data.get("place") or "").strip()
    if not place or len(place) > 100:
        problems.append(issue("place", "required", _("Say where the visit took place (up to 100 characters).")))
    content = str(data.get("content") or "").strip()
    if len(content) < 4 or len(content) > 4000:
        problems.append(issue("content", "required", _("Write what was done and found (4 to 4000 characters).")))
    latitude = _coordinate(data.get("latitude"), -90, 90, "latitude", problems)
    longitude = _coordinate(data.get("longitude"), -180, 180, "longitude", problems)
    if (latitude is None) != (longitude is None) and not problems:
        problems.append(issue("latitude", "coordinate", _("The position from the phone is not valid.")))
    accuracy = data.get("accuracy")
    accuracy_m = int(float(accuracy)) if str(accuracy or "").replace(".", "", 1).isdigit() else None
    photos = [p for p in photos if p]
    if len(photos) > PHOTOS_PER_VISIT:
        problems.append(issue("photos", "too_many", _("At most %(n)s photos per visit."), n=PHOTOS_PER_VISIT))
    if problems:
        raise ValidationFailed(issues=problems)
    checked = [_checked_photo(upload, i) for i, upload in enumerate(photos)]
    # Pairings never overlap, so the cadre paired on the visit's day is the one whose visit it is.
    visit = Visit.objects.create(
        household=household, cadre=current_cadre(household_id=household.pk, on=visited_on),
        visited_on=visited_on, place=place, content=content, latitude=latitude, longitude=longitude,
        accuracy_m=min(accuracy_m, 2_000_000) if accuracy_m is not None else None, client_key=client_key,
        recorded_by=actor)
    for photo in checked:
        row = VisitPhoto(visit=visit, sha256=hashlib.sha256(photo.data).hexdigest(), size=len(photo.data),
                         width=photo.width, height=photo.height)
        files.store(row.file, "photo.jpg", photo.data)
        row.save()
    audit_record(actor=actor, action=VISIT_RECORDED, target_type="registry.household", target_id=household.pk,
                 area_code=household.area_id,
                 after={"visit": visit.pk, "visited_on": visited_on, "place": place, "photos": len(checked),
                        "position": latitude is not None})
    return visit
