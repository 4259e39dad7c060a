"""Poverty measures and policy simulation for one area: what ``jingzhun measures``, ``jingzhun
simulate`` and the measures and simulation pages show.

Reads only. On the database the data is a snapshot of one area inside the actor's scope
(``scoped_snapshot``: the area goes through ``areas.selectors.area_get``, then only households inside
it are read by ``export.snapshot_from_database``), so the numbers never include anyone outside the
actor's areas. A snapshot directory is cut to an area with ``snapshot_within``. The arithmetic is
``poverty.poverty_measures`` (incidence, FGT, Alkire–Foster) and ``simulate.sweep`` / ``compare``.

Every check of the input raises ``ValidationFailed`` with one issue per field (the field's name
and the reason, in zh-hans and en through gettext); an area that is absent or outside the actor's
scope raises ``NotFound`` — the same for both, as every selector does.
"""

from __future__ import annotations

import functools
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import within_area_q
from jingzhun.areas import codes
from jingzhun.core.exceptions import ActionForbidden, ValidationFailed, issue
from jingzhun.screening import catalogue
from jingzhun.screening.catalogue.base import Rule, Scope
from jingzhun.screening.measures import (
    DEFAULT_DIMENSION_SET,
    DEFAULT_K,
    Dimension,
    DimensionSet,
    deprivation_sql,
)
from jingzhun.screening.parameters import PARAMETER_COLUMNS, PREVIOUS_YEAR_KINDS
from jingzhun.screening.simulate import MAX_VALUES, SweepResult, _condition, compare, sweep
from jingzhun.screening.snapshot import OPTIONAL_SCHEMAS, Snapshot

LEVELS: dict[str, int] = {"county": 6, "township": 9, "village": 12}
LEVEL_LABELS = {"county": _("County"), "township": _("Township"), "village": _("Village")}
DENOMINATORS = {"registry": _("Registered persons of the area"),
                "population": _("Population figures of the area (population table)")}
LINES = {"poverty": "poverty_line", "monitoring": "monitoring_line"}
LINE_LABELS = {"poverty": _("Poverty line"), "monitoring": _("Monitoring line")}
# The pages compute while the user waits: an area with more households than this is refused with a
# message pointing at a smaller area or at the command (a township of a large county is well below).
MAX_PAGE_HOUSEHOLDS = 30_000
MEASURE_NAMES = ("incidence", "P0", "P1", "P2", "H", "A", "M0", "M1", "M2")


def invalid(field_name: str, message: Any, **params: Any) -> ValidationFailed:
    """One field's problem as the error every edge knows how to show."""
    return ValidationFailed(issues=[issue(field_name, "invalid", message, **params)])


# ---------------------------------------------------------------------------------------------
# Areas, levels and the data
# ---------------------------------------------------------------------------------------------


