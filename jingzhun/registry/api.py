"""Households and members in the REST API: the same services, validation and scopes as the UI.

Reads go through ``registry.selectors`` (an out-of-scope household answers 404 exactly like a missing
one); writes through ``registry.services``; ID numbers, phones and bank accounts are masked for
roles that may not see them.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from jingzhun.core.exceptions import ValidationFailed, issue
from jingzhun.registry import codelists, privacy, selectors, services
from jingzhun.registry.exports import households_csv, households_xlsx
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear

households = Router(tags=["households"])
members = Router(tags=["members"])
MAX_LIMIT = 200
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- schemas ----------------------------------------------------------------------------------------


class ErrorField(Schema):
    field: str
    code: str
    message: str
    message_zh: str
    message_en: str


class ErrorBody(Schema):
    code: str
    message: str
    message_zh: str
    message_en: str
    fields: list[ErrorField] = []


class ErrorOut(Schema):
    error: ErrorBody


class MemberOptional(Schema):
    id_type: str | None = None
    sex: str | None = None
    birth_date: dt.date | None = None
    ethnicity: str | None = None
    political_status: str | None = None
    phone: str | None = None
    is_soldier: bool | None = None
    speaks_mandarin: bool | None = None


class MemberIn(MemberOptional):
    name: str
    relation: str
    id_number: str


class MemberPatch(MemberOptional):
    version: int = Field(..., description="the household version you loaded")
    name: str | None = None
    relation: str | None = None
    id_number: str | None = None
    status: str | None = None
    left_on: dt.date | None = None


class MemberCreate(MemberIn):
    version: int = Field(..., description="the household version you loaded")


class HouseholdFields(Schema):
    group_name: str | None = None
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
    area_code: str
    members: list[MemberIn]
    year: int | None = None
    year_data: dict[str, Any] | None = None


class HouseholdPatch(HouseholdFields):
    version: int


class YearIn(Schema):
    version: int
    data: dict[str, Any]


class CodeOut(Schema):
    code: str
    label: str


class MemberOut(Schema):
    id: int
    name: str
    sex: CodeOut
    relation: CodeOut
    id_type: str
    id_number: str
    birth_date: dt.date
    ethnicity: CodeOut
    phone: str
    status: CodeOut


class HouseholdYearOut(Schema):
    year: int
    status: CodeOut
    main_cause: CodeOut
    other_causes: list[CodeOut]
    per_capita_net_income: Decimal
    net_income: Decimal
    data: dict[str, Any]


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
    version: int


class HouseholdDetailOut(HouseholdOut):
    address: str
    bank_name: str
    members: list[MemberOut]
    years: list[HouseholdYearOut]


class HouseholdPage(Schema):
    count: int
    items: list[HouseholdOut]


class PersonYearOut(Schema):
    year: int
    data: dict[str, Any]


# --- presentation ----------------------------------------------------------------------------------------


def _code(list_key: str, value: str) -> dict[str, str]:
    return {"code": value or "", "label": codelists.label(list_key, value)}


def _household_out(actor: Any, h: Household) -> dict[str, Any]:
    return {
        "id": h.pk, "household_number": h.household_number, "area_code": h.area_id, "area_name": h.area.name,
        "group_name": h.group_name, "head_name": h.head_name, "member_count": h.member_count,
        "phone": privacy.shown_phone(actor, h.phone), "bank_account": privacy.shown_account(actor, h.bank_account),
        "version": h.version,
    }


def _member_out(actor: Any, p: Person) -> dict[str, Any]:
    return {
        "id": p.pk, "name": p.name, "sex": _code("sex", p.sex), "relation": _code("relation", p.relation),
        "id_type": p.id_type, "id_number": privacy.shown_id(actor, p.id_number), "birth_date": p.birth_date,
        "ethnicity": _code("ethnicity", p.ethnicity), "phone": privacy.shown_phone(actor, p.phone),
        "status": _code("member_status", p.status),
    }


def _year_out(y: HouseholdYear) -> dict[str, Any]:
    return {
        "year": y.year, "status": _code("household_status", y.status), "main_cause": _code("poverty_cause", y.main_cause),
        "other_causes": [_code("poverty_cause", c) for c in (y.other_cause_1, y.other_cause_2) if c],
        "per_capita_net_income": y.per_capita_net_income, "net_income": y.net_income,
        "data": {k: getattr(y, k) for k in services.HOUSEHOLD_YEAR_FIELDS},
    }


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    h = selectors.household_detail(actor=actor, pk=pk)
    return {
        **_household_out(actor, h), "address": h.address, "bank_name": h.bank_name,
        "members": [_member_out(actor, p) for p in h.member_list],  # type: ignore[attr-defined]
        "years": [_year_out(y) for y in h.year_list],  # type: ignore[attr-defined]
    }


def _filtered(request: HttpRequest, q: str, area: str, status: str, year: int | None):  # type: ignore[no-untyped-def]
    return selectors.household_search(actor=request.auth, query=q, area_code=area, status=status, year=year)


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# --- households ----------------------------------------------------------------------------------------


@households.get("", response={200: HouseholdPage, **ERRORS}, summary="Search households in your areas")
def household_list(request: HttpRequest, q: str = "", area: str = "", status: str = "", year: int | None = None,
                   limit: int = 50, offset: int = 0) -> dict[str, Any]:
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    queryset = _filtered(request, q, area, status, year)
    page = list(queryset.select_related("area")[offset:offset + limit])
    return {"count": queryset.count(), "items": [_household_out(request.auth, h) for h in page]}


@households.get("/export", response={200: None, **ERRORS},
                summary="Export the list, one row per member: CSV (UTF-8 with BOM, or GBK) or XLSX")
def household_export(request: HttpRequest, q: str = "", area: str = "", status: str = "", year: int | None = None,
                     format: str = "csv", encoding: str = "utf-8") -> HttpResponse:  # noqa: A002 (query parameter name)
    if format not in ("csv", "xlsx") or encoding not in ("utf-8", "gbk"):
        raise ValidationFailed(issues=[issue("format", "format", _("Use format=csv or xlsx and encoding=utf-8 or gbk."))])
    queryset = _filtered(request, q, area, status, year)
    filters = {"q": q, "area": area, "status": status, "year": year}
    if format == "xlsx":
        with tempfile.TemporaryDirectory() as tmp:
            path = households_xlsx(actor=request.auth, households=queryset, path=Path(tmp) / "households.xlsx",
                                   year=year, filters=filters)
            response = HttpResponse(path.read_bytes(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="households.xlsx"'
        return response
    stream = households_csv(actor=request.auth, households=queryset, year=year, filters=filters,
                            encoding="utf-8-sig" if encoding == "utf-8" else "gbk")
    response = StreamingHttpResponse(stream, content_type=f"text/csv; charset={encoding}")
    response["Content-Disposition"] = 'attachment; filename="households.csv"'
    return response


@households.get("/{int:household_id}", response={200: HouseholdDetailOut, **ERRORS}, summary="One household")
def household_get(request: HttpRequest, household_id: int) -> dict[str, Any]:
    return _detail(request.auth, household_id)


@households.post("", response={201: HouseholdDetailOut, **ERRORS}, summary="Register a household")
def household_create(request: HttpRequest, payload: HouseholdCreate) -> Status:
    data = payload.dict(exclude_unset=True)
    member_list = [{k: v for k, v in m.items() if v is not None} for m in data.pop("members")]
    area_code, year, year_data = data.pop("area_code"), data.pop("year", None), data.pop("year_data", None)
    household = services.household_register(actor=request.auth, area_code=area_code, members=member_list,
                                            household={k: v for k, v in data.items() if v is not None},
                                            year=year, year_data=year_data or {})
    return Status(201, _detail(request.auth, household.pk))


@households.patch("/{int:household_id}", response={200: HouseholdDetailOut, **ERRORS}, summary="Change a household")
def household_update(request: HttpRequest, household_id: int, payload: HouseholdPatch) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    selectors.household_get(actor=request.auth, pk=household_id)
    services.household_update(actor=request.auth, household_id=household_id, expected_version=version, changes=data)
    return _detail(request.auth, household_id)


@households.put("/{int:household_id}/years/{int:year}", response={200: HouseholdYearOut, **ERRORS},
                summary="Create or replace fields of the household's record for a year")
def household_year_put(request: HttpRequest, household_id: int, year: int, payload: YearIn) -> dict[str, Any]:
    selectors.household_get(actor=request.auth, pk=household_id)
    record = services.household_year_save(actor=request.auth, household_id=household_id, year=year,
                                          expected_version=payload.version, data=payload.data)
    return _year_out(record)


@households.get("/{int:household_id}/members", response={200: list[MemberOut], **ERRORS}, summary="Members of a household")
def member_list(request: HttpRequest, household_id: int) -> list[dict[str, Any]]:
    h = selectors.household_detail(actor=request.auth, pk=household_id)
    return [_member_out(request.auth, p) for p in h.member_list]  # type: ignore[attr-defined]


@households.post("/{int:household_id}/members", response={201: MemberOut, **ERRORS}, summary="Add a member")
def member_create(request: HttpRequest, household_id: int, payload: MemberCreate) -> Status:
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    version = data.pop("version")
    selectors.household_get(actor=request.auth, pk=household_id)
    person = services.person_add(actor=request.auth, household_id=household_id, expected_version=version, data=data)
    return Status(201, _member_out(request.auth, person))


# --- members ----------------------------------------------------------------------------------------


@members.get("/{int:person_id}", response={200: MemberOut, **ERRORS}, summary="One member")
def member_get(request: HttpRequest, person_id: int) -> dict[str, Any]:
    return _member_out(request.auth, selectors.person_get(actor=request.auth, pk=person_id))


@members.patch("/{int:person_id}", response={200: MemberOut, **ERRORS}, summary="Change a member")
def member_update(request: HttpRequest, person_id: int, payload: MemberPatch) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    selectors.person_get(actor=request.auth, pk=person_id)
    person = services.person_update(actor=request.auth, person_id=person_id, expected_version=version, changes=data)
    return _member_out(request.auth, person)


@members.put("/{int:person_id}/years/{int:year}", response={200: PersonYearOut, **ERRORS},
             summary="Create or replace fields of the member's record for a year")
def member_year_put(request: HttpRequest, person_id: int, year: int, payload: YearIn) -> dict[str, Any]:
    selectors.person_get(actor=request.auth, pk=person_id)
    record: PersonYear = services.person_year_save(actor=request.auth, person_id=person_id, year=year,
                                                   expected_version=payload.version, data=payload.data)
    return {"year": record.year, "data": {k: getattr(record, k) for k in services.PERSON_YEAR_FIELDS}}
