"""``jingzhun clean_imports [--days N]``: delete old uploaded import files and reports."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jingzhun.imports.services import import_clean_files


class Command(BaseCommand):
    help = ("Delete the uploaded files and reports of imports finished more than N days ago (default: "
            "JINGZHUN_IMPORT_KEEP_DAYS, 30). 删除过期的导入文件和问题报告。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        cleaned = import_clean_files(older_than_days=options["days"])
        self.stdout.write(f"已清理 {cleaned} 次导入的文件 Files of {cleaned} imports removed.")
