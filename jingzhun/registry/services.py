"""The only write path of the registry. UI views, the API, importers and commands all call these.

Every service: checks the actor's role (``ActionForbidden``) and scope (``NotFound``, same as a
missing record), validates everything first (``ValidationFailed`` with field-level issues, nothing
written), writes in one transaction, and appends an audit event in that same transaction.
Updates are optimistic: the caller passes the ``version`` it loaded; if someone saved in between,
``EditConflict`` lists what they changed and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import code_in_scope
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden, EditConflict, NotFound, ValidationFailed, issue
from jingzhun.core.models import AuditEvent
from jingzhun.registry import validation
from jingzhun.registry.income import INCOME_ITEMS, derive_income
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear, StatusEvent

HOUSEHOLD_REGISTERED = register_action("registry.household.registered", _("Household registered"))
HOUSEHOLD_UPDATED = register_action("registry.household.updated", _("Household updated"))
PERSON_ADDED = register_action("registry.person.added", _("Member added"))
PERSON_UPDATED = register_action("registry.person.updated", _("Member updated"))
HOUSEHOLD_YEAR_SAVED = register_action("registry.household_year.saved", _("Yearly record saved"))
HOUSEHOLD_YEAR_DECIDED = register_action("registry.household_year.decided",
                                        _("Yearly status set by an approved procedure"))
PERSON_YEAR_SAVED = register_action("registry.person_year.saved", _("Member's yearly record saved"))

HOUSEHOLD_FIELDS = (
    "group_name", "natural_village", "address", "phone", "bank_name", "bank_account",
    "is_military_family", "is_only_child", "is_two_daughters", "is_relocated", "relocation_mode",
    "resettlement_address",
)
PERSON_FIELDS = (
    "name", "sex", "id_type", "id_number", "birth_date", "relation", "ethnicity", "political_status",
    "phone", "is_soldier", "speaks_mandarin", "status", "left_on",
)
HOUSEHOLD_YEAR_FIELDS = tuple(
    f.name for f in HouseholdYear._meta.get_fields()
    if getattr(f, "concrete", False) and f.name not in (
        "id", "household", "year", "version", "created_at", "updated_at", "locked", "dibao_since",
        "transfer_income", "total_income", "net_income", "per_capita_net_income",
    )
)
PERSON_YEAR_FIELDS = tuple(
    f.name for f in PersonYear._meta.get_fields()
    if getattr(f, "concrete", False) and f.name not in ("id", "person", "year", "version", "created_at", "updated_at")
)
HOUSEHOLD_NUMBER_RE = re.compile(r"^[0-9A-Za-z-]{4,20}$")
STATUS_EVENT_FOR = {
    "poor": StatusEvent.Kind.IDENTIFIED,
    "exited": StatusEvent.Kind.EXITED,
    "returned": StatusEvent.Kind.RETURNED,
    "monitored": StatusEvent.Kind.MONITORED,
    "risk_eliminated": StatusEvent.Kind.RISK_ELIMINATED,
    "removed": StatusEvent.Kind.REMOVED,
}


def _require_edit(actor: Any) -> None:
    if not can(actor, Capability.REGISTRY_EDIT):
        raise ActionForbidden()


def _household_for_edit(actor: Any, household_id: int, *, lock: bool = False) -> Household:
    _require_edit(actor)
    queryset = Household.objects.select_related("area")
    if lock:
        queryset = queryset.select_for_update()
    household = queryset.filter(pk=household_id).first()
    if household is None or not code_in_scope(actor, household.area_id):
        raise NotFound()
    return household


def _snapshot(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names}


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def _check_ids_unique(entries: list[tuple[str, str]], *, exclude_person_ids: tuple[int, ...] = ()) -> list:
    """entries: (field path, id_base). One identity number may appear once in the whole registry."""
    bases = [b for _f, b in entries if b]
    if not bases:
        return []
    taken = set(
        Person.objects.filter(id_base__in=bases).exclude(pk__in=exclude_person_ids).values_list("id_base", flat=True)
    )
    return [
        issue(field_name, "duplicate_id", _("This ID number is already registered in the registry."))
        for field_name, base in entries
        if base in taken
    ]


def _next_household_number(area_code: str) -> str:
    last = (
        Household.objects.filter(household_number__startswith=area_code)
        .order_by("-household_number")
        .values_list("household_number", flat=True)
        .first()
    )
    seq = int(last[12:]) + 1 if last else 1
    return f"{area_code}{seq:04d}"


def _conflict_changes(household_id: int, since_version: int) -> list[dict[str, Any]]:
    """Audit entries on this household saved after the version the actor loaded."""
    events = AuditEvent.objects.filter(target_type="registry.household", target_id=str(household_id)).order_by("seq")
    out = []
    for event in events:
        after = event.after or {}
        if int(after.get("_household_version", 0)) > since_version:
            out.append({
                "seq": event.seq,
                "at": event.created_at.isoformat(),
                "by": event.actor_username,
                "action": event.action,
                "before": event.before,
                "after": {k: v for k, v in after.items() if not k.startswith("_")},
            })
    return out


def _bump_household(household: Household, expected_version: int | None) -> int:
    """Increase the household's version (the lock for every edit under it); conflict if stale."""
    queryset = Household.objects.filter(pk=household.pk)
    if expected_version is not None:
        queryset = queryset.filter(version=expected_version)
    if queryset.update(version=F("version") + 1) == 0:
        current = Household.objects.filter(pk=household.pk).values_list("version", flat=True).first() or 0
        raise EditConflict(changes=_conflict_changes(household.pk, expected_version or 0), current_version=current)
    household.refresh_from_db(fields=["version"])
    return household.version


