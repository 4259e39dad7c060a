"""``jingzhun snapshot --year Y --user NAME [--area CODE] --out DIR``

Writes the account's area (or ``--area`` inside it) for year Y as a snapshot directory of Parquet
files with the policy parameters resolved — the input of ``jingzhun screen --snapshot DIR``, on this
machine or on a Spark cluster (copy DIR to storage every executor reads). Exit 0, or 2 on a usage
error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from jingzhun.accounts.commands import AccountCommand


class Command(AccountCommand):
    help = "Write a screening snapshot (Parquet) of an area for a year. 导出筛查快照。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--user", required=True, help="the account whose areas apply")
        parser.add_argument("--area", default="", help="12-digit area code inside the account's areas")
        parser.add_argument("--out", type=Path, required=True, help="directory to write (created)")

    def handle(self, *args: Any, **options: Any) -> None:
        from jingzhun.accounts.scope import code_in_scope, scope_roots
        from jingzhun.screening.export import snapshot_from_database

        user = self.account(options["user"])
        area = options["area"] or next(iter(scope_roots(user)), "")
        if not area or not code_in_scope(user, area):
            self.fail(f"区域 {area or '（空）'} 不在账号辖区内。 Area {area or '(none)'} is not in the account's areas.")
        out: Path = options["out"]
        if out.exists() and any(out.iterdir()):
            self.fail(f"目录 {out} 不为空。 Directory {out} is not empty.")
        snapshot, _ = snapshot_from_database(year=options["year"], area_code=area)
        snapshot.write(out)
        self.stdout.write(f"快照已写入 {out}：{snapshot.persons_count():,} 人。 "
                          f"Snapshot written to {out}: {snapshot.persons_count():,} persons.")
