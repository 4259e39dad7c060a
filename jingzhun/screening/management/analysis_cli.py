"""What ``jingzhun measures`` and ``jingzhun simulate`` share: the data options (``--user`` scoped
to the account's areas, or ``--snapshot DIR``), messages in Chinese and English, the progress bar and
the output (a table, CSV or JSON, on the screen or written atomically to ``--out``)."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jingzhun.core.exceptions import DomainError, NotFound, render_in
from jingzhun.screening.analysis import LEVELS, area_code_from_input, check_level, default_level
from jingzhun.screening.snapshot import Snapshot

FORMATS = ("table", "csv", "json")
# Issue fields (shared with the pages' forms) → the option the user typed.
OPTIONS = {"area": "--area", "by": "--by", "year": "--year", "denominator": "--denominator", "line": "--line",
           "dimensions": "--dimensions", "k": "--k", "rule": "--rule", "parameter": "--parameter",
           "start": "--from", "stop": "--to", "step": "--step", "set_a": "--compare", "set_b": "--compare",
           "out": "--out", "user": "--user", "snapshot": "--snapshot", "format": "--format"}


def both(message: Any, **params: Any) -> str:
    """A message in Chinese and English on one line (once when they read the same)."""
    zh, en = render_in("zh-hans", message, params), render_in("en", message, params)
    return zh if zh == en else f"{zh} {en}"


class Bilingual:
    """A name the catalogue gives in both languages (a rule's, a dimension's), as a message parameter:
    it reads in the language the message is rendered in."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en

    def __str__(self) -> str:
        return self.zh if (translation.get_language() or "").startswith("zh") else self.en


class Usage(Exception):
    """A usage error: printed in both languages, exit status 2."""

    def __init__(self, message: Any, option: str = "", **params: Any) -> None:
        super().__init__(str(message))
        self.message, self.option, self.params = message, option, params

    def lines(self) -> list[str]:
        prefix = f"{self.option}: " if self.option else ""
        return [prefix + render_in(language, self.message, self.params) for language in ("zh-hans", "en")]


def error_lines(error: DomainError) -> list[str]:
    """Each issue of a domain error once in Chinese and once in English, with the option it concerns."""
    if not error.issues:
        return [error.text("zh-hans"), error.text("en")]
    lines = []
    for item in error.issues:
        option = OPTIONS.get(item.field, item.field)
        lines.extend(f"{option}: {item.text(language)}" for language in ("zh-hans", "en"))
    return lines


