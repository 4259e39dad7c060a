"""``jingzhun export OUT --user NAME [--q Q] [--area CODE] [--status S] [--year Y] [--encoding utf-8|gbk]``

Writes the households the account can see (one row per member, the import layout) to OUT; the
format follows the extension (.csv or .xlsx). Exit 0 on success, 2 on a usage error.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from jingzhun.accounts.commands import AccountCommand
from jingzhun.core.exceptions import DomainError
from jingzhun.registry.exports import households_csv, households_xlsx
from jingzhun.registry.selectors import household_search


class Command(AccountCommand):
    help = "Export the households an account can see to CSV or XLSX. 导出农户名单。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path, help="output file, .csv or .xlsx")
        parser.add_argument("--user", required=True, help="the account whose areas and role apply")
        parser.add_argument("--q", default="", help="name prefix, ID number or household number")
        parser.add_argument("--area", default="", help="12-digit area code")
        parser.add_argument("--status", default="", help="household status code (with --year)")
        parser.add_argument("--year", type=int)
        parser.add_argument("--encoding", choices=["utf-8", "gbk"], default="utf-8", help="CSV encoding")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path = options["out"]
        if out.suffix.lower() not in (".csv", ".xlsx"):
            self.fail("输出文件须以 .csv 或 .xlsx 结尾。 The output file must end in .csv or .xlsx.")
        if not out.parent.is_dir():
            self.fail(f"目录不存在：{out.parent}。 No such directory: {out.parent}.")
        user = self.account(options["user"])
        households = household_search(actor=user, query=options["q"], area_code=options["area"],
                                      status=options["status"], year=options["year"])
        filters = {k: options[k] for k in ("q", "area", "status", "year")}
        try:
            if out.suffix.lower() == ".xlsx":
                households_xlsx(actor=user, households=households, path=out, year=options["year"], filters=filters)
            else:
                handle, temporary = tempfile.mkstemp(suffix=".csv", dir=out.parent)
                with os.fdopen(handle, "wb") as stream:
                    for chunk in households_csv(actor=user, households=households, year=options["year"], filters=filters,
                                                encoding="utf-8-sig" if options["encoding"] == "utf-8" else "gbk"):
                        stream.write(chunk)
                os.replace(temporary, out)
        except DomainError as exc:
            self.fail(f"{exc.text('zh-hans')}\n{exc.text('en')}")
        self.stdout.write(f"已导出 {households.count():,} 户到 {out}。 Exported {households.count():,} households to {out}.")
