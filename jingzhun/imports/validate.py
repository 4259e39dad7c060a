"""Read and check a whole import file before anything is written.

Every problem names the row (as numbered in the spreadsheet), the column (its Chinese header), the
value and the reason in zh-hans and en. Checks: header (required columns), each cell (type, code
list), each member (ID number with checksum, birth date and sex against the ID, relation vs sex,
phone), each household (one head, spouse of the other sex, household fields the same on all its
rows, village exists, is a village and lies in the importer's scope, household not owned by an area
outside the scope), duplicates inside the file and against the registry, the yearly record (causes,
income items).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.scope import code_in_scope
from jingzhun.areas import codes as area_codes
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.core.exceptions import render_in
from jingzhun.imports.columns import (
    BY_KEY,
    COLUMNS,
    HOUSEHOLD,
    HOUSEHOLD_YEAR,
    PERSON,
    PERSON_YEAR,
    CellError,
    Column,
    cell_text,
    map_headers,
    normalise_header,
    parse_cell,
)
from jingzhun.imports.readers import Table
from jingzhun.registry import codelists, validation
from jingzhun.registry.models import Household, Person

CELL_MESSAGES = {
    "unknown_code": _("“%(value)s” is not a value of this list."),
    "date": _("Write the date as YYYY-MM-DD (for example 1968-04-02)."),
    "integer": _("Write a whole number."),
    "number": _("Write a number, such as 1200.50."),
    "boolean": _("Write 是 or 否."),
}
MESSAGES = {
    "missing_column": _("The required column “%(column)s” is missing."),
    "no_rows": _("The file has a header but no data rows."),
    "area_unknown": _("No village has this code."),
    "area_not_village": _("This code is not a village (行政村)."),
    "area_scope": _("This village is outside your areas."),
    "household_scope": _("This household number belongs to a household outside your areas."),
    "household_moved": _("This household is registered in another village; move it in the registry first."),
    "inconsistent": _("The rows of this household disagree on this field (%(other)s on row %(row)s)."),
    "duplicate_in_file": _("This ID number appears again on row %(row)s."),
    "duplicate_in_registry": _("This ID number is registered in another household."),
    "household_rejected": _("Rejected with its household: another row of household %(number)s has an error."),
    "year_missing": _("No year: give a 年度 column or choose the year of the import."),
    "too_many_causes": _("At most two other causes."),
}
PERSON_FIELD_TO_KEY = {"phone": "person_phone"}


@dataclass
class Problem:
    row: int
    column: str
    value: str
    code: str
    message: Any
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str) -> str:
        return render_in(language, self.message, self.params)


@dataclass
class HouseholdGroup:
    number: str
    first_row: int
    household: dict[str, Any]
    year: dict[str, Any]
    members: list[dict[str, Any]] = field(default_factory=list)  # with "_row" and "_year" entries
    rows: list[int] = field(default_factory=list)
    existing_id: int | None = None
    invalid: bool = False


@dataclass
class CheckedFile:
    header: list[Any]
    columns: dict[int, Column]
    unknown_headers: list[str]
    groups: dict[str, HouseholdGroup]
    problems: list[Problem]
    raw_rows: dict[int, list[Any]]
    total_rows: int
    file_problem: Problem | None = None

    @property
    def rejected_households(self) -> list[HouseholdGroup]:
        return [g for g in self.groups.values() if g.invalid]

    @property
    def valid_households(self) -> list[HouseholdGroup]:
        return [g for g in self.groups.values() if not g.invalid]


def code_lookup() -> dict[str, dict[str, str]]:
    """For each code list: normalised code, zh label and en label → code."""
    out: dict[str, dict[str, str]] = {}
    for column in COLUMNS:
        if column.code_list and column.code_list not in out:
            mapping: dict[str, str] = {}
            for code, item in codelists.codes_of(column.code_list).items():
                for text in (code, item["label_zh"], item["label_en"], item["label_zh"].lstrip("之")):
                    mapping.setdefault(normalise_header(text), code)
            out[column.code_list] = mapping
    return out


def check_file(table: Table, *, actor: Any, year: int | None,
               progress: Callable[[int], None] | None = None) -> CheckedFile:
    header_map = map_headers(table.header)
    problems: list[Problem] = []
    checked = CheckedFile(table.header, header_map.columns, header_map.unknown, {}, problems, {}, 0)
    if header_map.missing:
        for column in header_map.missing:
            problems.append(Problem(1, column.zh, "", "missing_column", MESSAGES["missing_column"], {"column": column.zh}))
        checked.file_problem = problems[0]
        return checked
    lookup = code_lookup()
    today = timezone.localdate()
    ids_seen: dict[str, int] = {}
    areas: dict[str, Problem | None] = {}
    for number, cells in table.rows:
        if not any(cell_text(c) for c in cells):
            continue
        checked.total_rows += 1
        checked.raw_rows[number] = list(cells)
        if progress and checked.total_rows % 1000 == 0:
            progress(1000)
        values: dict[str, Any] = {}
        row_problems: list[Problem] = []
        for position, column in header_map.columns.items():
            raw = cells[position] if position < len(cells) else None
            try:
                values[column.key] = parse_cell(column, raw, lookup)
            except CellError as exc:
                row_problems.append(Problem(number, column.zh, cell_text(raw), exc.code, CELL_MESSAGES[exc.code],
                                            {"value": cell_text(raw)}))
        for column in COLUMNS:
            if column.required and column.key in values and values[column.key] in (None, "") and not any(
                    p.column == column.zh for p in row_problems):
                row_problems.append(Problem(number, column.zh, "", "required", _("This field is required.")))
        person = {c.key: values.get(c.key) for c in COLUMNS if c.entity == PERSON and c.key in values}
        if "person_phone" in person:
            person["phone"] = person.pop("person_phone")
        person = {k: v for k, v in person.items() if v is not None}
        person_issues, cleaned = validation.check_person(person, today=today)
        for item in person_issues:
            key = PERSON_FIELD_TO_KEY.get(item.field, item.field)
            column = BY_KEY.get(key)
            if column is not None and any(p.column == column.zh for p in row_problems):
                continue
            row_problems.append(Problem(number, column.zh if column else item.field, cell_text(person.get(item.field)),
                                        item.code, item.message, item.params))
        base = cleaned.get("id_base")
        if base:
            if base in ids_seen:
                row_problems.append(Problem(number, BY_KEY["id_number"].zh, cleaned.get("id_number", ""), "duplicate_in_file",
                                            MESSAGES["duplicate_in_file"], {"row": ids_seen[base]}))
            else:
                ids_seen[base] = number
        household_number = cell_text(values.get("household_number"))
        area_code = cell_text(values.get("area_code"))
        if area_code:
            if area_code not in areas:
                areas[area_code] = _area_problem(actor, area_code)
            area_problem = areas[area_code]
            if area_problem is not None:
                row_problems.append(Problem(number, BY_KEY["area_code"].zh, area_code, area_problem.code, area_problem.message))
        household_values = {c.key: values.get(c.key) for c in COLUMNS if c.entity == HOUSEHOLD and c.key in values}
        year_values = {c.key: values.get(c.key) for c in COLUMNS if c.entity == HOUSEHOLD_YEAR and c.key in values}
        person_year = {c.key: values.get(c.key) for c in COLUMNS if c.entity == PERSON_YEAR and c.key in values}
        row_year = values.get("year") or year
        if row_year is None and (any(v is not None for k, v in year_values.items() if k != "year")
                                 or any(v is not None for v in person_year.values())):
            row_problems.append(Problem(number, BY_KEY["year"].zh, "", "year_missing", MESSAGES["year_missing"]))
        group = checked.groups.get(household_number)
        if group is None and household_number:
            group = HouseholdGroup(household_number, number, household_values, year_values)
            checked.groups[household_number] = group
        if group is not None:
            _merge_household_fields(group, household_values, year_values, number, person.get("relation"), row_problems)
            group.rows.append(number)
            group.members.append({**cleaned, "_row": number, "_year": {k: v for k, v in person_year.items() if v is not None},
                                  "_year_number": row_year})
            if row_problems:
                group.invalid = True
        problems.extend(row_problems)
    if checked.total_rows == 0:
        checked.file_problem = Problem(1, "", "", "no_rows", MESSAGES["no_rows"])
        problems.append(checked.file_problem)
        return checked
    _check_households(checked, actor, year)
    _check_against_registry(checked, actor)
    return checked


def _area_problem(actor: Any, code: str) -> Problem | None:
    if not area_codes.is_area_code(code):
        return Problem(0, "", code, "area_unknown", MESSAGES["area_unknown"])
    area = Area.objects.filter(code=code).first()
    if area is None:
        return Problem(0, "", code, "area_unknown", MESSAGES["area_unknown"])
    if area.level != AreaLevel.VILLAGE:
        return Problem(0, "", code, "area_not_village", MESSAGES["area_not_village"])
    if not code_in_scope(actor, code):
        return Problem(0, "", code, "area_scope", MESSAGES["area_scope"])
    return None


def _merge_household_fields(group: HouseholdGroup, household: dict[str, Any], year: dict[str, Any], row: int,
                            relation: Any, problems: list[Problem]) -> None:
    """Household fields are written on every member row; they must agree. The head's row wins."""
    for target, values in ((group.household, household), (group.year, year)):
        for key, value in values.items():
            if value is None:
                continue
            current = target.get(key)
            if current is None:
                target[key] = value
            elif current != value:
                column = BY_KEY[key]
                problems.append(Problem(row, column.zh, cell_text(value), "inconsistent", MESSAGES["inconsistent"],
                                        {"other": cell_text(current), "row": group.first_row}))


