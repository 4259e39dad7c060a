"""``jingzhun simulate --year Y --rule MON-01 --parameter monitoring_line --from 6000 --to 9000 --step 100
[--area CODE] [--by county|township|village] [--user U | --snapshot DIR] [--format table|csv|json] [--out FILE]``

What a rule would find if one policy parameter had another value: per area and value, the units
(households, or persons for a person rule) and persons found, and how many would enter or leave
compared with the value in force (``simulate.sweep``). ``--compare A.json B.json`` instead puts two
parameter sets side by side (``simulate.compare``). Nothing is written. On the database (``--user``)
only the account's area (or ``--area`` inside it) is read. Exit 0, or 2 with a message in Chinese and
English on a usage error (unknown rule, a parameter the rule does not read, a step that is not above
0, more than ``simulate.MAX_VALUES`` values, a bad parameter file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext_lazy as _
from rich.table import Table

from jingzhun.screening.analysis import (
    SweepOutcome,
    check_parameter,
    check_rule,
    compare_compute,
    parameter_label,
    parameter_set_from_file,
    rule_parameters,
    sweep_compute,
    sweep_values,
)
from jingzhun.screening.catalogue.base import Scope
from jingzhun.screening.management.analysis_cli import AnalysisCommand, Bilingual, Usage, both


class Command(AnalysisCommand):
    help = "Simulate a rule under other parameter values, per area. 政策模拟。"

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_data_arguments(parser)
        parser.add_argument("--rule", default="MON-01", help="rule id (default MON-01, income below the monitoring line)")
        parser.add_argument("--parameter", default="", help="the parameter to vary, one the rule reads")
        parser.add_argument("--from", dest="start", type=float, help="first value")
        parser.add_argument("--to", dest="stop", type=float, help="last value")
        parser.add_argument("--step", type=float, help="step between values")
        parser.add_argument("--compare", nargs=2, type=Path, metavar=("A.json", "B.json"),
                            help="two parameter sets (JSON or TOML: name = value) side by side")

    def handle(self, *args: Any, **options: Any) -> None:
        self.execute_checked(lambda: self._handle(options))

    def _handle(self, options: dict[str, Any]) -> None:
        self.check_common(options)
        rule = check_rule(options["rule"])
        if options["compare"]:
            if options["parameter"] or any(options[k] is not None for k in ("start", "stop", "step")):
                raise Usage(_("Give either --compare A B or --parameter with --from, --to and --step, not both."),
                            "--compare")
            set_a = parameter_set_from_file(options["compare"][0], rule, "set_a")
            set_b = parameter_set_from_file(options["compare"][1], rule, "set_b")
            self._compare(options, rule.id, set_a, set_b)
            return
        if not options["parameter"]:
            raise Usage(_("Give the parameter to vary (%(read)s), or --compare A B."), "--parameter",
                        read=", ".join(rule_parameters(rule)))
        check_parameter(rule, options["parameter"])
        for key, option in (("start", "--from"), ("stop", "--to"), ("step", "--step")):
            if options[key] is None:
                raise Usage(_("Give the value (a number)."), option)
        values = sweep_values(options["start"], options["stop"], options["step"])
        with self.progress(options) as stage:
            snapshot, area, names_of = self.load(options, stage)
            level = self.level(options, area)
            done = stage(_("Simulating %(count)s values of %(parameter)s") % {
                "count": len(values), "parameter": options["parameter"]})
            outcome = sweep_compute(snapshot, rule_id=rule.id, parameter=options["parameter"],
                                    start=options["start"], stop=options["stop"], step=options["step"], level=level)
            done()
        names = names_of(sorted({row["area"] for row in outcome.rows}))
        for row in outcome.rows:
            row["name"] = names.get(row["area"], "")
        self._print_sweep(options, outcome)

    def _print_sweep(self, options: dict[str, Any], outcome: SweepOutcome) -> None:
        result = outcome.result
        rule = result.rule
        unit = _("Households") if rule.scope == Scope.HOUSEHOLD else _("Persons")
        current = outcome.single_current
        tables = []
        headers = [_("Value"), unit, _("Persons"), _("Entering"), _("Leaving"), _("Persons entering"),
                   _("Persons leaving")]
        for area, rows in [*outcome.by_area(), ("", outcome.totals)]:
            name = rows[0].get("name", "") if area else ""
            title = both(_("%(rule)s %(name)s — %(parameter)s (%(label)s); %(area)s"), rule=rule.id,
                         name=Bilingual(rule.name_zh, rule.name_en), parameter=result.parameter,
                         label=parameter_label(result.parameter),
                         area=f"{area} {name}".strip() if area else _("all areas"))
            table = Table(title=title, caption=both(_("* marks the value in force (%(current)s); entering and leaving "
                                                      "are counted against it."), current=_current_text(outcome)))
            for header in headers:
                table.add_column(both(header), justify="right")
            for row in rows:
                marker = " *" if current is not None and row["value"] == current else ""
                cells = [f"{row['value']:,g}{marker}", f"{row['units']:,}", f"{row['persons']:,}",
                         f"{row['enter']:,}", f"{row['leave']:,}"]
                cells += [f"{row['enter_persons']:,}", f"{row['leave_persons']:,}"] if area else ["", ""]
                table.add_row(*cells)
            tables.append(table)
        document = {"rule": rule.id, "parameter": result.parameter, "values": result.values,
                    "current": outcome.current, "areas": outcome.rows, "totals": outcome.totals}
        self.emit(options, tables=tables, rows=outcome.rows, document=document)

    def _compare(self, options: dict[str, Any], rule_id: str, set_a: dict[str, float], set_b: dict[str, float]) -> None:
        with self.progress(options) as stage:
            snapshot, area, names_of = self.load(options, stage)
            level = self.level(options, area)
            done = stage(_("Comparing the two parameter sets"))
            rows = compare_compute(snapshot, rule_id=rule_id, set_a=set_a, set_b=set_b, level=level)
            done()
        names = names_of([row["area"] for row in rows])
        for row in rows:
            row["name"] = names.get(row["area"], "")
        a_text = ", ".join(f"{k} = {v:,g}" for k, v in set_a.items())
        b_text = ", ".join(f"{k} = {v:,g}" for k, v in set_b.items())
        table = Table(title=both(_("%(rule)s: set A (%(a)s) and set B (%(b)s)"), rule=rule_id, a=a_text, b=b_text))
        headers = [_("Area code"), _("Area"), _("Found under A"), _("Found under B"), _("Persons under A"),
                   _("Persons under B"), _("Found by B, not by A"), _("Found by A, not by B")]
        for i, header in enumerate(headers):
            table.add_column(both(header), justify="left" if i < 2 else "right")
        keys = ("units_a", "units_b", "persons_a", "persons_b", "b_not_a", "a_not_b")
        for row in rows:
            table.add_row(row["area"], row["name"], *(f"{row[k]:,}" for k in keys))
        table.add_row(both(_("Total")), "", *(f"{sum(r[k] for r in rows):,}" for k in keys))
        self.emit(options, tables=[table], rows=rows,
                  document={"rule": rule_id, "set_a": set_a, "set_b": set_b, "areas": rows})


def _current_text(outcome: SweepOutcome) -> str:
    values = sorted({v for v in outcome.current.values() if v is not None})
    return ", ".join(f"{v:,g}" for v in values) or "—"
