"""``jingzhun template OUT.xlsx``: the import template with drop-down lists and instructions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jingzhun.imports.template import write_template


class Command(BaseCommand):
    help = "Write the import template (XLSX with drop-down lists and an instructions sheet). 生成导入模板。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path = write_template(options["out"])
        self.stdout.write(f"已生成模板 Template written: {path}")