def area_code_from_input(value: str, field_name: str = "area") -> str:
    """A 12-digit area code from what the user typed: 12 digits, or the 6 (county) or 9 (township)
    significant digits, padded with zeros."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and len(text) in (6, 9):
        text = text.ljust(12, "0")
    if not codes.is_area_code(text):
        raise invalid(field_name, _("%(value)s is not an area code: give the 12-digit code (or the 6-digit county "
                                    "or 9-digit township code)."), value=value or "—")
    return text


def prefix_length(area_code: str) -> int:
    return codes.LEVEL_PREFIX_LENGTH[codes.level_of(area_code)]


def default_level(area_code: str | None) -> str:
    """The level just below the area: townships of a county, villages of a township or a village."""
    if not area_code:
        return "township"
    length = prefix_length(area_code)
    return "township" if length == 6 else "village" if length >= 9 else "county"


def check_level(level: str, area_code: str | None, field_name: str = "by") -> int:
    """The code length of ``level``; refused when unknown or above the area (a township's data
    grouped by county would carry the county's name over one township's figures)."""
    if level not in LEVELS:
        raise invalid(field_name, _("Unknown level %(level)s: use county, township or village."), level=level)
    length = LEVELS[level]
    if area_code and length < prefix_length(area_code):
        raise invalid(field_name, _("The level %(level)s is above the area %(area)s; choose a level at or below "
                                    "the area."), level=LEVEL_LABELS[level], area=area_code)
    return length


def scoped_snapshot(*, actor: Any, year: int, area_code: str, max_households: int | None = None) -> Snapshot:
    """The snapshot of ``area_code`` for ``year``, read only inside that area.

    Raises ``ActionForbidden`` when the actor's role may not read the registry, ``NotFound`` when the
    area is absent or outside the actor's scope (callers cannot tell which), and ``ValidationFailed``
    (field ``area``) when ``max_households`` is given and the area has more active households.
    """
    from jingzhun.areas.selectors import area_get
    from jingzhun.registry.models import Household
    from jingzhun.screening.export import snapshot_from_database

    if not can(actor, Capability.REGISTRY_VIEW):
        raise ActionForbidden()
    area = area_get(actor=actor, code=area_code)
    if max_households is not None:
        count = Household.objects.filter(within_area_q("area_id", area.code), is_active=True).count()
        if count > max_households:
            raise invalid("area", _("%(area)s has %(count)s households, more than this page computes at once "
                                    "(%(max)s). Choose a township, or run the command line (jingzhun measures / "
                                    "jingzhun simulate)."),
                          area=area.name, count=f"{count:,}", max=f"{max_households:,}")
    snapshot, _ids = snapshot_from_database(year=year, area_code=area.code)
    return snapshot


def snapshot_within(snapshot: Snapshot, area_code: str) -> Snapshot:
    """The part of a snapshot inside ``area_code``: its households, their members, records and
    measures; the parameters of every county stay. ``ValidationFailed`` (field ``area``) when no
    household of the snapshot lies in the area."""
    prefix = codes.prefix_of(area_code)
    households = snapshot.table("households")
    households = households.filter(pc.starts_with(households["area_code"], prefix))
    if households.num_rows == 0:
        raise invalid("area", _("No household of the snapshot lies in area %(area)s."), area=area_code)
    numbers = households["household_number"].combine_chunks()
    persons = snapshot.table("persons")
    persons = persons.filter(pc.is_in(persons["household_number"], value_set=numbers))
    ids = persons["id_number"].combine_chunks()

    def keep(name: str, column: str, values: pa.Array) -> pa.Table:
        table = snapshot.table(name)
        return table.filter(pc.is_in(table[column], value_set=values)) if table.num_rows else table

    def inside(name: str, column: str) -> pa.Table:
        table = snapshot.table(name)
        return table.filter(pc.starts_with(table[column], prefix)) if table.num_rows else table

    tables: dict[str, pa.Table | Path] = dict(snapshot.tables)
    tables.update({
        "households": households, "persons": persons,
        "household_years": keep("household_years", "household_number", numbers),
        "person_years": keep("person_years", "id_number", ids),
        "measures": keep("measures", "household_number", numbers),
        "populations": inside("populations", "area_code"),
    })
    return replace(snapshot, tables=tables, area_code=area_code)


def check_has_records(snapshot: Snapshot) -> None:
    """``ValidationFailed`` (field ``year``) when no household of the snapshot has a record of its year."""
    source = snapshot.tables["household_years"]
    years = pq.read_table(source, columns=["year"]) if isinstance(source, Path) else source.select(["year"])
    if years.num_rows == 0 or not pc.any(pc.equal(years["year"], snapshot.year)).as_py():
        raise invalid("year", _("No household of this area has a record for %(year)s."), year=snapshot.year)


def snapshot_area_names(snapshot: Snapshot) -> dict[str, str]:
    """Area code → name from the snapshot's ``areas`` table (empty when it has none)."""
    if "areas" not in snapshot.tables:
        return {}
    areas = snapshot.table("areas")
    if not areas.num_rows or "code" not in areas.column_names or "name" not in areas.column_names:
        return {}
    return dict(zip(areas["code"].to_pylist(), areas["name"].to_pylist(), strict=True))


def database_area_names(area_codes: list[str]) -> dict[str, str]:
    from jingzhun.areas.models import Area

    return dict(Area.objects.filter(code__in=area_codes).values_list("code", "name"))


def full_code(prefix: str) -> str:
    return str(prefix).ljust(12, "0")


# ---------------------------------------------------------------------------------------------
# Dimension sets
# ---------------------------------------------------------------------------------------------

_DIMENSION_KEY = re.compile(r"^[a-z_][a-z0-9_]*$")
_REQUIRED_TEXT = ("key", "name_zh", "name_en", "deprived_sql")
_DIMENSION_FIELDS = {*_REQUIRED_TEXT, "gap_sql", "weight"}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(float(value)) else None


def check_k(k: Any, field_name: str = "k") -> float:
    number = _number(k)
    if number is None or not 0 < number <= 1:
        raise invalid(field_name, _("k = %(k)s: the poverty cutoff is a share of the weighted deprivations, above 0 "
                                    "and at most 1 (2 of 5 equal dimensions: 0.4)."), k=k)
    return number


