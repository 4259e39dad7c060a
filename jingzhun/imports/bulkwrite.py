"""Write the new households of a checked import chunk in bulk: households, members, yearly records
and status events with ``COPY`` (PostgreSQL) or ``executemany`` (SQLite), and one hash-chained audit
event per household — set-based, no per-row ORM work. The rows come from ``imports.validate`` (the
screen and the exact checks), so everything here is already valid; the values written are the ones
the registry services would write (income totals derived the same way, the same status events).

Runs inside the import's transaction; the caller locks the tables first (``registry.bulk.lock_registry``),
so the keys taken after the current maximum stay free.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.audit import audit_record_many, register_action
from jingzhun.core.bulk import insert_frame, stamp_for
from jingzhun.imports import screen
from jingzhun.imports.columns import BY_KEY, COLUMNS, HOUSEHOLD, HOUSEHOLD_YEAR, PERSON_YEAR
from jingzhun.registry.income import INCOME_ITEMS
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear, StatusEvent
from jingzhun.registry.services import STATUS_EVENT_FOR

HOUSEHOLD_IMPORTED = register_action("registry.household.imported", _("Household registered by import"))
DERIVED = ("transfer_income", "total_income", "net_income", "per_capita_net_income")
MONEY_KEYS = [c.key for c in COLUMNS if c.kind in ("money", "decimal")]
HOUSEHOLD_COLUMNS = [c.key for c in COLUMNS if c.entity == HOUSEHOLD and c.key not in ("household_number", "area_code")]
YEAR_COLUMNS = [c.key for c in COLUMNS if c.entity == HOUSEHOLD_YEAR and c.key not in ("year", "hh_status", "other_causes")]
PERSON_YEAR_COLUMNS = [c.key for c in COLUMNS if c.entity == PERSON_YEAR]
PERSON_TEXT = ("name", "sex", "id_type", "id_number", "id_base", "relation", "ethnicity", "political_status")


def _decimal_text(expr: pl.Expr) -> pl.Expr:
    """Hundredths as the exact decimal text the database parses ("-12.05")."""
    magnitude = expr.abs()
    text = pl.concat_str([(magnitude // 100).cast(pl.String), pl.lit("."),
                          (magnitude % 100).cast(pl.String).str.pad_start(2, "0")])
    return pl.when(expr.is_null()).then(None).when(expr < 0).then(pl.lit("-") + text).otherwise(text)


def write_new_households(rows: pl.DataFrame, *, actor: Any, year: int | None, using: str = "default") -> int:
    """Insert the households of ``rows`` (typed rows of valid households not yet registered, whole
    households, in file order). Returns the number of households written."""
    if rows.is_empty():
        return 0
    now = timezone.now()
    today = timezone.localdate()
    stamp = stamp_for(using, now)
    active = pl.col("status").is_null() | (pl.col("status") == "active")
    firsts = [pl.col(k).drop_nulls().first().alias(k) for k in (*screen.HOUSEHOLD_KEYS, *screen.YEAR_KEYS)
              if k != "household_number"]
    households = rows.group_by("household_number", maintain_order=True).agg(
        *firsts,
        active.sum().cast(pl.Int64).alias("member_count"),
        pl.col("name").filter(active & (pl.col("relation") == "head")).first().fill_null("").alias("head_name"),
    )
    first_household = (Household.objects.using(using).aggregate(m=Max("id"))["m"] or 0) + 1
    households = households.with_columns(
        pl.int_range(first_household, first_household + pl.len(), dtype=pl.Int64).alias("id"),
        pl.col("bank_account").str.replace_all(" ", "", literal=True),
    )
    text_fields = [k for k in HOUSEHOLD_COLUMNS if BY_KEY[k].kind == "text"]
    insert_frame(using, Household, households.select(
        "id", "household_number", pl.col("area_code").alias("area_id"), "member_count", "head_name",
        *[pl.col(k).fill_null("") for k in text_fields],
        *[pl.col(k).fill_null(False) for k in HOUSEHOLD_COLUMNS if k not in text_fields],
    ), stamp)

    ids = households.select("household_number", pl.col("id").alias("household_id"))
    first_person = (Person.objects.using(using).aggregate(m=Max("id"))["m"] or 0) + 1
    persons = rows.join(ids, on="household_number", how="left", maintain_order="left").with_columns(
        pl.int_range(first_person, first_person + pl.len(), dtype=pl.Int64).alias("person_id"))
    insert_frame(using, Person, persons.select(
        pl.col("person_id").alias("id"), "household_id", *[pl.col(k).fill_null("") for k in PERSON_TEXT],
        "birth_date", pl.col("is_soldier").fill_null(False).alias("is_soldier"),
        pl.col("person_phone").fill_null("").alias("phone"), pl.col("status").fill_null("active").alias("status"),
    ), stamp)

    year_data = pl.any_horizontal([pl.col(k).is_not_null() for k in (*YEAR_COLUMNS, "hh_status", "other_causes")])
    years = households.filter(year_data).with_columns(
        pl.coalesce(pl.col("year"), pl.lit(year, pl.Int64)).alias("year"),
        pl.coalesce(pl.col("size_end"), pl.col("member_count")).alias("_persons"),
        *[pl.col(k).fill_null(0) for k in INCOME_ITEMS],
    )
    years = screen.derived_income(years)
    code_fields = [k for k in YEAR_COLUMNS if BY_KEY[k].kind == "code"]
    insert_frame(using, HouseholdYear, years.select(
        pl.col("id").alias("household_id"), "year", pl.col("hh_status").alias("status"),
        pl.col("other_causes").list.get(0, null_on_oob=True).fill_null("").alias("other_cause_1"),
        pl.col("other_causes").list.get(1, null_on_oob=True).fill_null("").alias("other_cause_2"),
        *[pl.col(k).fill_null("") for k in code_fields],
        *[_decimal_text(pl.col(k)).alias(k) for k in (*INCOME_ITEMS, *DERIVED)],
        *[_decimal_text(pl.col(k)).alias(k) for k in MONEY_KEYS if k not in INCOME_ITEMS],
        *[pl.col(k) for k in YEAR_COLUMNS if BY_KEY[k].kind in ("int", "bool")],
    ), stamp)

    person_year_data = pl.any_horizontal([pl.col(k).is_not_null() for k in PERSON_YEAR_COLUMNS])
    person_years = persons.filter(person_year_data & pl.col("_row_year").is_not_null())
    insert_frame(using, PersonYear, person_years.select(
        pl.col("person_id"), pl.col("_row_year").alias("year"),
        *[pl.col(k).fill_null("") if BY_KEY[k].kind == "code" else pl.col(k) for k in PERSON_YEAR_COLUMNS],
    ), stamp)

    _status_events(households, years, today=today, using=using, stamp=stamp)
    _audit(actor, households, persons, years, using=using)
    return households.height


def _status_events(households: pl.DataFrame, years: pl.DataFrame, *, today: dt.date, using: str, stamp: str) -> None:
    """What household_register writes: 'registered' (in the record's year, else this year) and, for a
    record whose status starts an event (identified, exited…), that event."""
    registered = households.join(years.select("id", pl.col("year").alias("_year")), on="id", how="left").select(
        pl.col("id").alias("household_id"), pl.lit(StatusEvent.Kind.REGISTERED.value).alias("kind"),
        pl.coalesce(pl.col("_year"), pl.lit(today.year, pl.Int64)).alias("year"))
    kinds = {status: kind.value for status, kind in STATUS_EVENT_FOR.items()}
    started = years.filter(pl.col("hh_status").is_in(list(kinds))).select(
        pl.col("id").alias("household_id"),
        pl.col("hh_status").replace_strict(kinds, return_dtype=pl.String).alias("kind"), "year")
    events = pl.concat([registered, started]).with_columns(
        pl.lit(today).alias("occurred_on"), pl.lit("").alias("note"), pl.lit(stamp).alias("recorded_at"))
    insert_frame(using, StatusEvent, events, stamp)


def _audit(actor: Any, households: pl.DataFrame, persons: pl.DataFrame, years: pl.DataFrame, *, using: str) -> None:
    """One event per household: its fields, its members (name, ID number, relation) and its year —
    the payload household_register's audit event would carry, serialised column-wise."""
    members = persons.group_by("household_id", maintain_order=True).agg(
        pl.struct("id_number", "name", "relation").alias("members"))
    year_view = years.select("id", pl.struct(pl.col("year"), pl.col("hh_status").alias("status"),
                                             _decimal_text(pl.col("per_capita_net_income")).alias("per_capita_net_income"))
                             .alias("year_record"))  # not "year": the households frame has that column already
    table = households.join(members, left_on="id", right_on="household_id", how="left", maintain_order="left") \
        .join(year_view, on="id", how="left", maintain_order="left")
    text_fields = [k for k in HOUSEHOLD_COLUMNS if BY_KEY[k].kind == "text"]
    afters = table.select(
        "household_number", pl.lit(1).alias("_household_version"), "members",
        *[pl.col(k).fill_null("") if k in text_fields else pl.col(k).fill_null(False).cast(pl.Boolean)
          for k in HOUSEHOLD_COLUMNS],
        pl.col("year_record").alias("year"),
    )
    audit_record_many(actor=actor, action=HOUSEHOLD_IMPORTED, target_type="registry.household",
                      targets=table.select(pl.col("id").cast(pl.String).alias("target_id"), "area_code"),
                      afters=afters, omit_when_null="year", using=using)