def _refresh_household_summary(household: Household) -> None:
    active = Person.objects.filter(household=household, status="active")
    head = active.filter(relation="head").values_list("name", flat=True).first() or ""
    Household.objects.filter(pk=household.pk).update(head_name=head, member_count=active.count())


@transaction.atomic
def household_register(
    *,
    actor: Any,
    area_code: str,
    members: list[Mapping[str, Any]],
    household: Mapping[str, Any] | None = None,
    year: int | None = None,
    year_data: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
    household_number: str | None = None,
) -> Household:
    """Register a household with its members (exactly one head) and, optionally, its first yearly
    record. The village must lie inside the actor's scope. ``household_number`` keeps a number given
    by the national system or a spreadsheet (4–20 letters or digits); by default one is assigned."""
    _require_edit(actor)
    household = dict(household or {})
    area = Area.objects.filter(code=area_code).first()
    if area is None or not code_in_scope(actor, area_code):
        raise ValidationFailed(issues=[issue("area", "area_scope", _("This village does not exist or is outside your areas."))])
    problems = []
    if area.level != AreaLevel.VILLAGE:
        problems.append(issue("area", "not_village", _("A household belongs to a village (行政村).")))
    if household_number is not None:
        if not HOUSEHOLD_NUMBER_RE.match(household_number):
            problems.append(issue("household_number", "format", _("A household number has 4 to 20 letters or digits.")))
        elif Household.objects.filter(household_number=household_number).exists():
            problems.append(issue("household_number", "duplicate", _("This household number is already registered.")))
    problems += validation.check_household(household)
    cleaned_members = []
    for index, member in enumerate(members):
        member_problems, cleaned = validation.check_person(member, prefix=f"members[{index}].", today=today)
        problems += member_problems
        cleaned_members.append(cleaned)
    problems += validation.check_household_members(cleaned_members)
    problems += _check_ids_unique([(f"members[{i}].id_number", m.get("id_base", "")) for i, m in enumerate(cleaned_members)])
    cleaned_year: dict[str, Any] = {}
    if year is not None:
        year_problems, cleaned_year = validation.check_household_year({**(year_data or {}), "year": year}, prefix="year.")
        problems += year_problems
    if problems:
        raise ValidationFailed(issues=problems)

    record = Household(area=area, household_number=household_number or _next_household_number(area.code),
                       **{k: household.get(k) for k in HOUSEHOLD_FIELDS if k in household})
    record.bank_account = (record.bank_account or "").replace(" ", "")
    try:
        with transaction.atomic():
            record.save()
            people = [Person(household=record, **{k: m[k] for k in (*PERSON_FIELDS, "id_base") if m.get(k) is not None})
                      for m in cleaned_members]
            Person.objects.bulk_create(people)
    except IntegrityError as exc:  # a concurrent registration took the same ID or number
        raise ValidationFailed(issues=[issue("members", "duplicate_id",
                                             _("One of these ID numbers was registered at the same moment by someone else."))]) from exc
    _refresh_household_summary(record)
    record.refresh_from_db()
    StatusEvent.objects.create(household=record, kind=StatusEvent.Kind.REGISTERED,
                               year=year or (today or timezone.localdate()).year, occurred_on=today or timezone.localdate())
    audit_record(
        actor=actor, action=HOUSEHOLD_REGISTERED, target_type="registry.household", target_id=record.pk,
        area_code=area.code,
        after={"household_number": record.household_number, **_snapshot(record, HOUSEHOLD_FIELDS),
               "members": [{"name": p.name, "id_number": p.id_number, "relation": p.relation} for p in people],
               "_household_version": record.version},
    )
    if year is not None:
        _household_year_write(actor=actor, household=record, year=year, cleaned=cleaned_year, existing=None)
    return record


