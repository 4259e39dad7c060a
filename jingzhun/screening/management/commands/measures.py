"""``jingzhun measures --year Y [--area CODE] [--user U | --snapshot DIR] [--by county|township|village]
[--denominator registry|population] [--line poverty|monitoring] [--dimensions FILE.json|.toml] [--k 0.4]
[--format table|csv|json] [--out FILE]``

Prints per area (and in total) the poverty incidence, FGT P0/P1/P2 and Alkire–Foster H, A, M0, M1,
M2, with each dimension's censored headcount ratio and contribution to M0 (``analysis.measures_compute``).
On the database (``--user``) only the account's area (or ``--area`` inside it) is read. Exit 0, or 2
with a message in Chinese and English on a usage error (an unknown area or one outside the account's
areas, a bad dimension file — naming the file, the dimension and the reason).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser
from django.utils.translation import gettext_lazy as _
from rich.table import Table

from jingzhun.screening.analysis import (
    DENOMINATORS,
    LEVEL_LABELS,
    LINE_LABELS,
    LINES,
    MeasuresResult,
    check_dimensions_sql,
    check_k,
    dimensions_from_file,
    measures_compute,
)
from jingzhun.screening.management.analysis_cli import AnalysisCommand, Usage, both, number
from jingzhun.screening.measures import DEFAULT_DIMENSION_SET, DimensionSet


class Command(AnalysisCommand):
    help = "Poverty measures per area: incidence, FGT and Alkire–Foster. 贫困测度。"

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_data_arguments(parser)
        parser.add_argument("--denominator", default="registry", help="registry (persons in the registry) or "
                                                                       "population (the snapshot's population table)")
        parser.add_argument("--line", default="poverty", help="poverty or monitoring: the income line of FGT")
        parser.add_argument("--dimensions", type=Path, help="Alkire–Foster dimensions (.json or .toml); default "
                                                            "两不愁三保障")
        parser.add_argument("--k", type=float, help="Alkire–Foster poverty cutoff, a share in (0, 1]; default 0.4")

    def handle(self, *args: Any, **options: Any) -> None:
        self.execute_checked(lambda: self._handle(options))

    def _handle(self, options: dict[str, Any]) -> None:
        self.check_common(options)
        if options["denominator"] not in DENOMINATORS:
            raise Usage(_("Unknown denominator %(value)s: use registry or population."), "--denominator",
                        value=options["denominator"])
        if options["line"] not in LINES:
            raise Usage(_("Unknown line %(value)s: use poverty or monitoring."), "--line", value=options["line"])
        k = check_k(options["k"]) if options["k"] is not None else None
        dimensions: DimensionSet = DEFAULT_DIMENSION_SET
        if options["dimensions"]:
            dimensions = dimensions_from_file(options["dimensions"], k)
        elif k is not None:
            dimensions = DimensionSet(DEFAULT_DIMENSION_SET.dimensions, k)
        with self.progress(options) as stage:
            snapshot, area, names_of = self.load(options, stage)
            level = self.level(options, area)
            done = stage(_("Computing the measures"))
            if options["dimensions"]:
                check_dimensions_sql(snapshot, dimensions, LINES[options["line"]], options["dimensions"].name)
            result = measures_compute(snapshot, level=level, denominator=options["denominator"],
                                      line=options["line"], dimensions=dimensions)
            done()
        names = names_of([row.area for row in result.rows])
        for row in result.rows:
            row.name = names.get(row.area, "")
        self.emit(options, tables=self._tables(result), rows=[r.flat() for r in [*result.rows, result.total]],
                  document=result.as_dict())

    def _tables(self, result: MeasuresResult) -> list[Table]:
        title = both(_("Poverty measures %(year)s by %(level)s, income against the %(line)s; incidence over the "
                       "%(denominator)s"), year=result.year, level=LEVEL_LABELS[result.level],
                     line=LINE_LABELS[result.line], denominator=DENOMINATORS[result.denominator])
        table = Table(title=title)
        headers = [_("Area code"), _("Area"), _("Households"), _("Persons"), _("Poor persons"), _("Denominator"),
                   _("Incidence (%)"), "P0", "P1", "P2", "H", "A", "M0", "M1", "M2", _("Share of M0 (%)")]
        for i, header in enumerate(headers):
            table.add_column(both(header), justify="left" if i < 2 else "right")
        for row in [*result.rows, result.total]:
            table.add_row(row.area or both(_("Total")), row.name, f"{row.households:,}", f"{row.persons:,}",
                          f"{row.poor_persons:,}", number(row.denominator, 0), number(row.incidence, 2),
                          *(number(getattr(row, m)) for m in ("P0", "P1", "P2", "H", "A", "M0", "M1", "M2")),
                          number(row.share_of_m0, 1))
        keys = result.dimensions.keys
        af = Table(title=both(_("Alkire–Foster by dimension: censored headcount ratio h and contribution to M0 (%%), "
                                "poor when deprived in at least k = %(k)s of the weighted dimensions"),
                              k=f"{result.dimensions.k:g}"))
        af.add_column(both(_("Area code")))
        af.add_column(both(_("Area")))
        for key in keys:
            af.add_column(f"h {key}", justify="right")
            af.add_column(f"% {key}", justify="right")
        for row in [*result.rows, result.total]:
            cells = []
            for key in keys:
                cells.extend([number(row.censored.get(key)), number(row.contribution.get(key), 1)])
            af.add_row(row.area or both(_("Total")), row.name, *cells)
        legend = Table(title=both(_("Dimensions")))
        for header in (_("Key"), _("Dimension"), _("Weight")):
            legend.add_column(both(header))
        for dimension, weight in zip(result.dimensions.dimensions, result.dimensions.weights, strict=True):
            legend.add_row(dimension.key, f"{dimension.name_zh} {dimension.name_en}", f"{weight:.3f}")
        return [table, af, legend]
