"""Fast loading of a generated registry (``jingzhun generate`` Parquet files) into the database.

This is the bulk path for demo and benchmark data: rows go in with ``executemany`` on SQLite and
``COPY`` on PostgreSQL, all in one transaction, with one audit event for the whole load. The data
are trusted (the generator makes them valid); spreadsheets from users go through the importer,
which validates every row. Loading files whose ID or household numbers are already in the registry
is refused and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import Area
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import DomainError
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear

BULK_LOADED = register_action("registry.bulk.loaded", _("Generated registry loaded"))
BATCH_ROWS = 50_000


class BulkLoadRefused(DomainError):
    status = 409
    default_code = "bulk_load_refused"
    default_message = _("These files contain ID numbers or household numbers that are already in the registry; nothing was loaded.")


def _batches(path: Path, columns: Sequence[str] | None = None) -> Iterator[list[dict[str, Any]]]:
    parquet = pq.ParquetFile(path)
    for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=list(columns) if columns else None):
        yield batch.to_pylist()


def _insert(using: str, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    connection = connections[using]
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            quoted = ", ".join(f'"{c}"' for c in columns)
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            quoted = ", ".join(f'"{c}"' for c in columns)
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})'  # noqa: S608 (model table names)
            buffer: list[Sequence[Any]] = []
            for row in rows:
                buffer.append(row)
                if len(buffer) >= 10_000:
                    cursor.executemany(sql, buffer)
                    count += len(buffer)
                    buffer = []
            if buffer:
                cursor.executemany(sql, buffer)
                count += len(buffer)
    return count


def _ids(using: str, sql: str, params: Sequence[Any]) -> dict[str, int]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return {key: pk for key, pk in cursor.fetchall()}


HOUSEHOLD_COLUMNS = ("household_number", "area_id", "group_name", "natural_village", "address", "phone", "bank_name",
                     "bank_account", "is_military_family", "is_only_child", "is_two_daughters", "is_relocated",
                     "relocation_mode", "resettlement_address", "head_name", "member_count", "is_active", "version",
                     "created_at", "updated_at")
PERSON_COLUMNS = ("household_id", "name", "sex", "id_type", "id_number", "id_base", "birth_date", "relation", "ethnicity",
                  "political_status", "phone", "is_soldier", "status", "version", "created_at", "updated_at")


def _model_columns(model: Any, skip: tuple[str, ...]) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if f.column not in skip]


def load_generated(directory: Path | str, *, actor: Any = None, using: str = "default",
                   progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Load ``areas``, ``households``, ``persons``, ``household_years`` and ``person_years`` Parquet
    files from ``directory``. Returns row counts. Raises ``BulkLoadRefused`` (nothing written) when
    an ID number or household number is already registered."""
    directory = Path(directory)
    now = timezone.now()
    counts: dict[str, int] = {}

    def tick(table: str, n: int) -> None:
        if progress:
            progress(table, n)

    try:
        with transaction.atomic(using=using):
            # Areas: townships and villages under real counties; existing codes are kept.
            existing = set(Area.objects.using(using).values_list("code", flat=True))
            new_areas = [
                Area(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent_code"], source="generated")
                for batch in _batches(directory / "areas.parquet") for r in batch if r["code"] not in existing
            ]
            new_areas.sort(key=lambda a: a.level)
            Area.objects.using(using).bulk_create(new_areas, batch_size=2000)
            counts["areas"] = len(new_areas)
            villages = sorted({r["area_code"] for b in _batches(directory / "households.parquet", ["area_code"]) for r in b})
            if Household.objects.using(using).filter(area_id__in=villages).exists():
                raise BulkLoadRefused()

            def household_rows() -> Iterator[tuple[Any, ...]]:
                for batch in _batches(directory / "households.parquet"):
                    for r in batch:
                        yield (r["household_number"], r["area_code"], r["group_name"], "", r["address"], r["phone"],
                               r["bank_name"], r["bank_account"], r["is_military_family"], False, False,
                               r["is_relocated"], "", "", r["head_name"], r["member_count"], True, 1, now, now)
                    tick("households", len(batch))

            counts["households"] = _insert(using, Household._meta.db_table, HOUSEHOLD_COLUMNS, household_rows())
            household_ids: dict[str, int] = {}
            for start in range(0, len(villages), 500):
                part = villages[start:start + 500]
                household_ids.update(_ids(
                    using,
                    f'SELECT household_number, id FROM "{Household._meta.db_table}" '  # noqa: S608 (table name)
                    f'WHERE area_id IN ({", ".join(["%s"] * len(part))})',
                    part,
                ))

            def person_rows() -> Iterator[tuple[Any, ...]]:
                for batch in _batches(directory / "persons.parquet"):
                    for r in batch:
                        yield (household_ids[r["household_number"]], r["name"], r["sex"], r["id_type"], r["id_number"],
                               r["id_number"][:18].upper(), r["birth_date"], r["relation"], r["ethnicity"],
                               r["political_status"], r["phone"], False, r["status"], 1, now, now)
                    tick("persons", len(batch))

            counts["persons"] = _insert(using, Person._meta.db_table, PERSON_COLUMNS, person_rows())
            person_ids: dict[str, int] = {}
            for start in range(0, len(villages), 500):
                part = villages[start:start + 500]
                person_ids.update(_ids(
                    using,
                    f'SELECT p.id_base, p.id FROM "{Person._meta.db_table}" p JOIN "{Household._meta.db_table}" h '  # noqa: S608
                    f'ON h.id = p.household_id WHERE h.area_id IN ({", ".join(["%s"] * len(part))})',
                    part,
                ))

            year_columns = _model_columns(HouseholdYear, ("id",))

            def household_year_rows() -> Iterator[tuple[Any, ...]]:
                for batch in _batches(directory / "household_years.parquet"):
                    for r in batch:
                        r["household_id"] = household_ids[r["household_number"]]
                        yield tuple(_year_value(r, c, now) for c in year_columns)
                    tick("household_years", len(batch))

            counts["household_years"] = _insert(using, HouseholdYear._meta.db_table, year_columns, household_year_rows())
            person_year_columns = _model_columns(PersonYear, ("id",))

            def person_year_rows() -> Iterator[tuple[Any, ...]]:
                for batch in _batches(directory / "person_years.parquet"):
                    for r in batch:
                        r["person_id"] = person_ids[r["id_number"][:18].upper()]
                        yield tuple(_year_value(r, c, now) for c in person_year_columns)
                    tick("person_years", len(batch))

            counts["person_years"] = _insert(using, PersonYear._meta.db_table, person_year_columns, person_year_rows())
            audit_record(actor=actor, action=BULK_LOADED, target_type="registry.bulk", target_id=directory.name,
                         after={**counts, "source": str(directory.name)})
    except IntegrityError as exc:
        raise BulkLoadRefused() from exc
    # Fresh planner statistics: without them the first searches after a large load scan tables.
    with connections[using].cursor() as cursor:
        for model in (Household, Person, HouseholdYear, PersonYear):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return counts


def _column_defaults(model: Any) -> dict[str, Any]:
    """What a column gets when the file has no value for it: the model default, NULL or ''."""
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.has_default():
            value = f.get_default()
            out[f.column] = json.dumps(value) if isinstance(value, list | dict) else value
        elif f.null:
            out[f.column] = None
        else:
            out[f.column] = ""
    return out


_DEFAULTS = {**_column_defaults(HouseholdYear), **_column_defaults(PersonYear)}


def _year_value(row: dict[str, Any], column: str, now: dt.datetime) -> Any:
    if column in ("created_at", "updated_at"):
        return now
    if column in row:
        value = row[column]
        if column.endswith("_year") and value == 0:
            return None
        return value
    return _DEFAULTS.get(column)