@transaction.atomic
def household_update(*, actor: Any, household_id: int, expected_version: int, changes: Mapping[str, Any]) -> Household:
    """Change the household's stable fields. Raises EditConflict if ``expected_version`` is stale."""
    household = _household_for_edit(actor, household_id)
    unknown = [k for k in changes if k not in HOUSEHOLD_FIELDS]
    problems = [issue(k, "unknown_field", _("This field cannot be changed here.")) for k in unknown]
    merged = {**_snapshot(household, HOUSEHOLD_FIELDS), **changes}
    merged["bank_account"] = (merged.get("bank_account") or "").replace(" ", "")
    problems += validation.check_household(merged)
    if problems:
        raise ValidationFailed(issues=problems)
    before = _snapshot(household, HOUSEHOLD_FIELDS)
    version = _bump_household(household, expected_version)
    Household.objects.filter(pk=household.pk).update(**{k: merged[k] for k in HOUSEHOLD_FIELDS})
    household.refresh_from_db()
    old, new = _diff(before, _snapshot(household, HOUSEHOLD_FIELDS))
    audit_record(actor=actor, action=HOUSEHOLD_UPDATED, target_type="registry.household", target_id=household.pk,
                 area_code=household.area_id, before=old, after={**new, "_household_version": version})
    return household


