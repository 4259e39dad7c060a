"""Poverty measures and policy simulation pages (``/screening/measures/``, ``/screening/simulate/``,
``/screening/simulate/compare/``).

Who: signed-in users whose role may read the registry (``registry.view``); the figures are those of
one area inside the user's scope — the area goes through ``areas.selectors.area_get`` and only the
households inside it are read (``analysis.scoped_snapshot``), so an area that is absent or outside
the user's areas is the same 404.

Responsiveness: the numbers are computed while the user waits, so the work is bounded by the area.
Before anything is read the area's active households are counted (one indexed query) and an area
above ``analysis.MAX_PAGE_HOUSEHOLDS`` is refused with a message pointing at a township or at the
command line (``jingzhun measures`` / ``jingzhun simulate``, which have no such bound). A sweep has at
most ``simulate.MAX_VALUES`` values, evaluated in one query. A county of that size takes a few
seconds; nothing is computed until the form is sent.

Bad input (a year out of range, a level above the area, a parameter the rule does not read, a step
of 0, too many values, no population figures) gives the form again with the field's message (422).
"""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import scope_roots
from jingzhun.areas.models import AreaLevel
from jingzhun.areas.selectors import area_in_scope, area_roots
from jingzhun.core import clock
from jingzhun.core.exceptions import ActionForbidden, ValidationFailed
from jingzhun.registry.selectors import household_latest_year
from jingzhun.screening import analysis
from jingzhun.screening.catalogue.base import Scope
from jingzhun.screening.simulate import MAX_VALUES
from jingzhun.web.forms import apply_issues
from jingzhun.web.views import page

DEFAULT_RULE = "MON-01"


# --- forms ------------------------------------------------------------------------------------


def _failed(form: forms.Form, error: ValidationFailed) -> None:
    """Each issue beside its field (``area``, ``by``, ``step``…), the others above the form."""
    for text in apply_issues(error.issues, {"": form}):
        form.add_error(None, text)


