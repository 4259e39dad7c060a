"""``jingzhun generate --persons N --seed S --out DIR [--format parquet|csv|xlsx]``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from jingzhun.synthetic.generator import XLSX_MAX_ROWS, Layout, write_registry
from jingzhun.synthetic.import_file import IMPORT_FORMATS, write_import_file


class Command(BaseCommand):
    help = "Write a realistic synthetic registry (households, members, yearly records). 生成模拟建档立卡数据。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--persons", type=int, required=True, help="number of persons")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same files)")
        parser.add_argument("--out", type=Path, required=True, help="output directory")
        parser.add_argument("--format", choices=["parquet", "csv", "xlsx", *IMPORT_FORMATS], default="parquet",
                            help="parquet/csv/xlsx: one file per table; import-csv/import-xlsx: one sheet in the "
                                 "import layout (import.csv / import.xlsx), ready for `jingzhun import`")
        parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help="encoding of import-csv")
        parser.add_argument("--year", type=int, default=2024, help="latest year of the yearly records (the year before is written too)")
        parser.add_argument("--county", default="441426000000",
                            help="code of the first real county (6 or 12 digits); more counties of its province follow for large N")
        parser.add_argument("--persons-per-village", type=int, default=1500, help="average persons per village")
        parser.add_argument("--chunk", type=int, default=100_000, help="persons per written chunk (memory bound)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["persons"] <= 0:
            raise CommandError("--persons 必须大于 0 / must be positive")
        if options["format"] == "xlsx" and options["persons"] * 2 > XLSX_MAX_ROWS:
            raise CommandError(
                f"XLSX 单表最多 {XLSX_MAX_ROWS:,} 行，{options['persons']:,} 人的成员年度表有 {options['persons'] * 2:,} 行；"
                f"请改用 --format parquet 或 csv。\nAn XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows; "
                f"{options['persons']:,} persons give {options['persons'] * 2:,} person-year rows. Use --format parquet or csv."
            )
        started = time.perf_counter()
        with Progress(TextColumn("生成 generating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TimeRemainingColumn(), disable=options["verbosity"] < 1) as progress:
            task = progress.add_task("persons", total=options["persons"])
            try:
                if options["format"] in IMPORT_FORMATS:
                    path = write_import_file(
                        persons=options["persons"], seed=options["seed"], out=options["out"], fmt=options["format"],
                        year=options["year"], county=options["county"], encoding=options["encoding"],
                        chunk_persons=options["chunk"],
                        layout=Layout(persons_per_village=max(1, options["persons_per_village"])),
                        progress=lambda n: progress.advance(task, n),
                    )
                    counts = {path.name: options["persons"], "areas.parquet": 0}
                else:
                    counts = write_registry(
                        persons=options["persons"], seed=options["seed"], out=options["out"], fmt=options["format"],
                        year=options["year"], county=options["county"], chunk_persons=options["chunk"],
                        layout=Layout(persons_per_village=max(1, options["persons_per_village"])),
                        progress=lambda n: progress.advance(task, n),
                    )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{k} {v:,}" for k, v in counts.items())
        self.stdout.write(f"已写入 {options['out']}：{summary}（{elapsed:.1f} 秒）\nWritten to {options['out']}: {summary} in {elapsed:.1f} s")
