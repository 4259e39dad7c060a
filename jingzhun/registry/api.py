"""Households and members in the REST API: the same services, validation and scopes as the UI.

Reads go through ``registry.selectors`` (an out-of-scope household answers 404 exactly like a missing
one, byte for byte); writes through ``registry.services`` (role check → 403, validation → 422 with
field paths, stale ``version`` → 409). ID numbers, phones and bank accounts are masked for roles
without ``registry.view_sensitive``; code-list values are returned as ``{"code", "label"}``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.orm import create_schema
from pydantic import ConfigDict

from jingzhun.api.schemas import ERRORS, CodeOut
from jingzhun.areas import codes
from jingzhun.core.exceptions import FieldIssue, ValidationFailed, issue
from jingzhun.registry import codelists, privacy, selectors, services, validation
from jingzhun.registry.exports import XLSX_CONTENT_TYPE, households_csv, households_xlsx_bytes
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear

households = Router(tags=["households"])
members = Router(tags=["members"])
MAX_LIMIT = 200
VERSION_HELP = "the household's `version` as you loaded it (optimistic locking: a stale one answers 409)"


# --- input schemas ------------------------------------------------------------------------------------


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# Yearly fields are typed here: the services check codes, ranges and rules but not every type.
HouseholdYearData = create_schema(HouseholdYear, name="HouseholdYearData", fields=list(services.HOUSEHOLD_YEAR_FIELDS),
                                  optional_fields=list(services.HOUSEHOLD_YEAR_FIELDS), base_class=_Strict)
PersonYearData = create_schema(PersonYear, name="PersonYearData", fields=list(services.PERSON_YEAR_FIELDS),
                               optional_fields=list(services.PERSON_YEAR_FIELDS), base_class=_Strict)


class HouseholdYearIn(Schema):
    version: int = Field(..., description=VERSION_HELP)
    data: HouseholdYearData = Field(..., description="the fields to set; others keep their value")  # type: ignore[valid-type]


class PersonYearIn(Schema):
    version: int = Field(..., description=VERSION_HELP)
    data: PersonYearData = Field(..., description="the fields to set; others keep their value")  # type: ignore[valid-type]


class MemberOptional(Schema):
    id_type: str | None = Field(None, description="code list `id_type`; default resident_id")
    sex: str | None = Field(None, description="code list `sex` (1 male, 2 female); taken from the ID number if left out")
    birth_date: dt.date | None = Field(None, description="taken from the ID number if left out")
    ethnicity: str | None = Field(None, description="code list `ethnicity`")
    political_status: str | None = Field(None, description="code list `political_status`")
    phone: str | None = None
    is_soldier: bool | None = None
    speaks_mandarin: bool | None = None


class MemberIn(MemberOptional):
    name: str
    relation: str = Field(..., description="code list `relation`; exactly one `head` per household")
    id_number: str = Field(..., description="18-character resident ID (or 20/22-character disability certificate)")


class MemberCreate(MemberIn):
    version: int = Field(..., description=VERSION_HELP)


class MemberPatch(MemberOptional):
    version: int = Field(..., description=VERSION_HELP)
    name: str | None = None
    relation: str | None = None
    id_number: str | None = None
    status: str | None = Field(None, description="code list `member_status`")
    left_on: dt.date | None = None


class HouseholdFields(Schema):
    group_name: str | None = Field(None, description="村民小组")
    natural_village: str | None = None
    address: str | None = None
    phone: str | None = None
    bank_name: str | None = None
    bank_account: str | None = None
    is_military_family: bool | None = None
    is_only_child: bool | None = None
    is_two_daughters: bool | None = None
    is_relocated: bool | None = None
    relocation_mode: str | None = None
    resettlement_address: str | None = None


class HouseholdCreate(HouseholdFields):
    area_code: str = Field(..., description="12-digit code of the village (行政村) inside your areas")
    members: list[MemberIn]
    year: int | None = Field(None, description="optionally create the first yearly record for this year")
    year_data: HouseholdYearData | None = Field(  # type: ignore[valid-type]
        None, description="fields of that yearly record (as in PUT .../years/{year})")


class HouseholdPatch(HouseholdFields):
    version: int = Field(..., description=VERSION_HELP)


# --- output schemas ------------------------------------------------------------------------------------


class PersonYearOut(Schema):
    year: int
    data: dict[str, Any] = Field(..., description="stored values (codes), as accepted by PUT")
    labels: dict[str, str] = Field(..., description="label of each code field in `data`")


class MemberOut(Schema):
    id: int
    household_id: int
    household_version: int = Field(..., description="send this as `version` when changing the member")
    name: str
    sex: CodeOut
    relation: CodeOut
    id_type: CodeOut
    id_number: str = Field(..., description="masked (e.g. 441**********1234) for roles that may not see it")
    birth_date: dt.date
    ethnicity: CodeOut
    political_status: CodeOut
    phone: str
    is_soldier: bool
    speaks_mandarin: bool | None
    status: CodeOut
    left_on: dt.date | None
    years: list[PersonYearOut] | None = Field(None, description="yearly records, newest first (detail views)")


class HouseholdYearOut(Schema):
    year: int
    status: CodeOut
    main_cause: CodeOut
    other_causes: list[CodeOut]
    total_income: Decimal
    net_income: Decimal
    per_capita_net_income: Decimal
    data: dict[str, Any] = Field(..., description="stored values (codes), as accepted by PUT")
    labels: dict[str, str] = Field(..., description="label of each code field in `data`")


class HouseholdOut(Schema):
    id: int
    household_number: str
    area_code: str
    area_name: str
    group_name: str
    head_name: str
    member_count: int
    phone: str
    bank_account: str
    status: CodeOut | None = Field(None, description="status in `status_year`, if the household has a record then")
    status_year: int | None = None
    version: int


class HouseholdDetailOut(HouseholdOut):
    natural_village: str
    address: str
    bank_name: str
    is_military_family: bool
    is_only_child: bool
    is_two_daughters: bool
    is_relocated: bool
    relocation_mode: str
    resettlement_address: str
    members: list[MemberOut]
    years: list[HouseholdYearOut]


class HouseholdPage(Schema):
    count: int = Field(..., description="all matching households in your areas")
    limit: int
    offset: int
    items: list[HouseholdOut]


# --- presentation ----------------------------------------------------------------------------------------


def _code(list_key: str, value: str) -> dict[str, str]:
    return {"code": value or "", "label": codelists.label(list_key, value)}


def _labels(values: dict[str, Any], code_fields: dict[str, str]) -> dict[str, str]:
    return {name: codelists.label(list_key, str(values[name])) for name, list_key in code_fields.items()
            if values.get(name)}


def _household_out(actor: Any, h: Household, status: str | None = None, status_year: int | None = None) -> dict[str, Any]:
    return {
        "id": h.pk, "household_number": h.household_number, "area_code": h.area_id, "area_name": h.area.name,
        "group_name": h.group_name, "head_name": h.head_name, "member_count": h.member_count,
        "phone": privacy.shown_phone(actor, h.phone), "bank_account": privacy.shown_account(actor, h.bank_account),
        "status": _code("household_status", status) if status else None, "status_year": status_year if status else None,
        "version": h.version,
    }


def _person_year_out(actor: Any, y: PersonYear) -> dict[str, Any]:
    data = {k: getattr(y, k) for k in services.PERSON_YEAR_FIELDS}
    labels = _labels(data, validation.PERSON_YEAR_CODE_FIELDS)
    if data.get("health") and not privacy.sees_sensitive(actor):  # health is personal data, as in exports
        data["health"] = labels["health"] = "***"
    return {"year": y.year, "data": data, "labels": labels}


def _member_out(actor: Any, p: Person, household_version: int, years: list[PersonYear] | None = None) -> dict[str, Any]:
    return {
        "id": p.pk, "household_id": p.household_id, "household_version": household_version, "name": p.name,
        "sex": _code("sex", p.sex), "relation": _code("relation", p.relation), "id_type": _code("id_type", p.id_type),
        "id_number": privacy.shown_id(actor, p.id_number), "birth_date": p.birth_date,
        "ethnicity": _code("ethnicity", p.ethnicity), "political_status": _code("political_status", p.political_status),
        "phone": privacy.shown_phone(actor, p.phone), "is_soldier": p.is_soldier, "speaks_mandarin": p.speaks_mandarin,
        "status": _code("member_status", p.status), "left_on": p.left_on,
        "years": None if years is None else [_person_year_out(actor, y) for y in years],
    }


def _year_out(y: HouseholdYear) -> dict[str, Any]:
    data = {k: getattr(y, k) for k in services.HOUSEHOLD_YEAR_FIELDS}
    return {
        "year": y.year, "status": _code("household_status", y.status), "main_cause": _code("poverty_cause", y.main_cause),
        "other_causes": [_code("poverty_cause", c) for c in (y.other_cause_1, y.other_cause_2) if c],
        "total_income": y.total_income, "net_income": y.net_income, "per_capita_net_income": y.per_capita_net_income,
        "data": data, "labels": _labels(data, validation.HOUSEHOLD_YEAR_CODE_FIELDS),
    }


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    h = selectors.household_detail(actor=actor, pk=pk)
    latest = h.year_list[0] if h.year_list else None  # type: ignore[attr-defined]
    return {
        **_household_out(actor, h, latest.status if latest else None, latest.year if latest else None),
        **{k: getattr(h, k) for k in ("natural_village", "address", "bank_name", "is_military_family", "is_only_child",
                                      "is_two_daughters", "is_relocated", "relocation_mode", "resettlement_address")},
        "members": [_member_out(actor, p, h.version, list(p.years.all())) for p in h.member_list],  # type: ignore[attr-defined]
        "years": [_year_out(y) for y in h.year_list],  # type: ignore[attr-defined]
    }


# --- input helpers ----------------------------------------------------------------------------------------


# Fields the services check themselves (with better messages); the model's own limits apply to the rest.
_CHECKED_BY_SERVICES = {"name", "id_number", "phone", "bank_account", "risks", *validation.PERSON_CODE_FIELDS,
                        *validation.PERSON_YEAR_CODE_FIELDS, *validation.HOUSEHOLD_YEAR_CODE_FIELDS}


class _DjangoMessage:
    """A Django validator's message (possibly a lazy plural) rendered in the active language on ``str()``."""

    def __init__(self, message: Any, params: dict[str, Any] | None) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message % self.params if self.params else self.message)