def _check_households(checked: CheckedFile, actor: Any, year: int | None) -> None:
    for group in checked.groups.values():
        issues = validation.check_household_members(group.members, prefix="members")
        for item in issues:
            index = _member_index(item.field)
            member = group.members[index] if index is not None else group.members[0]
            column = BY_KEY["relation"] if item.field.endswith("relation") or index is None else BY_KEY["id_number"]
            checked.problems.append(Problem(member["_row"], column.zh, cell_text(member.get(column.key)), item.code,
                                            item.message, item.params))
            group.invalid = True
        other = group.year.pop("other_causes", None) or []
        if len(other) > 2:
            checked.problems.append(Problem(group.first_row, BY_KEY["other_causes"].zh, "、".join(other), "too_many_causes",
                                            MESSAGES["too_many_causes"]))
            group.invalid = True
        for index, code in enumerate(other[:2], start=1):
            group.year[f"other_cause_{index}"] = code
        status = group.year.pop("hh_status", None)
        if status is not None:
            group.year["status"] = status
        group.year.setdefault("year", year)
        year_data = {k: v for k, v in group.year.items() if v is not None and k != "year"}
        if year_data:
            year_issues, _cleaned = validation.check_household_year({**year_data, "year": group.year.get("year")})
            for item in year_issues:
                key = {"status": "hh_status", "other_cause_1": "other_causes", "other_cause_2": "other_causes"}.get(item.field, item.field)
                column = BY_KEY.get(key)
                checked.problems.append(Problem(group.first_row, column.zh if column else item.field,
                                                cell_text(year_data.get(item.field)), item.code, item.message, item.params))
                group.invalid = True


