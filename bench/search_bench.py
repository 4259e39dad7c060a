"""Household search on a 1,000,000-person registry: p50/p95 server time, against a naive baseline.

Builds the registry with the generator into a fresh database (SQLite in a temporary directory by
default, or a fresh PostgreSQL database with --database-url postgres://user@host:port/postgres),
loads it with the bulk loader, then times ``registry.selectors.household_search`` as the search
page evaluates it (a count capped at 1,001 rows and the first page of 20 with the village) for
full names, name prefixes, exact ID numbers and household numbers. The baseline is the same page
computed with an unindexed substring match (``name__contains`` / ``id_number__contains``), what a
plain Django list view with a search box would do.

    python bench/search_bench.py [--persons 1000000] [--database-url postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import clean_up, fresh_database_url  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", default="",
                        help="a PostgreSQL server URL, e.g. postgres://postgres@127.0.0.1:5432/postgres; the benchmark "
                             "creates and drops its own database jingzhun_bench there (default: SQLite in a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files, the SQLite file or the database")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="jingzhun-bench-"))
    os.environ["DATABASE_URL"] = fresh_database_url(args.database_url, work)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jingzhun.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max, Min

    from jingzhun.accounts.roles import Role
    from jingzhun.accounts.services import user_create
    from jingzhun.registry.bulk import load_generated
    from jingzhun.registry.models import Household, Person
    from jingzhun.registry.selectors import household_queryset, household_search
    from jingzhun.synthetic.generator import write_registry

    engine = connection.vendor
    print(f"engine: {engine}; persons: {args.persons:,}")
    started = time.perf_counter()
    write_registry(persons=args.persons, seed=args.seed, out=work / "data")
    print(f"generated in {time.perf_counter() - started:.1f} s")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load_generated(work / "data")
    print(f"loaded in {time.perf_counter() - started:.1f} s")
    counties = sorted({code[:6] + "000000" for code in Household.objects.values_list("area_id", flat=True).distinct()})
    officer = user_create(actor=None, username="bench_officer", password="bench-password-1",  # noqa: S106
                          role=Role.COUNTY_OFFICER, scope_codes=counties)

    rng = random.Random(args.seed)
    bounds = Person.objects.aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    picked = rng.sample(range(low, high + 1), args.queries)
    sample = list(Person.objects.filter(id__in=picked).values_list("name", "id_number", "household__household_number"))
    rng.shuffle(sample)
    kinds = {
        "full name": [s[0] for s in sample],
        "name prefix": [s[0][:2] for s in sample],
        "ID number": [s[1] for s in sample],
        "household number": [s[2] for s in sample],
    }

    def page(queryset) -> tuple[int, int]:  # noqa: ANN001
        count = queryset.order_by()[:1001].count()
        rows = list(queryset.select_related("area")[:20])
        return count, len(rows)

    def ours(query: str) -> tuple[int, int]:
        return page(household_search(actor=officer, query=query))

    def naive(query: str) -> tuple[int, int]:
        households = household_queryset(actor=officer)
        matches = Person.objects.filter(name__contains=query) | Person.objects.filter(id_number__contains=query)
        queryset = households.filter(pk__in=matches.values("household_id")) | households.filter(household_number__contains=query)
        return page(queryset.order_by("household_number"))

    def timed(fn, queries: list[str]) -> list[float]:  # noqa: ANN001
        out = []
        for q in queries:
            t0 = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t0) * 1000)
        return out

    for q in kinds["full name"][:5]:  # warm caches for both
        ours(q)
        naive(q)
    print(f"\n{'kind':<18}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}   {'baseline p50':>13}{'p95':>9}   ratio p50")
    worst = 0.0
    for kind, queries in kinds.items():
        fast = timed(ours, queries)
        slow = timed(naive, queries[: max(10, len(queries) // 10)])
        ratio = statistics.median(slow) / statistics.median(fast)
        worst = max(worst, percentile(fast, .95))
        print(f"{kind:<18}{percentile(fast, .5):9.1f}{percentile(fast, .95):9.1f}{max(fast):9.1f}   "
              f"{percentile(slow, .5):13.1f}{percentile(slow, .95):9.1f}   {ratio:8.1f}x")
    print(f"\nworst p95 {worst:.1f} ms: {'within' if worst < 200 else 'ABOVE'} the 200 ms target")
    # Every query must find the household it was drawn from.
    for name, id_number, number in sample[:20]:
        assert household_search(actor=officer, query=id_number).filter(household_number=number).exists()
        assert household_search(actor=officer, query=number).filter(household_number=number).exists()
        assert household_search(actor=officer, query=name).filter(household_number=number).exists()
    connection.close()
    clean_up(args.database_url, work, keep=args.keep, used_url=os.environ["DATABASE_URL"])

if __name__ == "__main__":
    main()
