"""Forms of the web UI. They only *parse* input (types, dates, numbers, choices from the code lists);
every rule is checked by ``jingzhun.registry.services``, whose field issues are put back on these
forms with :func:`apply_issues`."""

from __future__ import annotations

import json
import re
from functools import partial
from typing import Any

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.forms import formset_factory
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jingzhun.core.exceptions import FieldIssue
from jingzhun.registry import codelists
from jingzhun.registry.income import INCOME_ITEMS
from jingzhun.registry.models import Household, HouseholdYear, Person
from jingzhun.registry.services import HOUSEHOLD_FIELDS, HOUSEHOLD_YEAR_FIELDS
from jingzhun.registry.validation import HOUSEHOLD_YEAR_CODE_FIELDS

_PATH_RE = re.compile(r"^(?P<group>\w+)\[(?P<index>\d+)\]\.(?P<field>\w+)$")


def code_field(list_key: str, label: Any, *, required: bool = False, blank: bool = True) -> forms.ChoiceField:
    """A select whose options are read from the code list each time it is shown (in the active language)."""
    return forms.ChoiceField(label=label, required=required, choices=partial(codelists.choices, list_key, blank=blank))


def _label(model: Any, name: str) -> Any:
    return model._meta.get_field(name).verbose_name


def _model_field(model: Any, name: str) -> forms.Field:
    """The form field Django derives from the model field, never required (the services decide)."""
    field = model._meta.get_field(name).formfield()
    field.required = False
    if isinstance(field, forms.DateField):
        field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    if isinstance(field, forms.DecimalField):
        field.widget.attrs.update({"inputmode": "decimal", "step": "0.01"})
    return field