class AreaForm(forms.Form):
    """Year, area and level: what every analysis page asks first. The area is a select of the user's
    areas (``areas``); a code typed into the address is checked against the scope by the selector."""

    year = forms.IntegerField(label=_("Year"), min_value=2010, max_value=2100)
    area = forms.CharField(label=_("Area"), max_length=12, widget=forms.Select)
    by = forms.ChoiceField(label=_("Figures by"), choices=list(analysis.LEVEL_LABELS.items()), required=False)

    def __init__(self, *args: Any, areas: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["area"].widget.choices = list(areas)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            if "area" in data:
                data["area"] = analysis.area_code_from_input(data["area"])
                data["by"] = data.get("by") or analysis.default_level(data["area"])
                analysis.check_level(data["by"], data["area"])
        except ValidationFailed as error:
            _failed(self, error)
        return data


class MeasuresForm(AreaForm):
    denominator = forms.ChoiceField(label=_("Incidence over"), choices=list(analysis.DENOMINATORS.items()),
                                    initial="registry")
    line = forms.ChoiceField(label=_("Income line"), choices=list(analysis.LINE_LABELS.items()), initial="poverty")


def _rule_label(rule: Any) -> str:
    name = rule.name_zh if (translation.get_language() or "").startswith("zh") else rule.name_en
    return f"{rule.id} {name}"


def _rule_field(form: forms.Form, url_name: str) -> None:
    """The rule select: its choices, and (with htmx) re-rendering the form when it changes so that
    the parameter fields are those of the new rule."""
    field = form.fields["rule"]
    field.choices = [(r.id, _rule_label(r)) for r in analysis.simulable_rules()]
    field.widget.attrs.update({"hx-get": reverse(url_name), "hx-trigger": "change", "hx-target": "#analysis-form",
                               "hx-select": "#analysis-form", "hx-swap": "outerHTML", "hx-include": "closest form"})


def _chosen_rule(form: forms.Form) -> Any:
    """The rule the form is for: the one sent if it can be simulated, else the default (so that the
    parameter fields always belong to some rule; ``clean`` reports the unknown one)."""
    raw = str(form.data.get("rule", "") if form.is_bound else form.initial.get("rule", "")).strip().upper()
    rule = analysis.catalogue.RULES_BY_ID.get(raw)
    return rule if rule in analysis.simulable_rules() else analysis.catalogue.RULES_BY_ID[DEFAULT_RULE]


class SimulationForm(AreaForm):
    """A rule and, for a sweep, one parameter it reads with the values to try."""

    rule = forms.ChoiceField(label=_("Rule"))
    # A select of the parameters the chosen rule reads; ``clean`` explains a parameter of another rule.
    parameter = forms.CharField(label=_("Parameter to vary"), widget=forms.Select)
    # Labels of their own: the catalogue's "From" and "Step" are a date and a procedure's step.
    start = forms.FloatField(label=_("First value"))
    stop = forms.FloatField(label=_("Last value"))
    step = forms.FloatField(label=_("Increment between values"),
                            help_text=_("At most %(max)s values.") % {"max": MAX_VALUES})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _rule_field(self, "screening:simulate")
        self.rule = _chosen_rule(self)
        self.read = analysis.rule_parameters(self.rule)
        self.fields["parameter"].widget.choices = [(p, f"{p} — {analysis.parameter_label(p)}") for p in self.read]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "rule" not in data:  # not one of the choices: the field says so
            return data
        try:
            rule = analysis.check_rule(data["rule"])
            if data.get("parameter"):
                analysis.check_parameter(rule, data["parameter"])
            if all(data.get(k) is not None for k in ("start", "stop", "step")):
                data["values"] = analysis.sweep_values(data["start"], data["stop"], data["step"])
        except ValidationFailed as error:
            _failed(self, error)
        return data


class CompareForm(AreaForm):
    """A rule and two sets of values for the parameters it reads (fields ``a_<kind>``, ``b_<kind>``;
    empty means the value in force)."""

    rule = forms.ChoiceField(label=_("Rule"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _rule_field(self, "screening:simulate_compare")
        self.rule = _chosen_rule(self)
        self.read = analysis.rule_parameters(self.rule)
        for kind in self.read:
            label = analysis.parameter_label(kind)
            for side, name in (("a", gettext("Set A")), ("b", gettext("Set B"))):
                self.fields[f"{side}_{kind}"] = forms.FloatField(
                    label=label, required=False,
                    widget=forms.NumberInput(attrs={"aria-label": f"{name}: {label}", "step": "any"}))

    def pairs(self) -> list[tuple[str, str, Any, Any]]:
        """Per parameter: its kind, its name and the A and B fields, for the side-by-side table."""
        return [(kind, analysis.parameter_label(kind), self[f"a_{kind}"], self[f"b_{kind}"]) for kind in self.read]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["set_a"] = {k: data[f"a_{k}"] for k in self.read if data.get(f"a_{k}") is not None}
        data["set_b"] = {k: data[f"b_{k}"] for k in self.read if data.get(f"b_{k}") is not None}
        if not self.errors and not data["set_a"] and not data["set_b"]:
            self.add_error(f"b_{self.read[0]}", _("Enter at least one value in set A or set B."))
        return data


# --- helpers ----------------------------------------------------------------------------------


def _require_reader(request: HttpRequest) -> None:
    if not can(request.user, Capability.REGISTRY_VIEW):
        raise ActionForbidden()


def _area_choices(user: Any) -> list[tuple[str, str]]:
    """The user's areas and, inside them, every area above the villages (villages are reached with
    "figures by village")."""
    roots = list(area_roots(actor=user))
    seen = {a.code for a in roots}
    areas = roots + [a for a in area_in_scope(actor=user) if a.level < AreaLevel.VILLAGE and a.code not in seen]
    areas.sort(key=lambda a: a.code)
    return [(a.code, f"{a.name} ({a.code})") for a in areas]


def _initial(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    roots = scope_roots(user)
    area = roots[0] if roots else ""
    year = household_latest_year(actor=user) or clock.today().year
    return {"year": year, "area": area, "by": analysis.default_level(area) if area else "township"}


def _form(request: HttpRequest, form_class: type[AreaForm], defaults: dict[str, Any]) -> tuple[AreaForm, bool]:
    """The page's form and whether to compute: bound to the query when it was sent; when only the
    rule changed (an htmx request re-rendering the form) unbound, with what was chosen kept and the
    new rule's parameters, so that nothing is computed and no error is shown yet."""
    areas = _area_choices(request.user)
    initial = {**_initial(request), **defaults}
    if "area" not in request.GET:
        return form_class(initial=initial, areas=areas), False
    if request.headers.get("HX-Request") == "true":
        chosen = {k: v for k, v in request.GET.items() if k != "parameter"}
        return form_class(initial={**initial, **chosen}, areas=areas), False
    return form_class(request.GET, initial=initial, areas=areas), True


def _status(form: forms.Form, compute: bool) -> int:
    return 422 if compute and form.errors else 200


# --- measures ---------------------------------------------------------------------------------


@page
@require_GET
def measures(request: HttpRequest) -> HttpResponse:
    """Incidence, FGT and Alkire–Foster measures per area of one area in the user's scope."""
    _require_reader(request)
    form, compute = _form(request, MeasuresForm, {"denominator": "registry", "line": "poverty"})
    result = None
    if compute and form.is_valid():
        data = form.cleaned_data
        try:
            snapshot = analysis.scoped_snapshot(actor=request.user, year=data["year"], area_code=data["area"],
                                                max_households=analysis.MAX_PAGE_HOUSEHOLDS)
            result = analysis.measures_compute(snapshot, level=data["by"], denominator=data["denominator"],
                                               line=data["line"])
        except ValidationFailed as error:
            _failed(form, error)
    dimensions: list[dict[str, Any]] = []
    if result is not None:
        names = analysis.database_area_names([r.area for r in result.rows])
        zh = (translation.get_language() or "").startswith("zh")
        dimensions = [{"key": d.key, "name": d.name_zh if zh else d.name_en, "weight": w}
                      for d, w in zip(result.dimensions.dimensions, result.dimensions.weights, strict=True)]
        for row in [*result.rows, result.total]:
            row.name = names.get(row.area, "")
            row.cells = [{"key": d["key"], "h": row.censored.get(d["key"]),  # type: ignore[attr-defined]
                          "share": row.contribution.get(d["key"])}
                         for d in dimensions]
    return render(request, "screening/measures.html", {
        "form": form, "result": result, "dimensions": dimensions, "computed": compute,
        "max_households": f"{analysis.MAX_PAGE_HOUSEHOLDS:,}",
    }, status=_status(form, compute))


# --- simulation -------------------------------------------------------------------------------


@page
@require_GET
def simulate(request: HttpRequest) -> HttpResponse:
    """A parameter swept from one value to another: per area and in total the units found, entering
    and leaving, with a chart. Changing the rule (htmx) only re-renders the form with its parameters."""
    _require_reader(request)
    form, compute = _form(request, SimulationForm, {"rule": DEFAULT_RULE, "parameter": "monitoring_line",
                                                    "start": 6000, "stop": 9000, "step": 100})
    outcome = None
    if compute and form.is_valid():
        data = form.cleaned_data
        try:
            snapshot = analysis.scoped_snapshot(actor=request.user, year=data["year"], area_code=data["area"],
                                                max_households=analysis.MAX_PAGE_HOUSEHOLDS)
            outcome = analysis.sweep_compute(snapshot, rule_id=data["rule"], parameter=data["parameter"],
                                             start=data["start"], stop=data["stop"], step=data["step"],
                                             level=data["by"])
        except ValidationFailed as error:
            _failed(form, error)
    context: dict[str, Any] = {"form": form, "outcome": outcome, "computed": compute,
                               "max_households": f"{analysis.MAX_PAGE_HOUSEHOLDS:,}"}
    if outcome is not None:
        names = analysis.database_area_names(sorted({r["area"] for r in outcome.rows}))
        unit = gettext("Households") if outcome.result.rule.scope == Scope.HOUSEHOLD else gettext("Persons")
        parameter = analysis.parameter_label(outcome.result.parameter)
        context.update({
            "chart": sweep_chart(outcome, unit=unit, parameter=parameter), "unit": unit,
            "current": outcome.single_current, "parameter_name": parameter,
            "current_text": ", ".join(_number(v) for v in sorted({v for v in outcome.current.values() if v is not None})),
            "area_tables": [{"code": code, "name": names.get(code, ""), "rows": rows}
                            for code, rows in outcome.by_area()],
        })
    return render(request, "screening/simulate.html", context, status=_status(form, compute))


@page
@require_GET
def simulate_compare(request: HttpRequest) -> HttpResponse:
    """Two parameter sets side by side: per area the units each finds and those only one finds."""
    _require_reader(request)
    form, compute = _form(request, CompareForm, {"rule": DEFAULT_RULE})
    rows = None
    if compute and form.is_valid():
        data = form.cleaned_data
        try:
            snapshot = analysis.scoped_snapshot(actor=request.user, year=data["year"], area_code=data["area"],
                                                max_households=analysis.MAX_PAGE_HOUSEHOLDS)
            rows = analysis.compare_compute(snapshot, rule_id=data["rule"], set_a=data["set_a"],
                                            set_b=data["set_b"], level=data["by"])
        except ValidationFailed as error:
            _failed(form, error)
    totals = None
    if rows is not None:
        names = analysis.database_area_names([r["area"] for r in rows])
        for row in rows:
            row["name"] = names.get(row["area"], "")
        keys = ("units_a", "units_b", "persons_a", "persons_b", "b_not_a", "a_not_b")
        totals = {k: sum(r[k] for r in rows) for k in keys}
    rule = form.rule  # type: ignore[attr-defined]
    return render(request, "screening/simulate_compare.html", {
        "form": form, "rows": rows, "totals": totals, "computed": compute,
        "max_households": f"{analysis.MAX_PAGE_HOUSEHOLDS:,}",
        "unit": gettext("Households") if rule.scope == Scope.HOUSEHOLD else gettext("Persons"),
    }, status=_status(form, compute))


# --- the chart --------------------------------------------------------------------------------

WIDTH, HEIGHT = 960, 360
MARGIN = {"left": 64, "right": 20, "top": 20, "bottom": 64}
SERIES = (  # key in the totals, CSS class, label, colour, dash pattern (told apart without colour too)
    ("units", "found", _("Found"), "#1f5fa8", ""),
    ("enter", "entering", _("Entering"), "#2e7d32", "6 4"),
    ("leave", "leaving", _("Leaving"), "#c62828", "2 3"),
)


def _nice_ceiling(value: float) -> float:
    """The smallest 5, 10, 20, 50, 100… at or above ``value``: five whole-number steps on the y axis."""
    if value <= 5:
        return 5.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 5, 10):
        if factor * power >= value:
            return float(factor * power)
    return float(10 * power)


def _number(value: float) -> str:
    """6000.0 → "6,000", 0.25 → "0.25" (no exponent for large values)."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def sweep_chart(outcome: analysis.SweepOutcome, *, unit: str, parameter: str) -> dict[str, Any]:
    """Coordinates of an SVG line chart of the sweep's totals: one point per value for the units
    found, entering and leaving; ticks and labels on both axes; a dashed line at the value in force;
    a title and a description for screen readers. Rendered by ``screening/simulate_chart.html``."""
    totals = outcome.totals
    values = [row["value"] for row in totals]
    left, right = MARGIN["left"], WIDTH - MARGIN["right"]
    top, bottom = MARGIN["top"], HEIGHT - MARGIN["bottom"]
    low, high = (values[0], values[-1]) if values else (0.0, 1.0)
    span = (high - low) or 1.0
    y_max = _nice_ceiling(max((row[key] for row in totals for key, *_rest in SERIES), default=0))

    def x_of(value: float) -> float:
        return round(left + (value - low) / span * (right - left), 1) if len(values) > 1 else (left + right) / 2

    def y_of(count: float) -> float:
        return round(bottom - count / y_max * (bottom - top), 1)

    series = []
    for i, (key, css, label, colour, dash) in enumerate(SERIES):
        points = [{"x": x_of(row["value"]), "y": y_of(row[key]), "value": _number(row["value"]),
                   "count": f"{row[key]:,}"} for row in totals]
        series.append({"key": key, "css": css, "label": label, "colour": colour, "dash": dash, "points": points,
                       "path": " ".join(f"{p['x']},{p['y']}" for p in points),
                       "legend_x": left + i * 150, "legend_text_x": left + i * 150 + 28})
    every = max(1, math.ceil(len(values) / 8))
    x_ticks = [{"x": x_of(v), "label": _number(v)} for v in values[::every]]
    y_ticks = [{"y": y_of(y_max * i / 5), "text_y": y_of(y_max * i / 5) + 4, "label": _number(y_max * i / 5)}
               for i in range(6)]
    current = outcome.single_current
    rule = outcome.result.rule
    found = [row["units"] for row in totals] or [0]
    description = gettext("%(unit)s that rule %(rule)s finds, and those entering and leaving, when %(parameter)s goes "
                     "from %(low)s to %(high)s (%(count)s values): found from %(first)s to %(last)s, at most "
                     "%(most)s.") % {
        "unit": unit, "rule": rule.id, "parameter": parameter, "low": _number(low), "high": _number(high),
        "count": len(values), "first": f"{found[0]:,}", "last": f"{found[-1]:,}", "most": f"{max(found):,}"}
    if current is not None:
        description += " " + gettext("The value in force is %(value)s.") % {"value": _number(current)}
    return {
        "width": WIDTH, "height": HEIGHT, "left": left, "right": right, "top": top, "bottom": bottom,
        "series": series, "x_ticks": x_ticks, "y_ticks": y_ticks, "radius": 3 if len(values) <= 100 else 2,
        "tick_label_y": bottom + 16, "tick_label_x": left - 6,
        "current_x": x_of(current) if current is not None and low <= current <= high else None,
        "current_label": gettext("In force: %(value)s") % {"value": _number(current)} if current is not None else "",
        "title": gettext("%(rule)s: %(unit)s found, entering and leaving by %(parameter)s") % {
            "rule": rule.id, "unit": unit, "parameter": parameter},
        "description": description, "x_label": parameter, "y_label": unit,
        "x_label_x": (left + right) / 2, "x_label_y": bottom + 36, "y_label_y": (top + bottom) / 2,
        "legend_y": HEIGHT - 10, "legend_line_y": HEIGHT - 14,
    }
