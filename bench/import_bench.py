"""Import of a 1,000,000-person spreadsheet, end to end, against a plain Django ``bulk_create``.

Builds the file with ``jingzhun generate --format import-csv`` (one row per member, Chinese headers
and labels, UTF-8 with BOM, as the national system exports it), creates a fresh database (SQLite in a
temporary directory, or a database ``jingzhun_bench`` on the PostgreSQL server given with
--database-url), loads the generated villages, then runs ``jingzhun import FILE --user … --year``
as a separate process — read, check every row, write, indexes included — and reports persons per
second and the import process's peak memory (its maximum resident set size).

Baseline, in the same run on the same rows: empty the registry, read the same file with the csv
module, turn each row into Household / Person / HouseholdYear / PersonYear objects (codes looked up,
numbers parsed, no other checks) and save them with ``bulk_create(batch_size=5000)`` in one
transaction — what a plain Django import view would do.

    python bench/import_bench.py [--persons 1000000] [--database-url postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import clean_up, fresh_database_url  # noqa: E402

# The CLI in a child process that reports its own peak resident memory when it exits.
JINGZHUN = [sys.executable, "-c",
            "import atexit, resource, sys; atexit.register(lambda: print('PEAK_RSS_KB', "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)); "
            "from jingzhun.cli import main; main()"]


def run(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Run ``command``; returns (seconds, peak RSS in MB of the child)."""
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        print(completed.stdout[-3000:], completed.stderr[-3000:], sep="\n")
        raise SystemExit(f"{command[3]} exited {completed.returncode}")
    peak = next(int(line.split()[1]) for line in completed.stderr.splitlines() if line.startswith("PEAK_RSS_KB"))
    return elapsed, peak // 1024


