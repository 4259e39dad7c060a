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

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.scope import code_in_scope
from jingzhun.areas import codes as area_codes
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.core.exceptions import render_in
from jingzhun.core.iterables import read_ahead
from jingzhun.imports import screen
from jingzhun.imports.columns import (
    BY_KEY,
    COLUMNS,
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
from jingzhun.imports.readers import Table, csv_frames
from jingzhun.registry import codelists, validation
from jingzhun.registry.models import Household, Person
from jingzhun.registry.services import HOUSEHOLD_NUMBER_RE

CELL_MESSAGES = {
    "unknown_code": _("“%(value)s” is not a value of this list."),
    "date": _("Write the date as YYYY-MM-DD (for example 1968-04-02)."),
    "integer": _("Write a whole number."),
    "number": _("Write a number, such as 1200.50."),
    "boolean": _("Write 是 or 否."),
    "control_character": _("This cell holds an invisible control character (copied from another system); type the value again."),
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
    "household_split": _("The rows of this household are not together (it also appears on row %(row)s); sort the file by 户编号 and import it again."),
    "decimal_range": _("Write a number from 0 to 99,999,999.99."),
    "household_number": _("A household number has 4 to 20 letters or digits."),
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
    problems: list[Problem] = field(default_factory=list)  # found while grouping (fields that disagree)


@dataclass
class RejectedHousehold:
    number: str
    rows: list[int]


@dataclass
class CheckedFile:
    header: list[Any]
    columns: dict[int, Column]
    unknown_headers: list[str]
    problems: list[Problem]
    raw_rows: dict[int, list[Any]]  # the cells of the rejected rows, for the report
    total_rows: int = 0
    household_count: int = 0
    rejected_households: list[RejectedHousehold] = field(default_factory=list)
    file_problem: Problem | None = None


@dataclass
class ChunkResult:
    """What one chunk of a file holds after the checks: the rows of valid new households (typed, see
    imports.screen) and the valid households already in the registry (for the exact merge)."""

    new_rows: Any  # polars.DataFrame
    existing: list[HouseholdGroup]
    problems: int


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


def relation_sexes() -> dict[str, str]:
    return {code: str((item.get("attributes") or {}).get("sex") or "") for code, item in codelists.codes_of("relation").items()}


CHUNK_ROWS = 50_000  # rows checked (and written) at a time; whole households per chunk
SCREEN = True  # False sends every row through the exact checks (the screen's equivalence tests use it)


def check_file(table: Table, *, actor: Any, year: int | None, progress: Callable[[int], None] | None = None,
               on_chunk: Callable[[ChunkResult], None] | None = None,
               database_lock: AbstractContextManager[Any] | None = None) -> CheckedFile:
    """Check the whole file, a chunk of whole households at a time, in bounded memory. Returns the
    problems and the rejected households; ``on_chunk`` (the writer) receives each chunk's valid
    households. Nothing here writes to the database; its reads of the database hold
    ``database_lock`` (when the writer may be using the connection from another thread)."""
    header_map = map_headers(table.header)
    problems: list[Problem] = []
    checked = CheckedFile(table.header, header_map.columns, header_map.unknown, problems, {})
    if header_map.missing:
        for column in header_map.missing:
            problems.append(Problem(1, column.zh, "", "missing_column", MESSAGES["missing_column"], {"column": column.zh}))
        checked.file_problem = problems[0]
        return checked
    run = _Run(checked, header_map.columns, actor=actor, year=year, on_chunk=on_chunk,
               database_lock=database_lock or nullcontext())
    # Reading and the column-wise screen (no database) run a chunk or two ahead, in a worker
    # thread, while this thread checks against the registry and the writer waits on the database.
    prepared = ((chunk, run.screen(chunk)) for chunk in _chunks(table, header_map.columns))
    for chunk, typed in read_ahead(prepared):
        run.check(chunk, typed)
        if progress:
            progress(chunk.height)
    if checked.total_rows == 0:
        checked.file_problem = Problem(1, "", "", "no_rows", MESSAGES["no_rows"])
        problems.append(checked.file_problem)
    return checked


def _chunks(table: Table, columns: dict[int, Column]) -> Iterator[pl.DataFrame]:
    """Frames of text cells (``_row``, ``c0``…) holding whole households (the rows of the last
    household of a batch wait for the next one). Rows with no content are left out."""
    width = len(table.header)
    frames = csv_frames(table, CHUNK_ROWS) or _python_frames(table, width)
    number_column = f"c{next(p for p, c in columns.items() if c.key == 'household_number')}"
    has_content = pl.any_horizontal([pl.col(f"c{i}").str.strip_chars().str.len_chars() > 0 for i in range(width)])
    carry: pl.DataFrame | None = None
    for frame in frames:
        frame = frame.filter(has_content)
        if carry is not None:
            frame = pl.concat([carry, frame])
        if frame.is_empty():
            carry = None
            continue
        number = pl.col(number_column).str.strip_chars().fill_null("")
        runs = frame.select((number != number.shift(1)).fill_null(True).cum_sum().alias("run"))["run"]
        last = runs[-1]
        tail = runs == last
        if tail.all():
            carry = frame
            continue
        carry = frame.filter(tail)
        yield frame.filter(~tail)
    if carry is not None and not carry.is_empty():
        yield carry


def _python_frames(table: Table, width: int) -> Iterator[pl.DataFrame]:
    """Frames from the row iterator (XLSX, and CSV files the fast reader cannot number exactly)."""
    batch: list[list[Any]] = []
    numbers: list[int] = []
    for number, cells in table.rows:
        numbers.append(number)
        batch.append([cell_text(cells[i]) if i < len(cells) else "" for i in range(width)])
        if len(batch) >= CHUNK_ROWS:
            yield _frame(numbers, batch, width)
            batch, numbers = [], []
    if batch:
        yield _frame(numbers, batch, width)


def _frame(numbers: list[int], batch: list[list[str]], width: int) -> pl.DataFrame:
    columns = list(zip(*batch, strict=True)) if batch else [()] * width
    return pl.DataFrame({"_row": pl.Series(numbers, dtype=pl.Int64),
                         **{f"c{i}": pl.Series(columns[i], dtype=pl.String) for i in range(width)}})


class _Run:
    """The state of one pass over a file: IDs and household numbers seen in earlier chunks, areas
    already looked up, the code lists."""

    def __init__(self, checked: CheckedFile, columns: dict[int, Column], *, actor: Any,
                 year: int | None, on_chunk: Callable[[ChunkResult], None] | None,
                 database_lock: AbstractContextManager[Any]) -> None:
        self.checked, self.columns = checked, columns
        self.database = database_lock
        self.actor, self.year, self.on_chunk = actor, year, on_chunk
        self.lookup = code_lookup()
        self.relation_sex = relation_sexes()
        self.today = timezone.localdate()
        self.areas: dict[str, Problem | None] = {}
        self.seen_ids = pl.DataFrame(schema={"id_base": pl.String, "first_row": pl.Int64})
        self.seen_households = pl.DataFrame(schema={"household_number": pl.String, "first_row": pl.Int64})
        # Registered before this pass: what the registry lookups need to find. Rows a writer adds
        # while the pass goes on come from this file, whose own repeats the file checks catch.
        self.last_household = Household.objects.aggregate(m=Max("pk"))["m"] or 0
        self.last_person = Person.objects.aggregate(m=Max("pk"))["m"] or 0

    def screen(self, raw: pl.DataFrame) -> pl.DataFrame:
        """The chunk's cells parsed and screened column-wise (see imports.screen). Reads no state a
        ``check`` changes and touches no database, so it may run ahead in another thread."""
        typed = screen.parse_columns(raw, self.columns, self.lookup)
        typed = screen.screen_rows(typed, year=self.year, today=self.today, relation_sex=self.relation_sex)
        if not SCREEN:
            typed = typed.with_columns(pl.lit(True).alias("_suspect"))
        return typed

    def check(self, raw: pl.DataFrame, typed: pl.DataFrame) -> None:
        """Check a screened chunk (the suspects row by row, duplicates, areas, households, the
        registry) and hand its valid households to the writer."""
        checked = self.checked
        checked.total_rows += raw.height
        problems: list[Problem] = []
        typed = self._exact_rows(raw, typed, problems)
        bad_rows = {p.row for p in problems}
        bad_rows |= self._duplicates(typed, problems)
        bad_rows |= self._areas(typed, problems)
        households = screen.household_suspects(typed.filter(pl.col("household_number").is_not_null()), year=self.year,
                                               today=self.today)
        if not SCREEN:
            households = households.with_columns(pl.lit(True).alias("household_suspect"))
        split = households.join(self.seen_households, on="household_number", how="inner")
        if not split.is_empty():
            first = split.row(0, named=True)
            checked.file_problem = Problem(first["first_row"], BY_KEY["household_number"].zh, first["household_number"],
                                           "household_split", MESSAGES["household_split"], {"row": first["first_row_right"]})
            problems.append(checked.file_problem)
        self.seen_households = pl.concat([self.seen_households, households.select("household_number", "first_row")])
        checked.household_count += households.height
        invalid: set[str] = set()
        if bad_rows:
            invalid |= set(typed.filter(pl.col("_row").is_in(sorted(bad_rows)))["household_number"].drop_nulls().to_list())
        groups = self._exact_households(typed, households, invalid, problems)
        registered_before = self.last_household or self.last_person  # else nothing to look up
        with self.database if registered_before else nullcontext():
            existing = self._registry(typed, households, groups, invalid, problems)
        checked.problems.extend(problems)
        rejected = typed.filter(pl.col("household_number").is_in(sorted(invalid)) | pl.col("household_number").is_null()
                                | pl.col("_row").is_in(sorted(bad_rows)))
        if not rejected.is_empty():
            for number, rows in rejected.group_by("household_number", maintain_order=True).agg(pl.col("_row")).iter_rows():
                checked.rejected_households.append(RejectedHousehold(number or "", list(rows)))
            cells = raw.filter(pl.col("_row").is_in(rejected["_row"].implode()))
            for values in cells.iter_rows():
                checked.raw_rows[values[0]] = list(values[1:])
        if self.on_chunk is not None:
            valid_existing = [g for g in existing if g.number not in invalid]
            keep = ~pl.col("household_number").is_in(sorted(invalid | {g.number for g in existing})) \
                & pl.col("household_number").is_not_null()
            self.on_chunk(ChunkResult(typed.filter(keep), valid_existing, len(problems)))

    def _exact_rows(self, raw: pl.DataFrame, typed: pl.DataFrame, problems: list[Problem]) -> pl.DataFrame:
        """Check the suspect rows one by one (the wording of every row problem lives here)."""
        suspects = typed.filter(pl.col("_suspect"))
        if suspects.is_empty():
            return typed.with_columns(pl.lit(False).alias("_problem"))
        cells_of = {values[0]: values[1:] for values in raw.filter(pl.col("_row").is_in(suspects["_row"].implode())).iter_rows()}
        replacements = []
        for number in suspects["_row"].to_list():
            row, row_problems = check_row(number, list(cells_of[number]), self.columns, self.lookup, self.today, self.year)
            problems.extend(row_problems)
            replacements.append({**row, "_suspect": True, "_problem": bool(row_problems)})
        schema = {**typed.schema, "_problem": pl.Boolean}
        exact = pl.DataFrame(replacements, schema=schema, strict=False)
        return pl.concat([typed.filter(~pl.col("_suspect")).with_columns(pl.lit(False).alias("_problem")), exact],
                         how="vertical").sort("_row")

    def _duplicates(self, typed: pl.DataFrame, problems: list[Problem]) -> set[int]:
        """An ID number again later in the file: the later rows are rejected, naming the first."""
        ids = typed.filter(pl.col("id_base").is_not_null() & (pl.col("id_base") != "")).select("_row", "id_base", "id_number")
        # The first row of each ID number: from an earlier chunk when it was seen there, else this one's.
        in_chunk = ids.group_by("id_base").agg(pl.col("_row").min().alias("first_row")).join(
            self.seen_ids, on="id_base", how="left", suffix="_earlier")
        self.seen_ids = pl.concat([self.seen_ids, in_chunk.filter(pl.col("first_row_earlier").is_null())
                                  .select("id_base", "first_row")])
        firsts = in_chunk.select("id_base", pl.coalesce("first_row_earlier", "first_row").alias("first_row"))
        again = ids.join(firsts, on="id_base").filter(pl.col("_row") != pl.col("first_row"))
        for row, number, first in again.select("_row", "id_number", "first_row").iter_rows():
            problems.append(Problem(row, BY_KEY["id_number"].zh, number or "", "duplicate_in_file",
                                    MESSAGES["duplicate_in_file"], {"row": first}))
        return set(again["_row"].to_list())

    def _areas(self, typed: pl.DataFrame, problems: list[Problem]) -> set[int]:
        bad: set[int] = set()
        codes = typed["area_code"].drop_nulls().unique().to_list()
        unseen = [c for c in codes if c not in self.areas]
        if unseen:
            with self.database:
                self.areas.update(_area_problems(self.actor, unseen))
        for code in codes:
            found = self.areas[code]
            if found is None:
                continue
            for row in typed.filter(pl.col("area_code") == code)["_row"].to_list():
                problems.append(Problem(row, BY_KEY["area_code"].zh, code, found.code, found.message))
                bad.add(row)
        return bad

    def _exact_households(self, typed: pl.DataFrame, households: pl.DataFrame, invalid: set[str],
                          problems: list[Problem]) -> dict[str, HouseholdGroup]:
        """The suspect households, grouped and checked as the row-by-row path does."""
        suspect = households.filter(pl.col("household_suspect"))["household_number"].to_list()
        groups = self._groups(typed, suspect)
        for number, group in groups.items():
            before = len(problems)
            _check_group(group, self.year, problems)
            if len(problems) > before or group.invalid:
                invalid.add(number)
        return groups

    def _groups(self, typed: pl.DataFrame, numbers: list[str]) -> dict[str, HouseholdGroup]:
        groups: dict[str, HouseholdGroup] = {}
        if not numbers:
            return groups
        rows = typed.filter(pl.col("household_number").is_in(numbers)).sort("_row")
        for record in rows.iter_rows(named=True):
            values = python_values(record)
            number = values["household_number"]
            household = {k: values.get(k) for k in screen.HOUSEHOLD_KEYS}
            year_values = {k: values.get(k) for k in screen.YEAR_KEYS}
            group = groups.get(number)
            if group is None:
                group = groups[number] = HouseholdGroup(number, record["_row"], household, year_values)
            row_problems: list[Problem] = []
            _merge_household_fields(group, household, year_values, record["_row"], values.get("relation"), row_problems)
            if row_problems:
                group.invalid = True
                group.problems.extend(row_problems)
            group.rows.append(record["_row"])
            member = {k: values.get(k) for k in MEMBER_KEYS if values.get(k) is not None}
            if "person_phone" in member:
                member["phone"] = member.pop("person_phone")
            person_year = {c.key: values.get(c.key) for c in COLUMNS if c.entity == PERSON_YEAR and values.get(c.key) is not None}
            group.members.append({**member, "_row": record["_row"], "_year": person_year, "_year_number": record["_row_year"]})
            if record["_problem"]:
                group.invalid = True
        return groups

    def _registry(self, typed: pl.DataFrame, households: pl.DataFrame, groups: dict[str, HouseholdGroup],
                  invalid: set[str], problems: list[Problem]) -> list[HouseholdGroup]:
        """Households already registered must be in scope and in the same village (they are merged
        by the exact path); an ID number may belong only to the household the file puts it in."""
        numbers = households["household_number"].to_list() if self.last_household else []
        existing: dict[str, tuple[int, str]] = {}
        for start in range(0, len(numbers), LOOKUP_BATCH):
            for pk, number, area in Household.objects.filter(
                    household_number__in=numbers[start:start + LOOKUP_BATCH], pk__lte=self.last_household) \
                    .values_list("pk", "household_number", "area_id"):
                existing[number] = (pk, area)
        first_rows = dict(households.select("household_number", "first_row").iter_rows())
        file_areas = dict(households.select("household_number", "area_code").iter_rows())
        for number, (_pk, area) in existing.items():
            if not code_in_scope(self.actor, area):
                problems.append(Problem(first_rows[number], BY_KEY["household_number"].zh, number, "household_scope",
                                        MESSAGES["household_scope"]))
                invalid.add(number)
            elif file_areas.get(number) and file_areas[number] != area:
                problems.append(Problem(first_rows[number], BY_KEY["area_code"].zh, file_areas[number], "household_moved",
                                        MESSAGES["household_moved"]))
                invalid.add(number)
        ids = typed.filter(pl.col("id_base").is_not_null() & (pl.col("id_base") != "")).select(
            "_row", "id_base", "id_number", "household_number")
        bases = ids["id_base"].unique().to_list() if self.last_person else []
        owner_of: dict[str, str] = {}
        for start in range(0, len(bases), LOOKUP_BATCH):
            for base, number in Person.objects.filter(id_base__in=bases[start:start + LOOKUP_BATCH],
                                                      pk__lte=self.last_person).values_list(
                    "id_base", "household__household_number"):
                owner_of[base] = number
        if owner_of:
            owners = pl.DataFrame({"id_base": list(owner_of), "owner": list(owner_of.values())})
            clash = ids.join(owners, on="id_base").filter(pl.col("owner") != pl.col("household_number"))
            for row, number, household_number in clash.select("_row", "id_number", "household_number").iter_rows():
                problems.append(Problem(row, BY_KEY["id_number"].zh, number or "", "duplicate_in_registry",
                                        MESSAGES["duplicate_in_registry"]))
                if household_number:
                    invalid.add(household_number)
        wanted = [n for n in existing if n not in invalid]
        missing = [n for n in wanted if n not in groups]
        groups.update(self._groups(typed, missing))
        for number in wanted:
            groups[number].existing_id = existing[number][0]
        return [groups[n] for n in wanted]


LOOKUP_BATCH = 900  # values per IN (...) (SQLite's classic parameter limit)
MEMBER_KEYS = ("name", "sex", "id_type", "id_number", "id_base", "birth_date", "relation", "ethnicity",
               "political_status", "person_phone", "is_soldier", "status")
MONEY_KINDS = ("money", "decimal")


def python_values(record: dict[str, Any]) -> dict[str, Any]:
    """A typed row (see imports.screen) as the values the exact checks and the services take."""
    values = dict(record)
    for column in COLUMNS:
        value = values.get(column.key)
        if value is not None and column.kind in MONEY_KINDS:
            values[column.key] = Decimal(value).scaleb(-2)
    return values


def check_row(number: int, cells: list[Any], columns: dict[int, Column], lookup: dict[str, dict[str, str]],
              today: Any, year: int | None) -> tuple[dict[str, Any], list[Problem]]:
    """The exact checks of one row: its typed values (as imports.screen lays them out) and its
    problems, each naming the row, the column, the value and the reason."""
    values: dict[str, Any] = {}
    row_problems: list[Problem] = []
    for position, column in columns.items():
        raw = cells[position] if position < len(cells) else None
        try:
            values[column.key] = parse_cell(column, raw, lookup)
        except CellError as exc:
            values[column.key] = None
            row_problems.append(Problem(number, column.zh, cell_text(raw), exc.code, CELL_MESSAGES[exc.code],
                                        {"value": cell_text(raw)}))
    for column in COLUMNS:
        if column.required and column.key in values and values[column.key] in (None, "") and not any(
                p.column == column.zh for p in row_problems):
            row_problems.append(Problem(number, column.zh, "", "required", _("This field is required.")))
    for column in COLUMNS:
        value = values.get(column.key)
        if column.kind == "decimal" and value is not None and (value < 0 or value >= Decimal(10) ** screen.WHOLE_DIGITS["decimal"]):
            row_problems.append(Problem(number, column.zh, cell_text(value), "decimal_range", MESSAGES["decimal_range"]))
            values[column.key] = None
    household_number = values.get("household_number")
    if household_number and not HOUSEHOLD_NUMBER_RE.match(household_number):
        row_problems.append(Problem(number, BY_KEY["household_number"].zh, household_number, "format",
                                    MESSAGES["household_number"]))
    household_values = {k: values.get(k) for k in ("phone", "bank_account") if values.get(k)}
    for item in validation.check_household(household_values):
        row_problems.append(Problem(number, BY_KEY[item.field].zh, cell_text(household_values.get(item.field)),
                                    item.code, item.message, item.params))
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
    person_year = {c.key: values.get(c.key) for c in COLUMNS if c.entity == PERSON_YEAR and values.get(c.key) is not None}
    for item in validation.check_person_year(person_year):
        column = BY_KEY.get(item.field)
        if column is not None and not any(p.column == column.zh for p in row_problems):
            row_problems.append(Problem(number, column.zh, cell_text(person_year.get(item.field)), item.code,
                                        item.message, item.params))
    row_year = values.get("year") or year
    year_values = [k for k, v in values.items() if v is not None and k != "year"
                   and BY_KEY[k].entity in (HOUSEHOLD_YEAR, PERSON_YEAR)]
    if row_year is None and year_values:
        row_problems.append(Problem(number, BY_KEY["year"].zh, "", "year_missing", MESSAGES["year_missing"]))
    typed = {"_row": number, "_row_year": row_year, **values}
    for key in ("id_number", "id_base", "birth_date", "sex", "id_type", "name"):
        if key in cleaned:
            typed[key] = cleaned[key]
    for column in COLUMNS:
        value = typed.get(column.key)
        if value is not None and column.kind in MONEY_KINDS:
            typed[column.key] = int(value.quantize(Decimal("0.01")).scaleb(2))
    return typed, row_problems


def _area_problems(actor: Any, codes: list[str]) -> dict[str, Problem | None]:
    """For each village code of the file: what is wrong with it (not a code, no such area, not a
    village, outside the importer's scope), or None. One query per batch of codes."""
    levels: dict[str, str] = {}
    wellformed = [c for c in codes if area_codes.is_area_code(c)]
    for start in range(0, len(wellformed), LOOKUP_BATCH):
        levels.update(Area.objects.filter(code__in=wellformed[start:start + LOOKUP_BATCH]).values_list("code", "level"))
    found: dict[str, Problem | None] = {}
    for code in codes:
        if code not in levels:
            found[code] = Problem(0, "", code, "area_unknown", MESSAGES["area_unknown"])
        elif levels[code] != AreaLevel.VILLAGE:
            found[code] = Problem(0, "", code, "area_not_village", MESSAGES["area_not_village"])
        elif not code_in_scope(actor, code):
            found[code] = Problem(0, "", code, "area_scope", MESSAGES["area_scope"])
        else:
            found[code] = None
    return found


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


def _check_group(group: HouseholdGroup, year: int | None, problems: list[Problem]) -> None:
    """The household checks of the row-by-row path: fields that disagree between rows (found while
    grouping), structure, and the yearly record."""
    problems.extend(group.problems)
    issues = validation.check_household_members(group.members, prefix="members")
    for item in issues:
        index = _member_index(item.field)
        member = group.members[index] if index is not None else group.members[0]
        column = BY_KEY["relation"] if item.field.endswith("relation") or index is None else BY_KEY["id_number"]
        problems.append(Problem(member["_row"], column.zh, cell_text(member.get(column.key)), item.code,
                                item.message, item.params))
        group.invalid = True
    other = group.year.get("other_causes") or []
    if len(other) > 2:
        problems.append(Problem(group.first_row, BY_KEY["other_causes"].zh, "、".join(other), "too_many_causes",
                                MESSAGES["too_many_causes"]))
        group.invalid = True
    year_data = group_year_data(group, year)
    if year_data:
        year_issues, _cleaned = validation.check_household_year({**year_data, "year": group.year.get("year") or year})
        for item in year_issues:
            key = {"status": "hh_status", "other_cause_1": "other_causes", "other_cause_2": "other_causes"}.get(item.field, item.field)
            column = BY_KEY.get(key)
            problems.append(Problem(group.first_row, column.zh if column else item.field,
                                    cell_text(year_data.get(item.field)), item.code, item.message, item.params))
            group.invalid = True


def group_year_data(group: HouseholdGroup, year: int | None) -> dict[str, Any]:
    """The household's yearly fields as the registry names them (status, other_cause_1/2), without the year."""
    data = {k: v for k, v in group.year.items() if v is not None and k not in ("year", "other_causes", "hh_status")}
    for index, code in enumerate((group.year.get("other_causes") or [])[:2], start=1):
        data[f"other_cause_{index}"] = code
    if group.year.get("hh_status") is not None:
        data["status"] = group.year["hh_status"]
    return data


def _member_index(path: str) -> int | None:
    if path.startswith("members[") and "]" in path:
        return int(path[len("members["):path.index("]")])
    return None
