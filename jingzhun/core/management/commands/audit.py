"""``jingzhun audit verify``: walk the hash chain; exit 0 if intact, 1 naming the first broken event."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from jingzhun.core.audit import audit_verify
from jingzhun.core.models import AuditEvent


class Command(BaseCommand):
    help = "Audit log tools. 'verify' checks that no audit event was edited or deleted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"], help="verify: check the hash chain")

    def handle(self, *args: Any, **options: Any) -> None:
        total = AuditEvent.objects.count()
        checked = 0
        broken = None
        with Progress(TextColumn("审计链校验 verifying"), BarColumn(), MofNCompleteColumn(),
                      transient=True, disable=options["verbosity"] < 1) as progress:
            task = progress.add_task("verify", total=total)
            for checked, found in audit_verify():
                broken = found
                progress.update(task, completed=checked)
        if broken is not None:
            raise CommandError(
                f"审计链在第 {broken.seq} 条事件处断开：{broken.reason}。\n"
                f"Audit chain broken at event #{broken.seq}: {broken.reason}.",
                returncode=1,
            )
        self.stdout.write(f"审计链完整，共 {checked} 条事件。 Audit chain intact: {checked} events.")
