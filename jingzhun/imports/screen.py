"""The vectorised screen of an import chunk (Polars): parse every cell and run the row and household
checks over whole columns at once.

The screen is conservative by contract: it passes a row only when the exact, row-by-row checks of
``imports.validate`` (the one place problems are worded) would find nothing wrong with it and would
read the same values from it. Every row it does not pass — a cell it cannot read, an unknown code,
an ID number it does not vouch for, a disability certificate number, anything unusual — is marked
``_suspect`` and checked again row by row; households are handled the same way (``household_suspect``).
So the screen decides how fast a file is checked, never what is reported. The test
``test_screen.py`` feeds damaged files through both ways and compares the outcome.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import polars as pl

from jingzhun.imports.columns import (
    COLUMNS,
    CONTROL_CHARACTERS,
    DATE_FORMATS,
    HOUSEHOLD,
    HOUSEHOLD_YEAR,
    PERSON_YEAR,
    CellError,
    Column,
    parse_cell,
)
from jingzhun.registry import idcard
from jingzhun.registry.income import INCOME_ITEMS, TRANSFER_ITEMS
from jingzhun.registry.services import HOUSEHOLD_NUMBER_RE
from jingzhun.registry.validation import BANK_ACCOUNT_RE, LANDLINE_RE, MOBILE_RE, POOR_STATUSES

CENTS = 100
# The patterns below spell digits [0-9]: in Polars (Rust) \d also matches full-width digits (１２),
# which the casts cannot read; such cells go to the exact path, which reads them as Python does.
# Largest whole part the database takes: money has 14 digits with 2 decimals (the checks allow 12),
# the area measures 10 with 2.
WHOLE_DIGITS = {"money": 12, "decimal": 8}


def typed_dtype(column: Column) -> Any:
    return {"causes": pl.List(pl.String), "date": pl.Date, "int": pl.Int64, "money": pl.Int64,
            "decimal": pl.Int64, "bool": pl.Boolean}.get(column.kind, pl.String)


@cache
def region_known(code6: str) -> bool:
    """idcard's own region test, remembered per six-digit prefix."""
    return idcard.region_known(code6)


def _cents(text: pl.Expr, kind: str) -> tuple[pl.Expr, pl.Expr]:
    """(value in hundredths, ok) for a money/decimal cell (stripped, thousands separators removed):
    plain digits with at most two decimals."""
    ok = text.str.contains(rf"^[0-9]{{1,{WHOLE_DIGITS[kind]}}}(\.[0-9]{{1,2}})?$")
    cents = (text.cast(pl.Decimal(18, 2), strict=False) * CENTS).cast(pl.Int64, strict=False)
    return pl.when(ok).then(cents), ok


BY_DISTINCT_VALUE = ("code", "causes", "bool")  # few distinct values: parsed once each, by the exact parser


def _by_distinct_value(cells: pl.Series, column: Column, lookup: dict[str, dict[str, str]]) -> tuple[pl.Expr, pl.Expr]:
    """(value, ok) for a column of few distinct values: each distinct cell parsed once by
    ``columns.parse_cell`` (the exact path's own parser), then mapped over the column."""
    values: dict[str, Any] = {}
    bad: list[str] = []
    for text in cells.drop_nulls().unique().to_list():
        try:
            parsed = parse_cell(column, text, lookup)
        except CellError:
            bad.append(text)
            continue
        if parsed is None:
            continue
        if column.kind == "causes":
            if not parsed:  # only separators: let the exact path decide
                bad.append(text)
                continue
            parsed = CAUSE_JOIN.join(parsed)
        values[text] = parsed
    name = pl.col(cells.name)
    dtype = pl.Boolean if column.kind == "bool" else pl.String
    value = name.replace_strict(values, default=None, return_dtype=dtype) if values else pl.lit(None, dtype)
    if column.kind == "causes":
        value = value.str.split(CAUSE_JOIN)
    return value, ~name.is_in(bad) if bad else pl.lit(True)


CAUSE_JOIN = "\x1f"  # joins a cell's cause codes while they are mapped (codes never contain it)


