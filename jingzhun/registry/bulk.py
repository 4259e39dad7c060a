"""Fast loading of a generated registry (``jingzhun generate`` Parquet files) into the database.

This is the bulk path for demo and benchmark data: rows go in with ``COPY`` on PostgreSQL (CSV
written by Polars, streamed through psycopg's ``cursor.copy``) and ``executemany`` on SQLite, all in
one transaction, with one audit event for the whole load. The data are trusted (the generator makes
them valid); spreadsheets from users go through the importer, which validates every row.

Loading files whose ID numbers or household numbers are already in the registry is refused before
anything is written. Primary keys of households and members are assigned here (after the current
maximum, with the tables locked on PostgreSQL), so members and yearly records link up without
reading keys back; PostgreSQL's identity sequences are moved past them afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
from django.db import IntegrityError, connections, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import Area
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.bulk import insert_frame as _insert
from jingzhun.core.bulk import stamp_for
from jingzhun.core.exceptions import DomainError
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear

BULK_LOADED = register_action("registry.bulk.loaded", _("Generated registry loaded"))
CHECK_BATCH = 900  # values per IN (...) when checking for collisions (SQLite's classic parameter limit)
TABLE_FILES = ("areas", "households", "persons", "household_years", "person_years")

Progress = Callable[[str, int], None]


class BulkLoadRefused(DomainError):
    status = 409
    default_code = "bulk_load_refused"
    default_message = _("These files contain ID numbers or household numbers that are already in the registry; nothing was loaded.")


def load_generated(directory: Path | str, *, actor: Any = None, using: str = "default",
                   progress: bool | Progress = True) -> dict[str, int]:
    """Load ``areas``, ``households``, ``persons``, ``household_years`` and ``person_years`` Parquet
    files from ``directory`` (as written by ``jingzhun generate``). Returns row counts per table.

    Raises ``BulkLoadRefused`` (nothing written) when an ID number or household number is already
    registered, or when the counties the villages hang under are missing (run ``migrate`` first).
    ``progress``: True for a progress bar on the terminal, False for none, or a callable
    ``(table, rows)`` called after each block."""
    directory = Path(directory)
    missing = [name for name in TABLE_FILES if not (directory / f"{name}.parquet").exists()]
    if missing:
        raise FileNotFoundError(f"{directory}: missing {', '.join(m + '.parquet' for m in missing)}")
    connection = connections[using]
    households = pl.read_parquet(directory / "households.parquet")
    persons = pl.read_parquet(directory / "persons.parquet")
    totals = {"household": households.height, "person": persons.height,
              "householdyear": pq.ParquetFile(directory / "household_years.parquet").metadata.num_rows,
              "personyear": pq.ParquetFile(directory / "person_years.parquet").metadata.num_rows}
    with _progress_bar(progress, totals) as tick:
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            # Not durable until the end anyway (one transaction); safe to skip fsyncs for this load.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous")
                previous = cursor.fetchone()[0]
                cursor.execute("PRAGMA synchronous=OFF")
            try:
                counts = _load(directory, households, persons, actor=actor, using=using, tick=tick)
            finally:
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA synchronous={int(previous)}")
        else:
            counts = _load(directory, households, persons, actor=actor, using=using, tick=tick)
    # Fresh planner statistics: without them the first searches after a large load scan tables.
    with connection.cursor() as cursor:
        for model in (Household, Person, HouseholdYear, PersonYear):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return counts


def _load(directory: Path, households: pl.DataFrame, persons: pl.DataFrame, *, actor: Any, using: str,
          tick: Progress) -> dict[str, int]:
    now = timezone.now()
    stamp = stamp_for(using, now)
    persons = persons.with_columns(pl.col("id_number").str.slice(0, 18).str.to_uppercase().alias("id_base"))
    counts: dict[str, int] = {}
    try:
        with transaction.atomic(using=using):
            lock_registry(using)
            _refuse_collisions(using, households, persons)
            counts["areas"] = _load_areas(using, pl.read_parquet(directory / "areas.parquet"))

            # Households: keys after the current maximum; head name and size from the members.
            first_household = (Household.objects.using(using).aggregate(m=Max("id"))["m"] or 0) + 1
            summary = persons.filter(pl.col("status") == "active").group_by("household_number").agg(
                pl.len().cast(pl.Int64).alias("member_count"),
                pl.col("name").filter(pl.col("relation") == "head").first().fill_null("").alias("head_name"),
            )
            households = households.drop("member_count", "head_name", strict=False).join(
                summary, on="household_number", how="left", maintain_order="left"
            ).with_columns(
                pl.int_range(first_household, first_household + pl.len(), dtype=pl.Int64).alias("id"),
                pl.col("area_code").alias("area_id"),
                pl.col("member_count").fill_null(0),
                pl.col("head_name").fill_null(""),
            )
            counts["households"] = _insert(using, Household, households, stamp, tick)

            first_person = (Person.objects.using(using).aggregate(m=Max("id"))["m"] or 0) + 1
            persons = persons.join(households.select("household_number", pl.col("id").alias("household_id")),
                                   on="household_number", how="left", maintain_order="left")
            if persons["household_id"].null_count():
                raise BulkLoadRefused(_("Some members belong to a household that is not in households.parquet; nothing was loaded."))
            persons = persons.with_columns(pl.int_range(first_person, first_person + pl.len(), dtype=pl.Int64).alias("id"))
            counts["persons"] = _insert(using, Person, persons, stamp, tick)

            years = pl.read_parquet(directory / "household_years.parquet").join(
                households.select("household_number", pl.col("id").alias("household_id")), on="household_number",
                how="left", maintain_order="left")
            counts["household_years"] = _insert(using, HouseholdYear, years, stamp, tick)
            del years
            person_years = pl.read_parquet(directory / "person_years.parquet").join(
                persons.select(pl.col("id_number"), pl.col("id").alias("person_id")), on="id_number",
                how="left", maintain_order="left")
            counts["person_years"] = _insert(using, PersonYear, person_years, stamp, tick)
            del person_years
            reset_sequences(using)
            audit_record(actor=actor, action=BULK_LOADED, target_type="registry.bulk", target_id=directory.name,
                         after={"households": counts["households"], "persons": counts["persons"],
                                "source": str(directory)})
    except IntegrityError as exc:  # e.g. duplicates inside the files themselves
        raise BulkLoadRefused() from exc
    return counts


def _refuse_collisions(using: str, households: pl.DataFrame, persons: pl.DataFrame) -> None:
    """Raise BulkLoadRefused when any household number or ID number of the files is registered."""
    found: list[str] = []
    checks = (
        (Household, "household_number", households["household_number"]),
        (Person, "id_base", persons["id_base"]),
    )
    for model, column, values in checks:
        manager = model.objects.using(using)
        if not manager.exists():
            continue
        unique = values.unique().sort().to_list()
        for start in range(0, len(unique), CHECK_BATCH):
            part = unique[start:start + CHECK_BATCH]
            found += manager.filter(**{f"{column}__in": part}).values_list(column, flat=True)[:5]
            if len(found) >= 5:
                break
    if found:
        raise BulkLoadRefused(
            _("These files contain ID numbers or household numbers that are already in the registry "
              "(for example %(examples)s); nothing was loaded."),
            params={"examples": ", ".join(found[:5])},
        )


def _load_areas(using: str, areas: pl.DataFrame) -> int:
    """Add the townships and villages (and any county) not in the area table yet."""
    codes_in_file = areas["code"].to_list()
    existing = set(Area.objects.using(using).filter(code__in=codes_in_file).values_list("code", flat=True)) \
        if len(codes_in_file) <= CHECK_BATCH else set(Area.objects.using(using).values_list("code", flat=True))
    new = areas.filter(~pl.col("code").is_in(list(existing))).sort("level", "code")
    known = existing | set(new["code"].to_list())
    parents = {p for p in new["parent_code"].to_list() if p and p not in known}
    if parents:
        parents -= set(Area.objects.using(using).filter(code__in=list(parents)).values_list("code", flat=True))
    if parents:
        raise BulkLoadRefused(
            _("The area tree above these villages is missing (%(examples)s); run migrate to load the reference areas."),
            code="areas_missing", params={"examples": ", ".join(sorted(parents)[:5])},
        )
    Area.objects.using(using).bulk_create(
        [Area(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent_code"], source="generated")
         for r in new.iter_rows(named=True)],
        batch_size=2000,
    )
    return new.height


def lock_registry(using: str = "default") -> None:
    """Keep other writers out of the household and member tables until the transaction ends, so the
    keys a bulk load takes after the current maximum stay free (PostgreSQL; SQLite's write
    transactions already exclude each other)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(f'"{m._meta.db_table}"' for m in (Household, Person))
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def reset_sequences(using: str = "default") -> None:
    """Move PostgreSQL's identity sequences of households and members past the keys a bulk load took."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (Household, Person):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608 (model table)
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )


class SuspendedIndexes:
    """Secondary indexes and foreign keys of the registry tables, dropped for a large bulk write and
    built again at its end, inside the caller's transaction. On SQLite only the indexes made with
    CREATE INDEX go (its foreign keys and inline unique constraints are part of the table).

    Building an index over a million rows once is many times cheaper than maintaining it a row at a
    time, and a foreign key added back is checked with one join instead of one deferred lookup per
    row at commit. Primary keys stay (keys are appended in order, and other tables reference them);
    unique indexes stay unless ``unique=True`` — they also serve the importer's lookups. Because
    PostgreSQL's DDL is transactional, a failure or a killed process restores everything with the
    rollback (SQLite's too). The drop takes an exclusive lock: readers of these tables wait until the transaction
    ends, so callers use this only for loads large against the table (see ``worth_suspending``).
    """

    def __init__(self, models: tuple[Any, ...], *, using: str = "default", unique: bool = False) -> None:
        self.models, self.using, self.unique = models, using, unique
        self.restore_sql: list[str] = []
        self.active = False

    def suspend(self) -> None:
        connection = connections[self.using]
        if self.active:
            return
        tables = [m._meta.db_table for m in self.models]
        if connection.vendor == "sqlite":
            self._suspend_sqlite(connection, tables)
            return
        if connection.vendor != "postgresql":
            return
        drops: list[str] = []
        with connection.cursor() as cursor:
            # Foreign keys first (added back last, once the indexes they use exist again) — only
            # those between the suspended tables: dropping one locks the table it points at too
            # (areas, accounts), and every page would wait for the import.
            cursor.execute(
                "SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid) "
                "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[]) "
                "AND c.confrelid = ANY(%s::regclass[]) ORDER BY 1, 2", [tables, tables])
            foreign = cursor.fetchall()
            cursor.execute(
                "SELECT i.indrelid::regclass::text, quote_ident(x.relname), pg_get_indexdef(i.indexrelid), "
                "quote_ident(c.conname), pg_get_constraintdef(c.oid), i.indisunique FROM pg_index i "
                "JOIN pg_class x ON x.oid = i.indexrelid "
                "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('u', 'p') "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
                # a unique constraint another table's foreign key depends on stays
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid) "
                "ORDER BY 1, 2", [tables])
            indexes = cursor.fetchall()
        restore_indexes: list[str] = []
        # Names come back quoted where they need it (regclass output, quote_ident).
        for table, name, definition in foreign:
            drops.append(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
            self.restore_sql.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for table, name, index_definition, constraint, constraint_definition, is_unique in indexes:
            if is_unique and not self.unique:
                continue
            if constraint:
                drops.append(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
                restore_indexes.append(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_definition}")
            else:
                drops.append(f"DROP INDEX {name}")
                restore_indexes.append(index_definition)
        self.restore_sql = restore_indexes + self.restore_sql
        with connection.cursor() as cursor:
            _without_pending_checks(cursor, drops)
        self.active = True

    def _suspend_sqlite(self, connection: Any, tables: list[str]) -> None:
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(tables))
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
                           f"AND tbl_name IN ({marks}) ORDER BY name", tables)
            for name, definition in cursor.fetchall():
                if definition.upper().startswith("CREATE UNIQUE") and not self.unique:
                    continue
                cursor.execute(f'DROP INDEX "{name}"')
                self.restore_sql.append(definition)
        self.active = True

    def restore(self) -> None:
        """Build the dropped indexes and add the foreign keys back (they are checked as they are added)."""
        if not self.active:
            return
        connection = connections[self.using]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                _without_pending_checks(cursor, self.restore_sql)
            else:
                for statement in self.restore_sql:
                    cursor.execute(statement)
            for model in self.models:
                analyse_quickly(cursor, model._meta.db_table, vendor=connection.vendor)
        self.restore_sql, self.active = [], False


QUICK_STATISTICS_TARGET = 10  # rows sampled: 300 per unit (3,000 instead of 30,000 at the default 100)


def analyse_quickly(cursor: Any, table: str, *, vendor: str) -> None:
    """ANALYZE ``table`` so that the planner knows its new size and rough distributions at once.

    On PostgreSQL from a small sample (``QUICK_STATISTICS_TARGET``) and leaving out the columns
    whose statistics target was raised (those make ANALYZE read the whole table; the member
    name's is raised for searches): autovacuum analyses the tables in full within a minute or so
    of the commit, as the load changed far more than a tenth of their rows."""
    if vendor != "postgresql":
        cursor.execute(f'ANALYZE "{table}"')
        return
    cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                   "AND NOT attisdropped AND (attstattarget IS NULL OR attstattarget < 0 OR attstattarget <= 100) "
                   "ORDER BY attnum", [table])
    columns = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
    if columns:
        cursor.execute("SELECT current_setting('default_statistics_target')")
        (previous,) = cursor.fetchone()
        cursor.execute("SELECT set_config('default_statistics_target', %s, true)", [str(QUICK_STATISTICS_TARGET)])
        cursor.execute(f'ANALYZE "{table}" ({columns})')
        cursor.execute("SELECT set_config('default_statistics_target', %s, true)", [previous])


def _without_pending_checks(cursor: Any, statements: list[str]) -> None:
    """Run DDL on tables that may have deferred foreign-key checks queued (PostgreSQL refuses to
    alter a table with pending trigger events): the queued checks run first, and the registry's
    foreign keys (all DEFERRABLE INITIALLY DEFERRED, as Django makes them) are deferred again after."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for statement in statements:
        cursor.execute(statement)
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def approximate_rows(model: Any, using: str = "default") -> int:
    """The planner's row estimate of ``model``'s table on PostgreSQL (no scan) once the table has
    been analysed, else an exact count."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
            row = cursor.fetchone()
        if row and row[0] >= 0:
            return int(row[0])
    return model.objects.using(using).count()


def worth_suspending(written: int, existing: int, *, minimum: int) -> bool:
    """Whether a load that has written ``written`` rows into a table of ``existing`` rows (before the
    load) should drop the table's secondary indexes for the rest: at least ``minimum`` rows, and at
    least a fifth of what was there (rebuilding a large table's indexes for a small load costs more
    than it saves)."""
    return written >= minimum and written * 5 >= existing


class _progress_bar:  # noqa: N801 (used as a context manager)
    """A rich progress bar on stderr (``progress=True``), a caller's callable, or nothing."""

    def __init__(self, progress: bool | Progress, totals: dict[str, int]) -> None:
        self.progress = progress
        self.totals = totals
        self.bar: Any = None

    def __enter__(self) -> Progress:
        if callable(self.progress):
            return self.progress
        if not self.progress:
            return lambda table, n: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=Console(stderr=True), transient=False)
        self.bar.__enter__()
        tasks: dict[str, Any] = {}

        def tick(table: str, n: int) -> None:
            if table not in tasks:
                tasks[table] = self.bar.add_task(table, total=self.totals.get(table) or None)
            self.bar.advance(tasks[table], n)

        return tick

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

