"""The only write path of units, cadres and pairings. Every write is audited in its transaction.

Rules (domain §1.8):
* a cadre is identified by a valid ID number, once; a person registered as poor or monitored
  (贫困人口) cannot be a cadre;
* a pairing is time-bounded: changing a household's cadre ends the current pairing the day before
  the new one starts and writes a new line, so the history is kept; periods never overlap;
* the household, the cadre and the unit must lie inside the actor's areas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import code_in_scope
from jingzhun.areas.models import Area
from jingzhun.assistance import balance
from jingzhun.assistance.models import AssistanceUnit, Cadre, Pairing, UnitLevel
from jingzhun.assistance.selectors import NEEDS_CADRE, cadre_loads, cadre_queryset, households_without_cadre
from jingzhun.core import clock
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden, NotFound, ValidationFailed, issue
from jingzhun.registry import idcard, validation
from jingzhun.registry.models import Household, HouseholdYear, Person
from jingzhun.registry.selectors import household_queryset

UNIT_SAVED = register_action("assistance.unit.saved", _("Assistance unit saved"))
CADRE_REGISTERED = register_action("assistance.cadre.registered", _("Assistance cadre registered"))
PAIRING_STARTED = register_action("assistance.pairing.started", _("Cadre paired with a household"))
PAIRING_ENDED = register_action("assistance.pairing.ended", _("Pairing ended"))



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