def parse_dimension_set(data: Any, source: str, k: float | None = None) -> DimensionSet:
    """A ``DimensionSet`` from parsed JSON or TOML (``{"k": 0.4, "dimensions": [...]}`` or a bare
    list), every problem named by ``source`` (the file), the dimension and the reason; ``k``
    overrides the file's cutoff."""

    def bad(message: Any, **params: Any) -> ValidationFailed:
        return invalid("dimensions", _("%(file)s: %(reason)s"), file=source, reason=_Rendered(message, params))

    if isinstance(data, Mapping):
        unknown = sorted(set(data) - {"k", "dimensions"})
        if unknown:
            raise bad(_("unknown key %(keys)s (use k and dimensions)."), keys=", ".join(unknown))
        items = data.get("dimensions")
        file_k = data.get("k", DEFAULT_K)
    else:
        items, file_k = data, DEFAULT_K
    if not isinstance(items, list) or not items:
        raise bad(_("the file needs a non-empty list \"dimensions\"."))
    dimensions: list[Dimension] = []
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise bad(_("dimension %(n)s is not a table of keys."), n=number)
        name = str(item.get("key") or number)
        unknown = sorted(set(item) - _DIMENSION_FIELDS)
        if unknown:
            raise bad(_("dimension %(key)s: unknown key %(keys)s (use key, name_zh, name_en, deprived_sql, gap_sql, "
                        "weight)."), key=name, keys=", ".join(unknown))
        for required in _REQUIRED_TEXT:
            value = item.get(required)
            if not isinstance(value, str) or not value.strip():
                raise bad(_("dimension %(key)s: %(field)s is missing or empty."), key=name, field=required)
        if not _DIMENSION_KEY.match(item["key"]):
            raise bad(_("dimension %(key)s: the key may hold only lower-case letters, digits and _."), key=name)
        if item["key"] in seen:
            raise bad(_("dimension %(key)s appears twice."), key=name)
        seen.add(item["key"])
        gap = item.get("gap_sql")
        if gap is not None and (not isinstance(gap, str) or not gap.strip()):
            raise bad(_("dimension %(key)s: gap_sql must be an SQL expression or left out."), key=name)
        weight = _number(item.get("weight", 1.0))
        if weight is None or weight <= 0:
            raise bad(_("dimension %(key)s: the weight must be a positive number, not %(weight)s."), key=name,
                      weight=item.get("weight"))
        dimensions.append(Dimension(key=item["key"], name_zh=item["name_zh"], name_en=item["name_en"],
                                    deprived_sql=item["deprived_sql"], gap_sql=gap, weight=weight))
    chosen_k = k if k is not None else file_k
    if _number(chosen_k) is None or not 0 < float(chosen_k) <= 1:
        raise bad(_("k = %(k)s: the poverty cutoff must be above 0 and at most 1."), k=chosen_k)
    return DimensionSet(tuple(dimensions), float(chosen_k))


def dimensions_from_file(path: Path, k: float | None = None) -> DimensionSet:
    """Read a dimension set from a ``.json`` or ``.toml`` file (see ``measures.load_dimensions``);
    ``ValidationFailed`` (field ``dimensions``) naming the file, the dimension and the reason."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise invalid("dimensions", _("%(file)s: a dimension set is a .json or .toml file."), file=path.name)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise invalid("dimensions", _("%(file)s: the file does not exist."), file=str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise invalid("dimensions", _("%(file)s: the file cannot be read (%(error)s)."), file=path.name,
                      error=str(error)) from None
    try:
        data = json.loads(text) if suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise invalid("dimensions", _("%(file)s: not valid %(kind)s (%(error)s)."), file=path.name,
                      kind=suffix[1:].upper(), error=str(error)) from None
    return parse_dimension_set(data, path.name, k)


def check_dimensions_sql(snapshot: Snapshot, dimensions: DimensionSet, line: str, source: str) -> None:
    """Bind every dimension's SQL against the household table (no row is read), so that a misspelt
    column is reported with the dimension's key instead of failing the whole computation."""
    from jingzhun.screening.engines import open_engine
    from jingzhun.screening.runner import prepare

    engine = open_engine("duckdb")
    try:
        prepare(engine, snapshot, lazy=True)
        for dimension in dimensions.dimensions:
            try:
                engine.query(f"SELECT {deprivation_sql((dimension,), line_column=line)} FROM household_f LIMIT 0")
            except Exception as error:  # the engine's own error type; its first line says what is wrong
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise invalid("dimensions", _("%(file)s: dimension %(key)s: the SQL cannot be evaluated "
                                              "(%(reason)s)."), file=source, key=dimension.key,
                              reason=reason) from None
    finally:
        engine.close()