class VersionedForm(forms.Form):
    """Carries the household ``version`` the user loaded (optimistic locking) and a ``baseline``: the
    values the form showed when it was loaded, so that only the user's own edits are sent to the
    service. Saving again after a conflict therefore never undoes the other person's changes."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    baseline = forms.CharField(widget=forms.HiddenInput, required=False)

    @classmethod
    def for_values(cls, values: dict[str, Any], *, version: int, **kwargs: Any) -> VersionedForm:
        """An unbound form showing ``values``, remembering them as its baseline."""
        baseline = json.dumps(values, cls=DjangoJSONEncoder)
        return cls(initial={**values, "version": version, "baseline": baseline}, **kwargs)

    def edited_data(self) -> dict[str, Any]:
        """``service_data()`` limited to the fields whose value differs from the baseline (all of them
        when there is no usable baseline)."""
        data = self.service_data()
        try:
            baseline_values = json.loads(self.cleaned_data.get("baseline") or "")
        except ValueError:
            return data
        if not isinstance(baseline_values, dict):
            return data
        loaded = type(self)(data={**baseline_values, "version": 0})
        loaded.is_valid()
        missing = object()
        return {k: v for k, v in data.items() if loaded.cleaned_data.get(k, missing) != v}


class MemberForm(VersionedForm):
    marked_required = ("name", "relation", "id_number")
    name = forms.CharField(label=_label(Person, "name"), max_length=60, required=False)
    relation = code_field("relation", _label(Person, "relation"))
    id_number = forms.CharField(label=_label(Person, "id_number"), max_length=22, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    sex = code_field("sex", _label(Person, "sex"))
    birth_date = _model_field(Person, "birth_date")
    id_type = code_field("id_type", _label(Person, "id_type"), blank=False)
    ethnicity = code_field("ethnicity", _label(Person, "ethnicity"))
    political_status = code_field("political_status", _label(Person, "political_status"))
    phone = forms.CharField(label=_label(Person, "phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))
    is_soldier = forms.BooleanField(label=_label(Person, "is_soldier"), required=False)
    speaks_mandarin = forms.NullBooleanField(label=_label(Person, "speaks_mandarin"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["birth_date"].help_text = _("Leave empty to take it from the ID number.")
        self.fields["sex"].help_text = _("Leave empty to take it from the ID number.")

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("version", "baseline")}


class MemberEditForm(MemberForm):
    status = code_field("member_status", _label(Person, "status"), blank=False)
    left_on = _model_field(Person, "left_on")


class MemberRowForm(forms.Form):
    """One member row of the registration form (the short list of fields a new household needs)."""

    marked_required = ("name", "relation", "id_number")

    name = forms.CharField(label=_label(Person, "name"), max_length=60, required=False)
    relation = code_field("relation", _label(Person, "relation"))
    id_number = forms.CharField(label=_label(Person, "id_number"), max_length=22, required=False,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    sex = code_field("sex", _label(Person, "sex"))
    birth_date = _model_field(Person, "birth_date")
    ethnicity = code_field("ethnicity", _label(Person, "ethnicity"))
    phone = forms.CharField(label=_label(Person, "phone"), max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "tel"}))

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


MemberRowFormSet = formset_factory(MemberRowForm, extra=0, max_num=30, absolute_max=30)


class HouseholdForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in HOUSEHOLD_FIELDS:
            self.fields[name] = _model_field(Household, name)

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in HOUSEHOLD_FIELDS}


class HouseholdEditForm(VersionedForm, HouseholdForm):
    pass


class HouseholdCreateForm(HouseholdForm):
    marked_required = ("area",)
    area = forms.ChoiceField(label=_label(Household, "area"), choices=())

    def __init__(self, *args: Any, villages: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "—"), *villages]
        self.order_fields(["area", *HOUSEHOLD_FIELDS])


YEAR_SECTIONS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_("Status and causes"), ("status", "identification_standard", "household_attribute", "main_cause",
                              "other_cause_1", "other_cause_2", "identification_year", "exit_year",
                              "returned_year")),
    (_("Monitoring"), ("monitoring_type", "monitoring_since", "risks", "elimination_method", "risk_eliminated_on",
                       "no_labour_guaranteed")),
    (_("Household size"), ("size_start", "size_end")),
    (_("Income (yuan)"), INCOME_ITEMS),
    (_("Production and living conditions"), tuple(
        n for n in HOUSEHOLD_YEAR_FIELDS
        if n not in ("status", "identification_standard", "household_attribute", "main_cause", "other_cause_1",
                     "other_cause_2", "identification_year", "exit_year", "returned_year", "monitoring_type",
                     "monitoring_since", "risks", "elimination_method", "risk_eliminated_on",
                     "no_labour_guaranteed", "size_start", "size_end", *INCOME_ITEMS)
    )),
)


def _year_field(name: str) -> forms.Field:
    if name == "risks":
        return forms.MultipleChoiceField(label=_label(HouseholdYear, name), required=False,
                                         choices=partial(codelists.choices, "risk_type", blank=False),
                                         widget=forms.CheckboxSelectMultiple)
    if name in HOUSEHOLD_YEAR_CODE_FIELDS:
        return code_field(HOUSEHOLD_YEAR_CODE_FIELDS[name], _label(HouseholdYear, name))
    return _model_field(HouseholdYear, name)


class HouseholdYearForm(VersionedForm):
    marked_required = ("status",)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in HOUSEHOLD_YEAR_FIELDS:
            self.fields[name] = _year_field(name)

    def sections(self) -> list[tuple[Any, list[Any]]]:
        return [(title, [self[n] for n in names if n in self.fields]) for title, names in YEAR_SECTIONS]

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k in HOUSEHOLD_YEAR_FIELDS}


FIRST_YEAR_FIELDS = ("status", "household_attribute", "main_cause", "other_cause_1", "other_cause_2",
                     *INCOME_ITEMS)


class FirstYearForm(forms.Form):
    """The optional first yearly record of a new household: leave the status empty to skip it."""

    year = forms.IntegerField(label=_label(HouseholdYear, "year"), required=False, min_value=2013, max_value=2100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FIRST_YEAR_FIELDS:
            self.fields[name] = _year_field(name)
        self.fields["status"].help_text = _("Leave empty to record the year later.")

    def service_data(self) -> tuple[int | None, dict[str, Any]]:
        if not self.cleaned_data.get("status"):
            return None, {}
        return self.cleaned_data.get("year"), {k: v for k, v in self.cleaned_data.items() if k in FIRST_YEAR_FIELDS}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Name, ID number or household number"), required=False, max_length=40,
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    area = forms.ChoiceField(label=_("Area"), required=False, choices=())
    status = code_field("household_status", _("Status"))
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2013, max_value=2100)

    def __init__(self, *args: Any, areas: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All my areas")), *areas]
        live = {"hx-get": reverse("web:household_list"), "hx-trigger": "change", "hx-target": "#results",
                "hx-include": "closest form", "hx-push-url": "true"}
        for name in ("area", "status"):
            self.fields[name].widget.attrs.update(live)


def apply_issues(issues: list[FieldIssue], forms_by_prefix: dict[str, Any]) -> list[str]:
    """Put each service issue next to its field; return the texts that match no field (shown on top).

    ``forms_by_prefix`` maps a path prefix to a form: ``""`` for plain names (``id_number``),
    ``"year."`` for ``year.status``, and a group name (``"members"``) to a list of forms for
    ``members[2].id_number``.
    """
    top: list[str] = []
    for item in issues:
        text = item.text()
        match = _PATH_RE.match(item.field)
        if match and isinstance(forms_by_prefix.get(match["group"]), list):
            group = forms_by_prefix[match["group"]]
            index = int(match["index"])
            if index < len(group) and match["field"] in group[index].fields:
                group[index].add_error(match["field"], text)
                continue
        placed = False
        for prefix, form in forms_by_prefix.items():
            if isinstance(form, list) or not item.field.startswith(prefix):
                continue
            name = item.field[len(prefix):]
            if name in form.fields:
                form.add_error(name, text)
                placed = True
                break
        if not placed:
            top.append(text)
    return top