def _member_index(path: str) -> int | None:
    if path.startswith("members[") and "]" in path:
        return int(path[len("members["):path.index("]")])
    return None


def _check_against_registry(checked: CheckedFile, actor: Any) -> None:
    """Existing households (updates) must be in scope and in the same village; an ID number may belong
    only to the household the file puts it in."""
    numbers = list(checked.groups)
    existing: dict[str, tuple[int, str]] = {}
    for start in range(0, len(numbers), 2000):
        for pk, number, area in Household.objects.filter(household_number__in=numbers[start:start + 2000]).values_list(
                "pk", "household_number", "area_id"):
            existing[number] = (pk, area)
    for number, (pk, area) in existing.items():
        group = checked.groups[number]
        group.existing_id = pk
        if not code_in_scope(actor, area):
            checked.problems.append(Problem(group.first_row, BY_KEY["household_number"].zh, number, "household_scope",
                                            MESSAGES["household_scope"]))
            group.invalid = True
        elif group.household.get("area_code") and group.household["area_code"] != area:
            checked.problems.append(Problem(group.first_row, BY_KEY["area_code"].zh, group.household["area_code"],
                                            "household_moved", MESSAGES["household_moved"]))
            group.invalid = True
    owner_of: dict[str, str] = {}
    bases = [(m["id_base"], g.number, m) for g in checked.groups.values() for m in g.members if m.get("id_base")]
    for start in range(0, len(bases), 2000):
        part = [b for b, _n, _m in bases[start:start + 2000]]
        for base, household_number in Person.objects.filter(id_base__in=part).values_list("id_base", "household__household_number"):
            owner_of[base] = household_number
    for base, number, member in bases:
        owner = owner_of.get(base)
        if owner is not None and owner != number:
            checked.problems.append(Problem(member["_row"], BY_KEY["id_number"].zh, member.get("id_number", ""),
                                            "duplicate_in_registry", MESSAGES["duplicate_in_registry"]))
            checked.groups[number].invalid = True