class _Rendered:
    """A lazy message with its parameters, rendered when the outer message is (for nested reasons)."""

    def __init__(self, message: Any, params: dict[str, Any]) -> None:
        self.message, self.params = message, params

    def __str__(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text


# ---------------------------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------------------------


@dataclass
class AreaMeasures:
    """The measures of one area (or of all, ``area == ""``): incidence in percent, FGT and
    Alkire–Foster as shares; per dimension the censored headcount ratio and the percentage
    contribution to the area's M0; ``share_of_m0`` the area's percentage of the total M0."""

    area: str
    name: str
    households: int
    persons: int
    poor_persons: int
    denominator: float | None
    denominator_source: str
    incidence: float | None
    P0: float
    P1: float
    P2: float
    H: float
    A: float
    M0: float
    M1: float
    M2: float
    censored: dict[str, float] = field(default_factory=dict)
    contribution: dict[str, float] = field(default_factory=dict)
    share_of_m0: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def flat(self) -> dict[str, Any]:
        """One CSV row: the per-dimension values as ``h_<key>`` and ``contribution_<key>``."""
        row = {k: v for k, v in self.as_dict().items() if k not in ("censored", "contribution")}
        row.update({f"h_{key}": value for key, value in self.censored.items()})
        row.update({f"contribution_{key}": value for key, value in self.contribution.items()})
        return row


@dataclass
class MeasuresResult:
    year: int
    level: str
    line: str
    denominator: str
    dimensions: DimensionSet
    rows: list[AreaMeasures]
    total: AreaMeasures

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year, "level": self.level, "line": self.line, "denominator": self.denominator,
            "k": self.dimensions.k,
            "dimensions": [{"key": d.key, "name_zh": d.name_zh, "name_en": d.name_en, "weight": float(w)}
                           for d, w in zip(self.dimensions.dimensions, self.dimensions.weights, strict=True)],
            "areas": [row.as_dict() for row in self.rows], "total": self.total.as_dict(),
        }


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def measures_compute(snapshot: Snapshot, *, level: str = "township", denominator: str = "registry",
                     line: str = "poverty", dimensions: DimensionSet = DEFAULT_DIMENSION_SET) -> MeasuresResult:
    """Incidence, FGT P0–P2 and Alkire–Foster H, A, M0–M2 with censored headcounts and dimension
    contributions, per area at ``level`` and in total (``poverty.poverty_measures``).

    ``denominator``: ``registry`` divides the poor persons by the registry's persons of the area;
    ``population`` by the snapshot's population table (the registry's persons where an area has no
    figure) — ``ValidationFailed`` when the snapshot has no population figure at all. An area or
    year without household records is ``ValidationFailed`` (field ``year``).
    """
    from jingzhun.screening.poverty import poverty_measures

    if denominator not in DENOMINATORS:
        raise invalid("denominator", _("Unknown denominator %(value)s: use registry or population."),
                      value=denominator)
    if line not in LINES:
        raise invalid("line", _("Unknown line %(value)s: use poverty or monitoring."), value=line)
    length = LEVELS[level]
    if denominator == "registry":
        snapshot = replace(snapshot, tables={**snapshot.tables,
                                             "populations": OPTIONAL_SCHEMAS["populations"].empty_table()})
    elif snapshot.table("populations").num_rows == 0:
        raise invalid("denominator", _("There are no population figures for this area; choose the registered "
                                       "persons as the denominator."))
    check_has_records(snapshot)
    report = poverty_measures(snapshot, level=length, line=LINES[line], dimensions=dimensions)
    keys = dimensions.keys
    rows = []
    for record in report.by_area.to_dicts():
        prefix = record["area"]
        group = report.decomposition.groups.get(prefix)
        population = record.get("population")
        rows.append(AreaMeasures(
            area=full_code(prefix), name="",
            households=int(record["households_all"]), persons=int(record["persons"]),
            poor_persons=int(record["poor_persons"]), denominator=_finite(record["denominator"]),
            denominator_source="population" if population is not None else "registry",
            incidence=_finite(record["incidence"]),
            P0=float(record["P0"] or 0), P1=float(record["P1"] or 0), P2=float(record["P2"] or 0),
            H=float(record["H"] or 0), A=float(record["A"] or 0), M0=float(record["M0"] or 0),
            M1=float(record["M1"] or 0), M2=float(record["M2"] or 0),
            censored={k: float(v) for k, v in zip(keys, group.censored_h, strict=True)} if group else {},
            contribution={k: float(v) for k, v in zip(keys, group.contribution, strict=True)} if group else {},
            share_of_m0=_finite(record.get("contribution")),
        ))
    whole, total = report.poverty, report.total
    denominators = [r.denominator for r in rows if r.denominator is not None]
    total_row = AreaMeasures(
        area="", name="", households=int(total["households"]), persons=int(total["persons"]),
        poor_persons=int(total["poor_persons"]), denominator=sum(denominators) if denominators else None,
        denominator_source="population" if any(r.denominator_source == "population" for r in rows) else "registry",
        incidence=_finite(total["incidence"]), P0=total["P0"], P1=total["P1"], P2=total["P2"],
        H=whole.H, A=whole.A, M0=whole.M0, M1=whole.M1, M2=whole.M2,
        censored={k: float(v) for k, v in zip(keys, whole.censored_h, strict=True)},
        contribution={k: float(v) for k, v in zip(keys, whole.contribution, strict=True)},
        share_of_m0=100.0 if whole.M0 else None,
    )
    return MeasuresResult(year=snapshot.year, level=level, line=line, denominator=denominator,
                          dimensions=dimensions, rows=rows, total=total_row)