def _members_for_check(household: Household, replace: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    rows = list(Person.objects.filter(household=household).values("id", "relation", "sex", "status", "id_base"))
    out = []
    for row in rows:
        if replace and row["id"] == replace.get("id"):
            row = {**row, **replace}
        out.append(row)
    if replace and replace.get("id") is None:
        out.append(replace)
    return out


def _structure_issues_for(members: list[dict[str, Any]], index: int) -> list:
    """Household-structure issues that concern the member at ``index``, re-pathed to the member's own
    form fields (``relation``, ``id_number``) as a single-member form shows them."""
    out = []
    for p in validation.check_household_members(members):
        own = p.field.startswith(f"members[{index}]")
        if own or p.code in ("no_head", "spouse_same_sex"):
            out.append(issue(p.field.split(".")[-1] if own else "relation", p.code, p.message, **p.params))
    return out


@transaction.atomic
def person_add(*, actor: Any, household_id: int, expected_version: int | None, data: Mapping[str, Any],
               today: dt.date | None = None) -> Person:
    """Add a member (birth, marriage, …). A second head is refused; the ID must be new to the registry."""
    household = _household_for_edit(actor, household_id)
    problems, cleaned = validation.check_person(data, today=today)
    cleaned.setdefault("status", "active")
    members = _members_for_check(household, {**cleaned, "id": None})
    problems += _structure_issues_for(members, len(members) - 1)
    problems += _check_ids_unique([("id_number", cleaned.get("id_base", ""))])
    if problems:
        raise ValidationFailed(issues=problems)
    version = _bump_household(household, expected_version)
    try:
        with transaction.atomic():
            person = Person.objects.create(household=household, id_base=cleaned["id_base"],
                                           **{k: cleaned[k] for k in PERSON_FIELDS if cleaned.get(k) is not None})
    except IntegrityError as exc:
        raise ValidationFailed(issues=[issue("id_number", "duplicate_id",
                                             _("This ID number is already registered in the registry."))]) from exc
    _refresh_household_summary(household)
    StatusEvent.objects.create(household=household, kind=StatusEvent.Kind.MEMBER_ADDED,
                               year=(today or timezone.localdate()).year, occurred_on=today or timezone.localdate(), note=person.name)
    audit_record(actor=actor, action=PERSON_ADDED, target_type="registry.household", target_id=household.pk,
                 area_code=household.area_id,
                 after={"person_id": person.pk, **_snapshot(person, PERSON_FIELDS), "_household_version": version})
    return person


@transaction.atomic
def person_update(*, actor: Any, person_id: int, expected_version: int, changes: Mapping[str, Any],
                  today: dt.date | None = None) -> Person:
    """Change a member. ``expected_version`` is the *household's* version: any edit under a household
    conflicts with any other made since it was loaded, so two officers never overwrite each other."""
    person = Person.objects.select_related("household").filter(pk=person_id).first()
    if person is None:
        _require_edit(actor)
        raise NotFound()
    household = _household_for_edit(actor, person.household_id)
    unknown = [k for k in changes if k not in PERSON_FIELDS]
    merged = {**_snapshot(person, PERSON_FIELDS), **changes}
    problems, cleaned = validation.check_person(merged, today=today)
    problems += [issue(k, "unknown_field", _("This field cannot be changed here.")) for k in unknown]
    members = _members_for_check(household, {**cleaned, "id": person.pk})
    problems += _structure_issues_for(members, next(i for i, m in enumerate(members) if m.get("id") == person.pk))
    problems += _check_ids_unique([("id_number", cleaned.get("id_base", ""))], exclude_person_ids=(person.pk,))
    if problems:
        raise ValidationFailed(issues=problems)
    before = _snapshot(person, PERSON_FIELDS)
    version = _bump_household(household, expected_version)
    values = {k: cleaned.get(k) for k in PERSON_FIELDS}
    values = {k: v for k, v in values.items() if not (v is None and k not in ("left_on", "speaks_mandarin"))}
    Person.objects.filter(pk=person.pk).update(id_base=cleaned["id_base"], version=F("version") + 1, **values)
    person.refresh_from_db()
    _refresh_household_summary(household)
    old, new = _diff(before, _snapshot(person, PERSON_FIELDS))
    if before.get("status") == "active" and person.status != "active":
        StatusEvent.objects.create(household=household, kind=StatusEvent.Kind.MEMBER_LEFT,
                                   year=(today or timezone.localdate()).year,
                                   occurred_on=person.left_on or today or timezone.localdate(), note=person.name)
    audit_record(actor=actor, action=PERSON_UPDATED, target_type="registry.household", target_id=household.pk,
                 area_code=household.area_id, before={"person_id": person.pk, **old},
                 after={"person_id": person.pk, **new, "_household_version": version})
    return person


def _household_year_write(*, actor: Any, household: Household, year: int, cleaned: Mapping[str, Any],
                          existing: HouseholdYear | None, action: str = HOUSEHOLD_YEAR_SAVED,
                          event_kind: str | None = None, event_note: str = "", extra: Mapping[str, Any] | None = None,
                          lock: bool = False, occurred_on: dt.date | None = None) -> HouseholdYear:
    values = {k: cleaned[k] for k in HOUSEHOLD_YEAR_FIELDS if k in cleaned}
    record = existing or HouseholdYear(household=household, year=year)
    before = _snapshot(record, HOUSEHOLD_YEAR_FIELDS) if existing else {}
    old_status = existing.status if existing else None
    for k, v in {**values, **(extra or {})}.items():
        setattr(record, k, v)
    persons = record.size_end or household.member_count or Person.objects.filter(household=household, status="active").count()
    for k, v in derive_income({k: getattr(record, k) for k in INCOME_ITEMS}, persons).items():
        setattr(record, k, v)
    if existing:
        record.version = existing.version + 1
    record.locked = record.locked or lock
    record.save()
    kind = event_kind or (STATUS_EVENT_FOR.get(record.status) if record.status != old_status else None)
    if kind:
        StatusEvent.objects.create(household=household, kind=kind, year=year,
                                   occurred_on=occurred_on or timezone.localdate(), note=event_note[:200])
    old, new = _diff(before, _snapshot(record, HOUSEHOLD_YEAR_FIELDS))
    extra_after = {k: getattr(record, k) for k in (extra or {})}
    audit_record(actor=actor, action=action, target_type="registry.household", target_id=household.pk,
                 area_code=household.area_id, before={"year": year, **old} if existing else None,
                 after={"year": year, **new, **extra_after, "per_capita_net_income": record.per_capita_net_income,
                        **({"locked": True, "note": event_note} if lock else {}),
                        "_household_version": household.version})
    return record


def _checked_year(existing: HouseholdYear | None, data: Mapping[str, Any], year: int) -> dict[str, Any]:
    """``data`` over the saved record of ``year``, checked as a whole; raises ValidationFailed."""
    unknown = [k for k in data if k not in HOUSEHOLD_YEAR_FIELDS]
    merged = {**(_snapshot(existing, HOUSEHOLD_YEAR_FIELDS) if existing else {}), **data, "year": year}
    problems, cleaned = validation.check_household_year(merged)
    problems += [issue(k, "unknown_field", _("This field cannot be changed here.")) for k in unknown]
    if problems:
        raise ValidationFailed(issues=problems)
    return cleaned


@transaction.atomic
def household_year_save(*, actor: Any, household_id: int, year: int, expected_version: int | None,
                        data: Mapping[str, Any]) -> HouseholdYear:
    """Create or update the household's record for ``year``; income totals are derived here."""
    household = _household_for_edit(actor, household_id)
    existing = HouseholdYear.objects.filter(household=household, year=year).first()
    if existing is not None and existing.locked:
        raise ValidationFailed(
            _("This year's record was decided by an approved procedure and is locked. Submit a data-change "
              "request (数据变更审批) to correct it."),
            code="locked",
        )
    cleaned = _checked_year(existing, data, year)
    _bump_household(household, expected_version)
    return _household_year_write(actor=actor, household=household, year=year, cleaned=cleaned, existing=existing)


@transaction.atomic
def person_year_save(*, actor: Any, person_id: int, year: int, expected_version: int | None,
                     data: Mapping[str, Any]) -> PersonYear:
    """Create or update a member's record for ``year``."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        _require_edit(actor)
        raise NotFound()
    household = _household_for_edit(actor, person.household_id)
    unknown = [k for k in data if k not in PERSON_YEAR_FIELDS]
    problems = validation.check_person_year(data)
    problems += [issue(k, "unknown_field", _("This field cannot be changed here.")) for k in unknown]
    if problems:
        raise ValidationFailed(issues=problems)
    version = _bump_household(household, expected_version)
    record = PersonYear.objects.filter(person=person, year=year).first() or PersonYear(person=person, year=year)
    before = _snapshot(record, PERSON_YEAR_FIELDS) if record.pk else {}
    for k, v in data.items():
        setattr(record, k, v)
    if record.pk:
        record.version += 1
    record.save()
    old, new = _diff(before, _snapshot(record, PERSON_YEAR_FIELDS))
    audit_record(actor=actor, action=PERSON_YEAR_SAVED, target_type="registry.household", target_id=household.pk,
                 area_code=household.area_id, before={"person_id": person.pk, "year": year, **old} if before else None,
                 after={"person_id": person.pk, "year": year, **new, "_household_version": version})
    return record


@transaction.atomic
def household_year_apply_decision(*, actor: Any, household_id: int, year: int, changes: Mapping[str, Any],
                                  event_kind: str | None, occurred_on: dt.date, note: str,
                                  extra: Mapping[str, Any] | None = None) -> HouseholdYear:
    """Write the result of a completed procedure into the household's record for ``year`` and lock it.

    Called by ``workflow`` once a procedure's last step is approved (that service has checked the
    actor's role and area at every step). ``changes`` are yearly fields, validated like any edit;
    ``extra`` sets fields the edit form does not offer (``dibao_since``). Writes one status event
    (``event_kind``) and one audit entry; the record is created when the year has none yet.
    """
    household = Household.objects.select_related("area").filter(pk=household_id).first()
    if household is None:
        raise NotFound()
    _bump_household(household, None)  # takes the household's row lock before the year is read
    existing = HouseholdYear.objects.select_for_update().filter(household=household, year=year).first()
    cleaned = _checked_year(existing, changes, year)
    return _household_year_write(actor=actor, household=household, year=year, cleaned=cleaned, existing=existing,
                                 action=HOUSEHOLD_YEAR_DECIDED, event_kind=event_kind, event_note=note, extra=extra,
                                 lock=True, occurred_on=occurred_on)