def _clean(model: type[models.Model], data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Check values against the model's column limits (length, digits, non-negative) that the
    services leave to the database, so that they answer 422 rather than fail on PostgreSQL.
    An explicit null clears a text field ("") or a nullable field; for any other field it is an error."""
    out: dict[str, Any] = {}
    problems = []
    for name, value in data.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # unknown names are reported by the services
            out[name] = value
            continue
        if value is None:
            if field.null:
                out[name] = None
            elif isinstance(field, models.CharField):
                out[name] = ""
            else:
                problems.append(issue(f"{prefix}{name}", "null", _("This field cannot be empty.")))
            continue
        if name not in _CHECKED_BY_SERVICES:
            try:
                field.run_validators(field.to_python(value))
            except DjangoValidationError as exc:
                problems += [FieldIssue(field=f"{prefix}{name}", code=e.code or "invalid",
                                        message=_DjangoMessage(e.message, e.params)) for e in exc.error_list]
                continue
        out[name] = value
    if problems:
        raise ValidationFailed(issues=problems)
    return out


class ListFilters(Schema):
    q: str = Field("", description="member name (prefix), ID number (exact) or household number")
    area: str = Field("", description="12-digit area code: only households at or below it")
    status: str = Field("", description="code list `household_status`, in `year` (default: the latest year)")
    year: int | None = Field(None, description="year of the status filter and of the status shown")


def _filtered(request: HttpRequest, filters: ListFilters) -> tuple[Any, int | None]:
    """Scoped households matching the filters, and the year whose status applies."""
    problems = []
    if filters.area and not codes.is_area_code(filters.area):
        problems.append(issue("area", "area_code", _("An area code has 12 digits.")))
    if filters.status and not codelists.is_valid("household_status", filters.status):
        problems.append(issue("status", "unknown_code", _("“%(value)s” is not a value of this list."), value=filters.status))
    if problems:
        raise ValidationFailed(issues=problems)
    year = filters.year or selectors.household_latest_year(actor=request.auth)
    queryset = selectors.household_search(actor=request.auth, query=filters.q, area_code=filters.area,
                                          status=filters.status, year=year)
    if filters.status and not year:  # no yearly records at all, so no household has that status
        queryset = queryset.none()
    return queryset, year


# --- households ----------------------------------------------------------------------------------------


@households.get("", response={200: HouseholdPage, **ERRORS}, summary="Search households in your areas")
def household_list(request: HttpRequest, filters: Query[ListFilters],
                   limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """Households inside your areas, ordered by household number; ``count`` counts all matches."""
    queryset, year = _filtered(request, filters)
    page = list(queryset[offset:offset + limit])
    statuses = selectors.household_statuses(actor=request.auth, household_ids=[h.pk for h in page], year=year)
    return {"count": queryset.count(), "limit": limit, "offset": offset,
            "items": [_household_out(request.auth, h, statuses.get(h.pk), year) for h in page]}


@households.get("/export", response={200: None, **ERRORS},
                summary="Export the list, one row per member: CSV (UTF-8 with BOM, or GBK) or XLSX")
def household_export(request: HttpRequest, filters: Query[ListFilters], format: Literal["csv", "xlsx"] = "csv",  # noqa: A002
                     encoding: Literal["utf-8", "gbk"] = "utf-8") -> HttpResponse:
    """The same households as the list with the same filters, in the import layout. Masked as your role
    requires; cells starting with = + - @ tab or CR get a leading ' so spreadsheets do not run them;
    the export is audited. Needs the ``registry.export`` capability."""
    queryset, year = _filtered(request, filters)
    filter_log = filters.dict()
    year = filters.year or (year if filters.status else None)  # else each household's latest record
    stamp = timezone.localdate().strftime("%Y%m%d")
    if format == "xlsx":
        response = HttpResponse(households_xlsx_bytes(actor=request.auth, households=queryset, year=year,
                                                      filters=filter_log), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="households-{stamp}.xlsx"'
        return response
    stream = households_csv(actor=request.auth, households=queryset, year=year, filters=filter_log,
                            encoding="utf-8-sig" if encoding == "utf-8" else "gbk")
    response = StreamingHttpResponse(stream, content_type=f"text/csv; charset={encoding}")
    response["Content-Disposition"] = f'attachment; filename="households-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@households.get("/{int:household_id}", response={200: HouseholdDetailOut, **ERRORS}, summary="One household")
def household_get(request: HttpRequest, household_id: int) -> dict[str, Any]:
    """The household with its members (and their yearly records) and its yearly records, newest first."""
    return _detail(request.auth, household_id)


@households.post("", response={201: HouseholdDetailOut, **ERRORS}, summary="Register a household")
def household_create(request: HttpRequest, payload: HouseholdCreate) -> Status:
    """Register a household with its members (exactly one ``head``) and optionally its first yearly
    record. Every problem is reported at once with its field path; nothing is written then."""
    data = payload.dict(exclude_unset=True)
    member_list = [_clean(Person, {k: v for k, v in m.items() if v is not None}, f"members[{i}].")
                   for i, m in enumerate(data.pop("members"))]
    area_code, year, year_data = data.pop("area_code"), data.pop("year", None), data.pop("year_data", None)
    household = services.household_register(actor=request.auth, area_code=area_code, members=member_list,
                                            household=_clean(Household, {k: v for k, v in data.items() if v is not None}),
                                            year=year, year_data=_clean(HouseholdYear, year_data or {}, "year."))
    return Status(201, _detail(request.auth, household.pk))


@households.patch("/{int:household_id}", response={200: HouseholdDetailOut, **ERRORS}, summary="Change a household")
def household_update(request: HttpRequest, household_id: int, payload: HouseholdPatch) -> dict[str, Any]:
    """Change the fields sent; ``version`` must be the one you loaded, otherwise 409 lists what others changed."""
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    selectors.household_get(actor=request.auth, pk=household_id)
    services.household_update(actor=request.auth, household_id=household_id, expected_version=version,
                              changes=_clean(Household, data))
    return _detail(request.auth, household_id)


@households.put("/{int:household_id}/years/{int:year}", response={200: HouseholdYearOut, **ERRORS},
                summary="Create or change the household's record for a year")
def household_year_put(request: HttpRequest, household_id: int, year: int, payload: HouseholdYearIn) -> dict[str, Any]:
    """Fields sent in ``data`` are set, others keep their value; income totals are derived, not sent."""
    selectors.household_get(actor=request.auth, pk=household_id)
    record = services.household_year_save(actor=request.auth, household_id=household_id, year=year,
                                          expected_version=payload.version,
                                          data=_clean(HouseholdYear, payload.data.dict(exclude_unset=True)))
    return _year_out(record)


@households.get("/{int:household_id}/members", response={200: list[MemberOut], **ERRORS},
                summary="Members of a household")
def member_list(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    h = selectors.household_detail(actor=request.auth, pk=household_id)
    return [_member_out(request.auth, p, h.version, list(p.years.all())) for p in h.member_list]  # type: ignore[attr-defined]


@households.post("/{int:household_id}/members", response={201: MemberOut, **ERRORS}, summary="Add a member")
def member_create(request: HttpRequest, household_id: int, payload: MemberCreate) -> Status:
    """Add a member (birth, marriage, …). A second head or an ID number already registered is refused."""
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    version = data.pop("version")
    selectors.household_get(actor=request.auth, pk=household_id)
    person = services.person_add(actor=request.auth, household_id=household_id, expected_version=version,
                                 data=_clean(Person, data))
    return Status(201, _member_out_fresh(request, person.pk))


# --- members ----------------------------------------------------------------------------------------


def _member_out_fresh(request: HttpRequest, person_id: int) -> dict[str, Any]:
    person = selectors.person_detail(actor=request.auth, pk=person_id)
    return _member_out(request.auth, person, person.household.version, person.year_list)  # type: ignore[attr-defined]


@members.get("/{int:person_id}", response={200: MemberOut, **ERRORS}, summary="One member")
def member_get(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _member_out_fresh(request, person_id)


@members.patch("/{int:person_id}", response={200: MemberOut, **ERRORS}, summary="Change a member")
def member_update(request: HttpRequest, person_id: int, payload: MemberPatch) -> dict[str, Any]:
    """``version`` is the *household's* version: any edit under a household conflicts with any other
    made since you loaded it."""
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    selectors.person_get(actor=request.auth, pk=person_id)
    services.person_update(actor=request.auth, person_id=person_id, expected_version=version,
                           changes=_clean(Person, data))
    return _member_out_fresh(request, person_id)


@members.put("/{int:person_id}/years/{int:year}", response={200: PersonYearOut, **ERRORS},
             summary="Create or change the member's record for a year")
def member_year_put(request: HttpRequest, person_id: int, year: int, payload: PersonYearIn) -> dict[str, Any]:
    selectors.person_get(actor=request.auth, pk=person_id)
    record = services.person_year_save(actor=request.auth, person_id=person_id, year=year,
                                       expected_version=payload.version,
                                       data=_clean(PersonYear, payload.data.dict(exclude_unset=True)))
    return _person_year_out(request.auth, record)