class AnalysisCommand(BaseCommand):
    """Base of the two commands: exit 2 with a message for every usage error, never a traceback."""

    def add_data_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--area", default="", help="area code (12 digits, or 6 for a county, 9 for a township); "
                                                        "default: the account's area or the whole snapshot")
        parser.add_argument("--user", default="", help="account whose areas apply (reads the database)")
        parser.add_argument("--snapshot", type=Path, help="a snapshot directory instead of the database")
        parser.add_argument("--by", default="", help="county, township or village (default: the level below the area)")
        parser.add_argument("--format", default="table", help="table, csv or json")
        parser.add_argument("--out", type=Path, help="write the output to this file instead of the screen")

    def fail(self, lines: list[str]) -> NoReturn:
        for line in lines:
            self.stderr.write(line)
        sys.exit(2)

    def execute_checked(self, work: Callable[[], None]) -> None:
        try:
            work()
        except Usage as error:
            self.fail(error.lines())
        except NotFound:
            # The same words whether the area does not exist or lies outside the account's areas.
            message = _("The area does not exist or is not in the account's areas.")
            self.fail([f"--area: {render_in(language, message)}" for language in ("zh-hans", "en")])
        except DomainError as error:
            self.fail(error_lines(error))

    def check_common(self, options: dict[str, Any]) -> None:
        if options["format"] not in FORMATS:
            raise Usage(_("Unknown format %(value)s: use table, csv or json."), "--format", value=options["format"])
        if not 2010 <= options["year"] <= 2100:
            raise Usage(_("Enter a year between 2010 and 2100."), "--year")
        out: Path | None = options["out"]
        if out is not None and not out.parent.resolve().is_dir():
            raise Usage(_("The folder %(folder)s does not exist."), "--out", folder=str(out.parent))
        if options["user"] and options["snapshot"]:
            raise Usage(_("Give either --user (the database) or --snapshot (a directory), not both."))
        if not options["user"] and not options["snapshot"]:
            raise Usage(_("Give --user NAME to read the database within the account's areas, or --snapshot DIR."))

    @contextmanager
    def progress(self, options: dict[str, Any]) -> Iterator[Callable[[Any], Callable[[], None]]]:
        """A transient progress display on stderr; ``stage(message)`` starts a stage and returns the
        function that marks it done. The engine reports no steps inside one query, so a stage
        shows an animated bar and the time it has taken."""
        console = Console(stderr=True)
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console,
                      transient=True, disable=options["verbosity"] < 1) as bar:

            def stage(message: Any) -> Callable[[], None]:
                task = bar.add_task(both(message), total=None)
                return lambda: bar.update(task, total=1, completed=1)

            yield stage

    def load(self, options: dict[str, Any], stage: Callable[[Any], Callable[[], None]]
             ) -> tuple[Snapshot, str | None, Callable[[list[str]], dict[str, str]]]:
        """The snapshot to compute on, the area it covers (None: a whole snapshot directory) and a
        function giving area names by code. On the database only the area inside the account's scope
        is read (``analysis.scoped_snapshot``)."""
        from jingzhun.screening.analysis import database_area_names, snapshot_area_names, snapshot_within

        area = area_code_from_input(options["area"]) if options["area"] else ""
        if options["snapshot"]:
            from jingzhun.screening.snapshot import SnapshotError

            done = stage(_("Reading the snapshot"))
            # A snapshot taken by ``jingzhun snapshot`` has the parameters of its year resolved: it
            # answers for that year only. Generated data (``jingzhun generate``) holds two years.
            manifest = Path(options["snapshot"]) / "snapshot.json"
            try:
                taken = json.loads(manifest.read_text(encoding="utf-8")).get("year") if manifest.is_file() else None
                snapshot = Snapshot.from_directory(options["snapshot"], year=options["year"])
            except (SnapshotError, ValueError, OSError) as error:
                raise Usage(_("Cannot read the snapshot: %(error)s"), "--snapshot", error=str(error)) from None
            if taken is not None and int(taken) != options["year"]:
                raise Usage(_("The snapshot is of %(year)s, not %(asked)s."), "--year", year=taken,
                            asked=options["year"])
            if area:
                snapshot = snapshot_within(snapshot, area)
            done()
            names = snapshot_area_names(snapshot)
            return snapshot, area or snapshot.area_code, lambda codes: names
        from jingzhun.accounts.scope import scope_roots
        from jingzhun.accounts.selectors import active_user
        from jingzhun.screening.analysis import scoped_snapshot

        user = active_user(options["user"])
        if user is None:
            raise Usage(_("No active account %(user)s."), "--user", user=options["user"])
        if not area:
            roots = scope_roots(user)
            if len(roots) != 1:
                raise Usage(_("The account has %(count)s areas (%(areas)s); choose one with --area."), "--area",
                            count=len(roots), areas=", ".join(roots) or "—")
            area = roots[0]
        done = stage(_("Reading the database"))
        snapshot = scoped_snapshot(actor=user, year=options["year"], area_code=area)
        done()
        return snapshot, area, database_area_names

    def level(self, options: dict[str, Any], area: str | None) -> str:
        level = options["by"] or default_level(area)
        if level not in LEVELS:
            raise Usage(_("Unknown level %(level)s: use county, township or village."), "--by", level=level)
        check_level(level, area)
        return level

    def emit(self, options: dict[str, Any], *, tables: list[Table], rows: list[dict[str, Any]],
             document: dict[str, Any]) -> None:
        """The output in ``--format``: rich tables as text, CSV of ``rows`` or JSON of ``document``;
        on the screen, or written to ``--out`` all at once (a temporary file renamed)."""
        if options["format"] == "table":
            console = Console(width=200, record=True, file=io.StringIO())
            for table in tables:
                console.print(table)
            text = console.export_text()
        elif options["format"] == "csv":
            buffer = io.StringIO()
            columns: list[str] = []
            for row in rows:
                columns.extend(k for k in row if k not in columns)
            writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            text = buffer.getvalue()
        else:
            text = json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n"
        out: Path | None = options["out"]
        if out is None:
            self.stdout.write(text, ending="")
            return
        handle, temporary = tempfile.mkstemp(suffix=out.suffix, dir=out.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                file.write(text)
            os.replace(temporary, out)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        self.stdout.write(both(_("Written to %(file)s."), file=str(out)))


def number(value: Any, digits: int = 4) -> str:
    """A share or rate for the table: fixed decimals, "—" when there is none."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"