def parse_columns(frame: pl.DataFrame, columns: dict[int, Column], lookup: dict[str, dict[str, str]]) -> pl.DataFrame:
    """Typed values (one column per key) and ``_suspect`` for cells that do not parse cleanly."""
    typed: list[pl.Expr] = []
    bad: list[pl.Expr] = []
    cleaned: list[pl.Expr] = []  # first pass: each cell stripped once, empty as null
    for position, column in columns.items():
        name = f"c{position}"
        if column.kind in BY_DISTINCT_VALUE:
            value, ok = _by_distinct_value(frame[name], column, lookup)
            typed.append(value.cast(typed_dtype(column)).alias(column.key))
            bad.append(~ok)
            continue
        text = pl.col(name).str.strip_chars()
        kept = text
        if column.kind in ("money", "decimal"):  # separators go after the empty test: "," alone is no number
            kept = text.str.replace_all(",", "", literal=True).str.replace_all("，", "", literal=True)
        cleaned.append(pl.when(text == "").then(None).otherwise(kept).alias(name))
        raw = pl.col(name)
        kind = column.kind
        if kind == "text":
            value, ok = raw, ~raw.str.contains(CONTROL_CHARACTERS.pattern)
        elif kind == "date":
            value = raw.str.strptime(pl.Date, DATE_FORMATS[0], strict=False)  # the other formats: exact path
            ok = raw.str.contains(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$") & value.is_not_null()
        elif kind == "int":
            ok = raw.str.contains(r"^[0-9]{1,9}(\.0+)?$")
            value = pl.when(ok).then(raw.str.extract(r"^([0-9]+)", 1).cast(pl.Int64, strict=False))
        elif kind in ("money", "decimal"):
            value, ok = _cents(raw, kind)
        else:  # pragma: no cover - every kind is listed above
            raise AssertionError(kind)
        typed.append(value.cast(typed_dtype(column)).alias(column.key))
        bad.append(raw.is_not_null() & ~ok.fill_null(False))
    suspect = pl.any_horizontal(bad) if bad else pl.lit(False)
    return frame.with_columns(cleaned).select(pl.col("_row"), *typed, suspect.alias("_suspect"))


def screen_rows(frame: pl.DataFrame, *, year: int | None, today: dt.date,
                relation_sex: dict[str, str]) -> pl.DataFrame:
    """Add the cleaned member fields (``id_base``; ``id_number`` normalised; ``sex``, ``birth_date``
    and ``id_type`` filled from the ID number) and mark rows whose member checks need the exact path."""
    frame = _ensure(frame)
    number = pl.col("id_number").str.replace_all(" ", "", literal=True).str.to_uppercase().str.strip_chars()
    birth = number.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    id_sex = pl.when(number.str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1).then(pl.lit("1")).otherwise(pl.lit("2"))
    frame = frame.with_columns(number.alias("_id"), birth.alias("_id_birth"), id_sex.alias("_id_sex"))
    checksum = idcard.checksum_ok_vectorised(frame["_id"].fill_null(""))
    prefixes = frame["_id"].drop_nulls().str.slice(0, 6).unique().to_list()
    known = sorted(p for p in prefixes if len(p) == 6 and p.isdigit() and region_known(p))
    frame = frame.with_columns(checksum.alias("_checksum"))
    resident = pl.col("id_type").is_null() | pl.col("id_type").is_in(["resident_id", "other"])
    id_ok = (
        resident & pl.col("_checksum") & pl.col("_id_birth").is_not_null()
        & (pl.col("_id_birth").dt.year() >= 1890) & (pl.col("_id_birth") <= pl.lit(today))
        & pl.col("_id").str.slice(0, 6).is_in(known)
    )
    implied = pl.col("relation").replace_strict(relation_sex, default=None, return_dtype=pl.String)
    sex = pl.coalesce(pl.col("sex"), pl.col("_id_sex"))
    row_year = pl.coalesce(pl.col("year"), pl.lit(year, pl.Int64))
    year_values = [pl.col(c.key).is_not_null() for c in COLUMNS
                   if c.entity in (HOUSEHOLD_YEAR, PERSON_YEAR) and c.key != "year" and c.key in frame.columns]
    phone_ok = pl.col("person_phone").is_null() | pl.col("person_phone").str.contains(MOBILE_RE.pattern) \
        | pl.col("person_phone").str.contains(LANDLINE_RE.pattern)
    household_phone_ok = pl.col("phone").is_null() | pl.col("phone").str.contains(MOBILE_RE.pattern) \
        | pl.col("phone").str.contains(LANDLINE_RE.pattern)
    account = pl.col("bank_account").str.replace_all(" ", "", literal=True)
    months_ok = pl.col("work_months").is_null() | pl.col("work_months").is_between(0, 12)
    clean = (
        ~pl.col("_suspect")
        & pl.col("name").is_not_null() & (pl.col("name").str.len_chars() <= 60)
        & pl.col("id_number").is_not_null() & pl.col("relation").is_not_null()
        & pl.col("household_number").is_not_null() & pl.col("household_number").str.contains(HOUSEHOLD_NUMBER_RE.pattern)
        & pl.col("area_code").is_not_null()
        & id_ok.fill_null(False)
        & (pl.col("birth_date").is_null() | (pl.col("birth_date") == pl.col("_id_birth")))
        & (pl.col("sex").is_null() | (pl.col("sex") == pl.col("_id_sex")))
        & (implied.is_null() | ~implied.is_in(["1", "2"]) | (implied == sex))
        & phone_ok & household_phone_ok & months_ok
        & (account.is_null() | account.str.contains(BANK_ACCOUNT_RE.pattern))
        & (row_year.is_not_null() | ~pl.any_horizontal(year_values) if year_values else pl.lit(True))
    )
    return frame.with_columns(
        pl.col("_id").alias("id_number"),
        pl.col("_id").str.slice(0, 18).alias("id_base"),
        pl.coalesce(pl.col("birth_date"), pl.col("_id_birth")).alias("birth_date"),
        sex.alias("sex"),
        pl.coalesce(pl.col("id_type"), pl.lit("resident_id")).alias("id_type"),
        row_year.alias("_row_year"),
        (~clean.fill_null(False)).alias("_suspect"),
    ).drop("_id", "_id_birth", "_id_sex", "_checksum")


def _ensure(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column of the layout exists (null where the file lacks it)."""
    missing = [pl.lit(None, typed_dtype(c)).alias(c.key) for c in COLUMNS if c.key not in frame.columns]
    return frame.with_columns(missing) if missing else frame


HOUSEHOLD_KEYS = [c.key for c in COLUMNS if c.entity == HOUSEHOLD]
YEAR_KEYS = [c.key for c in COLUMNS if c.entity == HOUSEHOLD_YEAR]


def household_suspects(frame: pl.DataFrame, *, year: int | None, today: dt.date) -> pl.DataFrame:
    """Per household number: ``household_suspect`` when its rows disagree on a household field, its
    structure is not plainly right (one active head, spouse of the other sex, no ID twice) or its
    yearly record might break a rule (see validation.check_household_year) — those households are
    checked again by the exact path."""
    active = pl.col("status").is_null() | (pl.col("status") == "active")
    head = active & (pl.col("relation") == "head")
    agreed = [(pl.col(k).drop_nulls().n_unique() > 1) for k in (*HOUSEHOLD_KEYS, *YEAR_KEYS)
              if k != "other_causes"]
    agreed.append(pl.col("other_causes").drop_nulls().list.join("、").n_unique() > 1)
    firsts = [pl.col(k).drop_nulls().first().alias(k) for k in (*HOUSEHOLD_KEYS, *YEAR_KEYS) if k != "household_number"]
    grouped = frame.group_by("household_number", maintain_order=True).agg(
        pl.col("_row").first().alias("first_row"),
        pl.len().alias("_rows"),
        pl.any_horizontal(agreed).alias("_disagree"),
        head.sum().alias("_heads"),
        pl.col("sex").filter(head).first().alias("_head_sex"),
        pl.col("sex").filter(active & (pl.col("relation") == "spouse")).alias("_spouse_sexes"),
        (pl.col("id_base").drop_nulls().n_unique() < pl.col("id_base").drop_nulls().len()).alias("_twice"),
        pl.col("_suspect").any().alias("_any_suspect"),
        *firsts,
    )
    year_data = [pl.col(k).is_not_null() for k in YEAR_KEYS if k != "year"]
    status = pl.col("hh_status")
    others = pl.col("other_causes")
    this_year = today.year
    year_rules_ok = (
        ~pl.any_horizontal(year_data)
        | (status.is_not_null()
           & pl.coalesce(pl.col("year"), pl.lit(year, pl.Int64)).is_between(2013, this_year + 1).fill_null(True)
           & (~status.is_in(sorted(POOR_STATUSES)) | pl.col("main_cause").is_not_null())
           & (others.is_null() | ((others.list.len() <= 2) & (others.list.n_unique() == others.list.len())
                                  & ~others.list.contains(pl.col("main_cause").fill_null("")).fill_null(False)))
           & ((status != "monitored") | pl.col("monitoring_type").is_not_null())
           & ~(pl.col("danger_level").is_in(["C", "D"]) & (pl.col("is_dangerous_house") == False)).fill_null(False))  # noqa: E712
    )
    structure_ok = (pl.col("_heads") == 1) & ~pl.col("_twice") & ~pl.col("_spouse_sexes").list.contains(
        pl.col("_head_sex")).fill_null(False)
    return grouped.with_columns(
        (pl.col("_any_suspect") | pl.col("_disagree") | ~structure_ok.fill_null(False) | ~year_rules_ok.fill_null(False))
        .alias("household_suspect"))


def derived_income(households: pl.DataFrame) -> pl.DataFrame:
    """transfer_income, total_income, net_income and per_capita_net_income in hundredths, as
    registry.income.derive_income computes them (per person rounded half up)."""
    item = {k: pl.col(k).fill_null(0) for k in INCOME_ITEMS}
    transfer = pl.sum_horizontal([item[k] for k in TRANSFER_ITEMS])
    total = item["wage_income"] + item["business_income"] + item["property_income"] + transfer
    net = total - item["business_expense"]
    persons = pl.col("_persons")
    magnitude = (2 * net.abs() + persons) // (2 * persons)
    per_capita = pl.when(persons > 0).then(pl.when(net < 0).then(-magnitude).otherwise(magnitude)).otherwise(0)
    return households.with_columns(transfer.alias("transfer_income"), total.alias("total_income"),
                                   net.alias("net_income"), per_capita.alias("per_capita_net_income"))