def baseline(path: Path, year: int) -> int:
    """The plain Django import: csv module + bulk_create. Returns persons written."""
    from django.db import transaction

    from jingzhun.imports.columns import BY_KEY, COLUMNS, normalise_header
    from jingzhun.imports.validate import code_lookup
    from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear

    lookup = code_lookup()

    def value(column, text):  # type: ignore[no-untyped-def]
        if text == "":
            return None
        if column.kind == "code":
            return lookup[column.code_list].get(normalise_header(text), text)
        if column.kind == "bool":
            return text == "是"
        if column.kind == "int":
            return int(text)
        if column.kind in ("money", "decimal"):
            return Decimal(text)
        return text

    household_fields = ("group_name", "natural_village", "address", "phone", "bank_name", "bank_account",
                        "is_military_family", "is_relocated")
    year_fields = [c.key for c in COLUMNS if c.entity == "household_year" and c.key not in ("year", "hh_status", "other_causes")]
    person_year_fields = [c.key for c in COLUMNS if c.entity == "person_year"]
    households: dict[str, Household] = {}
    years: list[HouseholdYear] = []
    persons: list[tuple[Person, dict]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [BY_KEY.get(h) or next((c for c in COLUMNS if c.zh == h), None) for h in next(reader)]
        for cells in reader:
            row = {c.key: value(c, t) for c, t in zip(header, cells, strict=False) if c is not None}
            number = row["household_number"]
            if number not in households:
                household = Household(household_number=number, area_id=row["area_code"],
                                      **{k: row[k] if row[k] is not None else "" for k in household_fields[:6]},
                                      **{k: bool(row[k]) for k in household_fields[6:]})
                households[number] = household
                years.append(HouseholdYear(household=household, year=year, status=row["hh_status"] or "general",
                                           **{k: row[k] for k in year_fields if row.get(k) is not None}))
            person = Person(household=households[number], name=row["name"], sex=row["sex"], id_type=row["id_type"],
                            id_number=row["id_number"], id_base=row["id_number"][:18], birth_date=row["birth_date"],
                            relation=row["relation"], ethnicity=row["ethnicity"] or "",
                            political_status=row["political_status"] or "", phone=row["person_phone"] or "",
                            status=row["status"] or "active")
            persons.append((person, {k: row[k] for k in person_year_fields if row.get(k) is not None}))
    with transaction.atomic():
        Household.objects.bulk_create(households.values(), batch_size=5000)
        for record in years:
            record.household_id = record.household.pk
        HouseholdYear.objects.bulk_create(years, batch_size=5000)
        for person, _values in persons:
            person.household_id = person.household.pk
        Person.objects.bulk_create([p for p, _v in persons], batch_size=5000)
        PersonYear.objects.bulk_create([PersonYear(person=p, year=year, **v) for p, v in persons], batch_size=5000)
    return len(persons)


FLOOR_TABLES = ("registry_household", "registry_person", "registry_householdyear", "registry_personyear",
                "registry_statusevent", "core_auditevent")


def server_floor() -> float:
    """PostgreSQL's own share, for comparison: the seconds it takes to take in, with binary COPY,
    the rows the import wrote (read back from the tables) into bare copies of the tables — no
    index, no constraint, no checking, no client work. No import of these rows can be faster on
    this server."""
    import io

    from django.db import connection

    seconds = 0.0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for table in FLOOR_TABLES:
            data = io.BytesIO()
            with raw.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                for block in copy:
                    data.write(block)
            raw.execute(f'CREATE TABLE "floor_{table}" (LIKE "{table}")')
            started = time.perf_counter()
            with raw.copy(f'COPY "floor_{table}" FROM STDIN (FORMAT binary)') as copy:
                copy.write(data.getvalue())
            seconds += time.perf_counter() - started
            raw.execute(f'DROP TABLE "floor_{table}"')
    return seconds


def empty_registry() -> None:
    from django.db import connection

    from jingzhun.core.models import AuditChainHead, AuditEvent
    from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear, StatusEvent

    with connection.cursor() as cursor:
        for model in (PersonYear, HouseholdYear, StatusEvent, Person, Household, AuditEvent, AuditChainHead):
            cursor.execute(f'DELETE FROM "{model._meta.db_table}"')  # noqa: S608 (model table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL server URL; the benchmark creates and drops its own database jingzhun_bench "
                             "there (default: SQLite in a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the file, the SQLite file or the database")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="jingzhun-import-bench-"))
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="jingzhun.settings",
               DATABASE_URL=fresh_database_url(args.database_url, work))
    os.environ.update(env)
    import django

    django.setup()
    import polars as pl
    from django.core.management import call_command
    from django.db import connection

    from jingzhun.accounts.roles import Role
    from jingzhun.accounts.services import user_create
    from jingzhun.areas.models import Area, AreaLevel
    from jingzhun.registry.bulk import _load_areas
    from jingzhun.registry.models import Person

    print(f"engine: {connection.vendor}; persons: {args.persons:,}")
    seconds, _peak = run([*JINGZHUN, "generate", "--persons", str(args.persons), "--seed", str(args.seed),
                          "--year", str(args.year), "--format", "import-csv", "--out", str(work / "data"),
                          "--verbosity", "0"], env)
    sheet = work / "data" / "import.csv"
    print(f"file: {sheet.stat().st_size / 1e6:,.0f} MB written by `jingzhun generate` in {seconds:.1f} s")
    call_command("migrate", verbosity=0)
    _load_areas("default", pl.read_parquet(work / "data" / "areas.parquet"))
    counties = sorted(Area.objects.filter(source="generated", level=AreaLevel.VILLAGE).values_list("parent__parent_id", flat=True)
                      .distinct())
    user_create(actor=None, username="bench_officer", password="bench-password-1",  # noqa: S106
                role=Role.COUNTY_OFFICER, scope_codes=counties)
    connection.close()

    seconds, peak = run([*JINGZHUN, "import", str(sheet), "--user", "bench_officer", "--year", str(args.year),
                         "--verbosity", "0"], env)
    written = Person.objects.count()
    connection.close()
    if written != args.persons:
        raise SystemExit(f"the import wrote {written:,} persons, expected {args.persons:,}")
    rate = args.persons / seconds
    print(f"jingzhun import: {seconds:.1f} s, {rate:,.0f} persons/s, peak memory {peak:,} MB")
    if connection.vendor == "postgresql":
        floor = server_floor()
        print(f"PostgreSQL alone, binary COPY of the same rows into bare tables (no index, no check): {floor:.1f} s "
              f"= {args.persons / floor:,.0f} persons/s at most, before any index is built")

    empty_registry()
    started = time.perf_counter()
    base_written = baseline(sheet, args.year)
    base_seconds = time.perf_counter() - started
    base_rate = base_written / base_seconds
    print(f"baseline (csv + bulk_create): {base_seconds:.1f} s, {base_rate:,.0f} persons/s, "
          f"peak memory of the benchmark process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024:,} MB")
    print(f"ratio: {rate / base_rate:.1f}x the bulk_create baseline")

    connection.close()
    clean_up(args.database_url, work, keep=args.keep, used_url=env["DATABASE_URL"])

if __name__ == "__main__":
    main()
