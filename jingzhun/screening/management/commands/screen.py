"""``jingzhun screen --year Y [--area CODE] [--rules GROUP …] [--engine duckdb|spark|python] …``

Runs the rule catalogue and prints the hits per rule. Two modes:

* on the database (``--user NAME``): a snapshot of the account's area (or ``--area``) is screened and
  the hits replace the previous ones for that year, area and rules — as the web page does;
* on a snapshot directory (``--snapshot DIR``, from ``jingzhun snapshot`` or ``jingzhun generate``):
  nothing is written to the database; ``--out HITS.parquet`` keeps the hits with their sentences.
  This is the mode for a Spark cluster (``--engine spark --master spark://…``).

Exit 0 when the run finished, 2 on a usage error (a clear message, never a traceback).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jingzhun.accounts.commands import AccountCommand
from jingzhun.screening.catalogue.base import GROUPS
from jingzhun.screening.engines import ENGINES

STAGES = {"snapshot": "读取数据 snapshot", "features": "特征表 features", "rules": "规则 rules", "writing": "写入 writing"}


class Command(AccountCommand):
    help = "Run the screening rules and print the hits per rule. 运行筛查规则。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--area", default="", help="12-digit area code (default: the account's area)")
        parser.add_argument("--rules", nargs="*", default=[], metavar="GROUP",
                            help=f"rule groups ({', '.join(['quality', *GROUPS])}); default all")
        parser.add_argument("--engine", choices=ENGINES, default="duckdb")
        parser.add_argument("--user", default="", help="account whose area applies; results are stored")
        parser.add_argument("--snapshot", type=Path, help="screen a snapshot directory instead of the database")
        parser.add_argument("--out", type=Path, help="with --snapshot: write the hits to this .parquet or .csv")
        parser.add_argument("--master", default="", help="Spark master URL (default local[2])")
        parser.add_argument("--with-data", nargs="*", default=[], metavar="SOURCE",
                            help="department lists present in the snapshot (enables the exclusion rules; "
                                 "default: those its manifest names)")

    def handle(self, *args: Any, **options: Any) -> None:
        unknown = [g for g in options["rules"] if g != "quality" and g not in GROUPS]
        if unknown:
            self.fail(f"未知规则组：{', '.join(unknown)}。 Unknown rule group: {', '.join(unknown)}. "
                      f"Use: quality, {', '.join(GROUPS)}")
        engine_options = {"master": options["master"]} if options["engine"] == "spark" and options["master"] else {}
        console = Console(stderr=True)
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            tasks: dict[str, Any] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=total or 1)
                bar.update(tasks[stage], completed=done, total=total or 1)

            if options["snapshot"]:
                counts, rules, persons, seconds = self._on_snapshot(options, engine_options, progress)
            else:
                counts, rules, persons, seconds = self._on_database(options, engine_options, progress)
        self._print(counts, rules, persons, seconds)

    def _on_snapshot(self, options: dict[str, Any], engine_options: dict[str, Any], progress: Any) -> tuple:
        from jingzhun.screening import catalogue
        from jingzhun.screening.engines import open_engine
        from jingzhun.screening.hits_file import write_hits_file
        from jingzhun.screening.runner import run_catalogue
        from jingzhun.screening.snapshot import Snapshot, SnapshotError

        out: Path | None = options["out"]
        if out and out.suffix.lower() not in (".parquet", ".csv"):
            self.fail("输出文件须以 .parquet 或 .csv 结尾。 The output file must end in .parquet or .csv.")
        try:
            snapshot = Snapshot.from_directory(options["snapshot"], year=options["year"])
        except SnapshotError as error:
            self.fail(f"无法读取快照。 Cannot read the snapshot: {error}")
        if snapshot.year != options["year"]:
            self.fail(f"快照年度为 {snapshot.year}。 The snapshot is of {snapshot.year}, not {options['year']}.")
        rules = catalogue.select(year=options["year"], area_code=options["area"] or None, groups=options["rules"],
                                 available_data=options["with_data"] or snapshot.department_sources)
        engine = open_engine(options["engine"], **engine_options)
        try:
            result = run_catalogue(snapshot, rules, engine, progress=progress)
        finally:
            engine.close()
        if out:
            write_hits_file(result.hits, out)
            self.stdout.write(f"命中结果已写入 {out}。 Hits written to {out}.")
        return result.counts(), rules, result.persons, result.seconds

    def _on_database(self, options: dict[str, Any], engine_options: dict[str, Any], progress: Any) -> tuple:
        from jingzhun.accounts.scope import scope_roots
        from jingzhun.core.exceptions import DomainError
        from jingzhun.screening import catalogue
        from jingzhun.screening.services import screening_execute, screening_start

        if not options["user"]:
            self.fail("请用 --user 指定账号，或用 --snapshot 指定快照目录。 Give --user NAME, or --snapshot DIR.")
        user = self.account(options["user"])
        area = options["area"] or next(iter(scope_roots(user)), "")
        if not area:
            self.fail("账号没有辖区，请用 --area 指定。 The account has no area; give --area CODE.")
        try:
            run = screening_start(actor=user, year=options["year"], area_code=area, groups=options["rules"],
                                  engine=options["engine"])
        except DomainError as error:
            self.fail(f"{error.text('zh-hans')}\n{error.text('en')}")
        run = screening_execute(run.pk, engine_options=engine_options, progress=progress)
        self.stdout.write(f"第 {run.pk} 次筛查完成，{run.hit_count:,} 条结果已写入。 Run {run.pk} done: "
                          f"{run.hit_count:,} hits stored.")
        if run.rules_without_data:
            self.stdout.write("缺少部门比对数据而未运行 / off for lack of department data: "
                              + ", ".join(run.rules_without_data))
        rules = [catalogue.RULES_BY_ID[r] for r in run.rule_ids]
        return run.counts, rules, run.persons, run.seconds

    def _print(self, counts: dict[str, int], rules: list, persons: int, seconds: dict[str, float]) -> None:
        table = Table(title=f"筛查结果 Hits per rule — {persons:,} 人 persons, {sum(seconds.values()):.1f} s")
        for column in ("规则 rule", "名称", "name", "命中 hits"):
            table.add_column(column, justify="right" if column.startswith("命中") else "left")
        for rule in rules:
            table.add_row(rule.id, rule.name_zh, rule.name_en, f"{counts.get(rule.id, 0):,}")
        Console(width=160).print(table)
