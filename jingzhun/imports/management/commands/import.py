"""``jingzhun import FILE --user NAME [--year Y] [--mode all-or-nothing|valid-only] [--dry-run]
[--encoding E] [--report OUT.xlsx]``

Exit 0: everything imported (or, with --dry-run, everything valid). Exit 1: rows were rejected
(counts and the report path are printed). Exit 2: a usage error or a file that cannot be read.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from jingzhun.accounts.commands import AccountCommand
from jingzhun.core.exceptions import DomainError
from jingzhun.imports.models import ImportBatch
from jingzhun.imports.services import ImportOutcome, import_batch_create, import_check, import_write


class Command(AccountCommand):
    help = "Import households and members from XLSX or CSV (UTF-8, UTF-8 BOM, GBK, GB18030). 导入建档立卡数据。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the account whose role and areas apply (操作账号)")
        parser.add_argument("--year", type=int, help="year of the yearly fields when the file has no 年度 column")
        parser.add_argument("--mode", choices=[m.value for m in ImportBatch.Mode], default=ImportBatch.Mode.ALL_OR_NOTHING)
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--encoding", help="utf-8, gbk or gb18030 (detected when omitted)")
        parser.add_argument("--report", type=Path, help="where to write the XLSX report of problems")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            self.fail(f"找不到文件 {path}。 File not found: {path}.")
        user = self.account(options["user"])
        report_target: Path | None = options["report"]
        with tempfile.TemporaryDirectory() as tmp, Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} 行 rows"), TimeElapsedColumn(),
            disable=options["verbosity"] < 1, transient=True,
        ) as progress:
            task = progress.add_task("检查 checking" if options["dry_run"] else "检查并写入 checking and writing", total=None)
            advance = lambda n: progress.advance(task, n)  # noqa: E731
            try:
                if options["dry_run"]:
                    outcome = import_check(actor=user, path=path, year=options["year"], mode=options["mode"],
                                           encoding=options["encoding"], report_dir=Path(tmp), progress=advance)
                else:
                    batch = import_batch_create(actor=user, path=path, file_name=path.name, year=options["year"],
                                                mode=options["mode"], encoding=options["encoding"])
                    outcome = ImportOutcome(batch, None, None, Path(tmp))
                    import_write(actor=user, outcome=outcome, progress=advance)
            except DomainError as exc:
                self.fail(f"无法读取 {path.name}：{exc.text('zh-hans')}\nCannot read {path.name}: {exc.text('en')}")
            batch = outcome.batch
            if batch.status == ImportBatch.Status.FAILED:
                self._copy_report(outcome, report_target)
                self.fail(f"{batch.message}\n{outcome.checked.file_problem.text('en') if outcome.checked and outcome.checked.file_problem else ''}")
            report = self._copy_report(outcome, report_target)
        self.stdout.write(
            f"{batch.file_name}: {batch.rows:,} 行 rows, {batch.households:,} 户 households; "
            f"新增 created {batch.created:,}, 更新 updated {batch.updated:,}, 未变 unchanged {batch.unchanged:,}, "
            f"拒绝 rejected {batch.rejected_households:,} 户 households ({batch.problems:,} 个问题 problems)."
        )
        if options["dry_run"]:
            self.stdout.write("试运行，未写入任何数据。 Dry run: nothing was written.")
        elif batch.status == ImportBatch.Status.REJECTED:
            self.stdout.write("有错误，按“全部或全不”方式未导入任何数据。 Errors found: nothing was imported (all-or-nothing).")
        if report is not None:
            self.stdout.write(f"问题报告 Report: {report}")
        if batch.problems or batch.status == ImportBatch.Status.REJECTED:
            sys.exit(1)

    def _copy_report(self, outcome: Any, target: Path | None) -> Path | None:
        if outcome.report is None:
            return None
        destination = target or Path.cwd() / outcome.report.name
        shutil.copyfile(outcome.report, destination)
        return destination
