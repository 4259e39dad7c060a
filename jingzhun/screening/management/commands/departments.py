"""``jingzhun departments load --source S --area CODE --year Y --user NAME FILE [--encoding E] [--valid-only]``
and ``jingzhun departments list --user NAME``.

Loads another department's list (部门比对数据: public_employees, vehicles, town_property,
business_registry, village_cadres) from XLSX or CSV for an area (a county or wider) and a year; the
exclusion rules of that source then run in screenings of the year covering the area. Loading the
same source, area and year again replaces the list.

Exit 0: loaded. Exit 1: rows were rejected (each printed with its row, column and reason; nothing
loaded, or with --valid-only the other rows loaded). Exit 2: a usage error, an unknown account, an
area outside the account's areas, or a file that cannot be read. Never a traceback.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jingzhun.accounts.commands import AccountCommand
from jingzhun.screening.catalogue.base import DATA_SOURCES
from jingzhun.screening.models import DepartmentSource

PRINTED_PROBLEMS = 1000


class Command(AccountCommand):
    help = "Department lists for comparison (部门比对数据): load a file, list what is loaded."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load,list}")
        load = actions.add_parser("load", help="load a department's list from XLSX or CSV")
        load.add_argument("file", type=Path)
        load.add_argument("--source", required=True, choices=DepartmentSource.values)
        load.add_argument("--area", required=True, help="12-digit code of the county (or city, province) covered")
        load.add_argument("--year", type=int, required=True)
        load.add_argument("--user", required=True, help="the account whose role and areas apply (操作账号)")
        load.add_argument("--encoding", help="utf-8, gbk or gb18030 (detected when omitted)")
        load.add_argument("--valid-only", action="store_true", help="load the valid rows even if others are bad")
        listing = actions.add_parser("list", help="the lists loaded for the account's areas")
        listing.add_argument("--user", required=True)

    def handle(self, *args: Any, **options: Any) -> None:

        user = self.account(options["user"])
        if options["action"] == "load":
            self._load(user, options)
        else:
            self._list(user)

    def _load(self, user: Any, options: dict[str, Any]) -> None:
        from jingzhun.core.exceptions import DomainError
        from jingzhun.screening.services import DepartmentListRejected, department_list_load

        path: Path = options["file"]
        if not path.is_file():
            self.fail(f"找不到文件 {path}。 File not found: {path}.")
        with Progress(TextColumn("载入 loading"), TextColumn("{task.completed:,} 行 rows"), TimeElapsedColumn(),
                      console=Console(stderr=True), disable=options["verbosity"] < 1 or not sys.stderr.isatty(),
                      transient=True) as bar:
            task = bar.add_task("load", total=None)
            try:
                loaded = department_list_load(
                    actor=user, source=options["source"], area=options["area"], year=options["year"], path=path,
                    encoding=options["encoding"], valid_only=options["valid_only"],
                    progress=lambda rows: bar.update(task, completed=rows))
            except DepartmentListRejected as rejected:
                self._problems(rejected.problems)
                self.stderr.write(f"{rejected.text('zh-hans')}\n{rejected.text('en')}")
                sys.exit(1)
            except DomainError as error:
                details = [f"  {i.field}: {i.text('zh-hans')} / {i.text('en')}" for i in error.issues]
                self.fail("\n".join([f"{error.text('zh-hans')} {error.text('en')}", *details]))
        made = loaded.department_list
        zh, en = DATA_SOURCES[made.source]
        replaced = "" if loaded.replaced_rows is None else (
            f"（替换原有 {loaded.replaced_rows:,} 行） (replaced a list of {loaded.replaced_rows:,} rows)")
        self.stdout.write(f"{zh}：{made.area_id} {made.year} 年，已载入 {made.row_count:,} 行。 "
                          f"{en}, {made.area_id}, {made.year}: rows loaded: {made.row_count:,}. {replaced}".rstrip())
        if loaded.skipped:
            self._problems(loaded.skipped)
            self.stdout.write(f"跳过有问题的 {len(loaded.skipped):,} 行。 Skipped {len(loaded.skipped):,} rows "
                              "with problems.")
            sys.exit(1)

    def _problems(self, problems: list[Any]) -> None:
        for problem in problems[:PRINTED_PROBLEMS]:
            self.stdout.write(f"{problem.text('zh-hans')} / {problem.text('en')}")
        if len(problems) > PRINTED_PROBLEMS:
            more = len(problems) - PRINTED_PROBLEMS
            self.stdout.write(f"……另有 {more:,} 行有问题。 … and {more:,} more rows with problems.")

    def _list(self, user: Any) -> None:
        from jingzhun.screening.selectors import department_lists_visible

        table = Table(title="部门比对数据 Department lists")
        for column in ("数据 source", "区域 area", "年度 year", "行数 rows", "文件 file", "载入 loaded"):
            table.add_column(column, justify="right" if column.startswith(("年度", "行数")) else "left")
        lists = list(department_lists_visible(actor=user).order_by("-year", "source", "area_id"))
        for item in lists:
            zh, en = DATA_SOURCES[item.source]
            loaded_at = timezone.localtime(item.loaded_at).strftime("%Y-%m-%d %H:%M")
            who = item.loaded_by.username if item.loaded_by else ""
            table.add_row(f"{item.source}\n{zh}", f"{item.area_id}\n{item.area.name}", str(item.year),
                          f"{item.row_count:,}", item.file_name, f"{loaded_at} {who}")
        if not lists:
            self.stdout.write("尚未载入部门比对数据。 No department list is loaded.")
            return
        console = Console(width=160, file=io.StringIO(), record=True)
        console.print(table)
        self.stdout.write(console.export_text())