# ---------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------


def rule_parameters(rule: Rule) -> list[str]:
    """The policy parameters the rule's condition (with its population) reads, in catalogue order."""
    condition = _condition(rule)
    return [p for p in PARAMETER_COLUMNS if re.search(rf"\b{re.escape(p)}\b", condition)]


@functools.cache
def _simulable() -> tuple[Rule, ...]:
    return tuple(r for r in catalogue.RULES if r.scope in (Scope.HOUSEHOLD, Scope.PERSON) and rule_parameters(r))


def simulable_rules(year: int | None = None) -> list[Rule]:
    """Household and person rules that read at least one parameter (valid for ``year`` if given)."""
    return [r for r in _simulable() if year is None or r.valid_for(year)]


def parameter_label(kind: str) -> str:
    """The parameter's name as the policy admin shows it (``<kind>_prev``: the year before)."""
    from jingzhun.policy.registry import parameter_choices

    labels = dict(parameter_choices())
    for previous in PREVIOUS_YEAR_KINDS:
        if kind == f"{previous}_prev":
            return str(_("%(parameter)s, the year before") % {"parameter": labels.get(previous, previous)})
    return str(labels.get(kind, kind))


def check_rule(rule_id: str, field_name: str = "rule") -> Rule:
    rule = catalogue.RULES_BY_ID.get((rule_id or "").strip().upper())
    if rule is None:
        raise invalid(field_name, _("Unknown rule %(rule)s."), rule=rule_id or "—")
    if rule not in _simulable():
        raise invalid(field_name, _("Rule %(rule)s cannot be simulated: only household and person rules that read "
                                    "a policy parameter can."), rule=rule.id)
    return rule


def check_parameter(rule: Rule, parameter: str, field_name: str = "parameter") -> str:
    read = rule_parameters(rule)
    if parameter not in read:
        raise invalid(field_name, _("Rule %(rule)s does not read the parameter %(parameter)s; it reads: "
                                    "%(read)s."), rule=rule.id, parameter=parameter or "—", read=", ".join(read))
    return parameter


def sweep_values(start: Any, stop: Any, step: Any) -> list[float]:
    """The values from ``start`` to ``stop`` by ``step``; each bad bound is an issue of its field."""
    issues = []
    numbers = {}
    for name, value in (("start", start), ("stop", stop), ("step", step)):
        number = _number(value)
        if number is None:
            issues.append(issue(name, "invalid", _("Enter a number.")))
        numbers[name] = number
    if not issues and numbers["step"] <= 0:
        issues.append(issue("step", "invalid", _("The step must be above 0, not %(step)s."), step=f"{step:g}"))
    if not issues and numbers["stop"] < numbers["start"]:
        issues.append(issue("stop", "invalid", _("The last value (%(stop)s) is below the first (%(start)s)."),
                            stop=f"{stop:g}", start=f"{start:g}"))
    if issues:
        raise ValidationFailed(issues=issues)
    count = int(round((numbers["stop"] - numbers["start"]) / numbers["step"])) + 1
    if count > MAX_VALUES:
        raise invalid("step", _("From %(start)s to %(stop)s in steps of %(step)s makes %(count)s values, more than "
                                "%(max)s: choose a larger step."), start=f"{start:g}", stop=f"{stop:g}",
                      step=f"{step:g}", count=f"{count:,}", max=MAX_VALUES)
    return [round(numbers["start"] + i * numbers["step"], 2) for i in range(count)]


def current_values(snapshot: Snapshot, parameter: str) -> dict[str, float | None]:
    """The value in force of ``parameter`` per county of the snapshot (``county6`` → value)."""
    params = snapshot.table("params")
    if parameter not in params.column_names:
        return {}
    return dict(zip(params["county6"].to_pylist(), params[parameter].to_pylist(), strict=True))


@dataclass
class SweepOutcome:
    result: SweepResult
    current: dict[str, float | None]  # county6 → the value in force
    rows: list[dict[str, Any]]  # per area and value: area, value, units, persons, enter, leave, …
    totals: list[dict[str, Any]]  # per value, all areas

    @property
    def single_current(self) -> float | None:
        """The value in force when every county has the same one."""
        values = {v for v in self.current.values() if v is not None}
        return values.pop() if len(values) == 1 else None

    def by_area(self) -> list[tuple[str, list[dict[str, Any]]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for row in self.rows:
            out.setdefault(row["area"], []).append(row)
        return list(out.items())


def sweep_compute(snapshot: Snapshot, *, rule_id: str, parameter: str, start: Any, stop: Any, step: Any,
                  level: str) -> SweepOutcome:
    """``simulate.sweep`` after the checks of ``check_rule``, ``check_parameter`` and
    ``sweep_values`` (at most ``simulate.MAX_VALUES`` values)."""
    rule = check_rule(rule_id)
    check_parameter(rule, parameter)
    values = sweep_values(start, stop, step)
    check_has_records(snapshot)
    result = sweep(snapshot, parameter=parameter, start=values[0], stop=values[-1], step=float(step),
                   rule_id=rule.id, level=LEVELS[level])
    rows = [{**r, "area": full_code(r["area"]), "name": ""} for r in result.table.to_dicts()]
    return SweepOutcome(result=result, current=current_values(snapshot, parameter), rows=rows,
                        totals=result.totals.to_dicts())


def parameter_set(data: Any, rule: Rule, field_name: str, source: str) -> dict[str, float]:
    """A parameter set (``{"monitoring_line": 7300, …}``) checked against what the rule reads."""
    if not isinstance(data, Mapping) or not data:
        raise invalid(field_name, _("%(file)s: give the parameters as a table of name = number."), file=source)
    out = {}
    read = rule_parameters(rule)
    for name, value in data.items():
        if name not in read:
            raise invalid(field_name, _("%(file)s: rule %(rule)s does not read the parameter %(parameter)s; it "
                                        "reads: %(read)s."), file=source, rule=rule.id, parameter=name,
                          read=", ".join(read))
        number = _number(value)
        if number is None:
            raise invalid(field_name, _("%(file)s: %(parameter)s must be a number, not %(value)s."), file=source,
                          parameter=name, value=value)
        out[str(name)] = number
    return out


def parameter_set_from_file(path: Path, rule: Rule, field_name: str) -> dict[str, float]:
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise invalid(field_name, _("%(file)s: the file does not exist."), file=str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise invalid(field_name, _("%(file)s: the file cannot be read (%(error)s)."), file=path.name,
                      error=str(error)) from None
    try:
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise invalid(field_name, _("%(file)s: not valid %(kind)s (%(error)s)."), file=path.name,
                      kind="TOML" if suffix == ".toml" else "JSON", error=str(error)) from None
    return parameter_set(data, rule, field_name, path.name)


def compare_compute(snapshot: Snapshot, *, rule_id: str, set_a: dict[str, float], set_b: dict[str, float],
                    level: str) -> list[dict[str, Any]]:
    """Per area: units and persons the rule finds under set A and set B, those B finds and A does
    not (``b_not_a``) and the reverse (``a_not_b``) — ``simulate.compare``."""
    rule = check_rule(rule_id)
    check_has_records(snapshot)
    frame = compare(snapshot, set_a=set_a, set_b=set_b, rule_id=rule.id, level=LEVELS[level])
    return [{**r, "area": full_code(r["area"]), "name": ""} for r in frame.to_dicts()]
