"""Forms of the project and fund pages: parsing and widgets only. Every field is optional text here
and every rule — required fields, amounts, dates, scope — is checked by ``funds.services``, whose
messages ``web.forms.apply_issues`` puts beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.funds.models import BenefitKind, FundSource, MilestoneKind, ProjectKind, ProjectStatus


def _text(label: Any, *, textarea: bool = False, max_length: int = 2000, **attrs: Any) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 3, **attrs}) if textarea else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, required=False, max_length=max_length, strip=True, widget=widget)


def _choice(label: Any, choices: Any, blank: bool = True) -> forms.CharField:
    options = [("", "—"), *choices] if blank else list(choices)
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=options))


def _date(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _amount(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=40,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))


class ProjectForm(forms.Form):
    marked_required = ("name", "kind", "area_code", "year", "content")
    name = _text(_("Project name"), max_length=200)
    kind = _choice(_("Kind"), ProjectKind.choices)
    area_code = _choice(_("Place (village or township)"), ())
    year = forms.CharField(label=_("Year"), required=False,
                           widget=forms.NumberInput(attrs={"min": 2014, "max": 2100, "inputmode": "numeric"}))
    content = _text(_("Content of the works (建设内容)"), textarea=True)
    planned_start = _date(_("Planned start"))
    planned_end = _date(_("Planned end"))
    responsible_unit = _text(_("Responsible unit"), max_length=200)
    responsible_person = _text(_("Responsible person"), max_length=80)
    responsible_phone = _text(_("Telephone"), max_length=40, inputmode="tel")
    expected_benefit = _text(_("Expected benefit (项目效益)"), textarea=True)
    linkage = _text(_("How farmers share the gains (联农带农)"), textarea=True)

    def __init__(self, *args: Any, places: list[tuple[str, str]] = (), frozen: bool = False,  # type: ignore[assignment]
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area_code"].widget.choices = [("", "—"), *places]
        if frozen:  # shown, not sent: the service refuses a change of what the notices showed
            for name in ("name", "kind", "area_code", "year", "content"):
                self.fields[name].disabled = True


class BudgetForm(forms.Form):
    """One amount per source of funds (empty: nothing from that source)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for source, label in FundSource.choices:
            self.fields[f"amounts.{source}"] = _amount(label)

    def amounts(self) -> dict[str, str]:
        return {source: str(self.data.get(f"amounts.{source}", "")) for source in FundSource.values}


class MilestoneForm(forms.Form):
    marked_required = ("kind", "date")
    kind = _choice(_("Milestone"), MilestoneKind.choices)
    date = _date(_("Date"))
    winning_bidder = _text(_("Winning bidder (for the tender)"), max_length=200)
    note = _text(_("Note"), max_length=400)


class FundForm(forms.Form):
    marked_required = ("source", "year", "document_number", "area_code", "amount")
    source = _choice(_("Source"), FundSource.choices)
    year = forms.CharField(label=_("Year"), required=False,
                           widget=forms.NumberInput(attrs={"min": 2014, "max": 2100, "inputmode": "numeric"}))
    document_number = _text(_("Document number (文号)"), max_length=120)
    area_code = _choice(_("Received by"), ())
    amount = _amount(_("Amount (yuan)"))
    received_on = _date(_("Received on"))
    note = _text(_("Note"), max_length=400)

    def __init__(self, *args: Any, areas: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["area_code"].widget.choices = [("", "—"), *areas]


class AllocateForm(forms.Form):
    marked_required = ("fund_id", "project_id", "amount")
    fund_id = _choice(_("Fund"), ())
    project_id = _choice(_("Project"), ())
    amount = _amount(_("Amount (yuan)"))
    allocated_on = _date(_("Allocated on"))
    note = _text(_("Note"), max_length=400)

    def __init__(self, *args: Any, funds: list[tuple[str, str]] = (), projects: list[tuple[str, str]] = (),  # type: ignore[assignment]
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund_id"].widget.choices = [("", "—"), *funds]
        self.fields["project_id"].widget.choices = [("", "—"), *projects]


class DisburseForm(forms.Form):
    marked_required = ("allocation_id", "amount", "payee", "voucher_number")
    allocation_id = _choice(_("Allocation"), ())
    amount = _amount(_("Amount (yuan)"))
    paid_on = _date(_("Paid on"))
    payee = _text(_("Payee"), max_length=200)
    voucher_number = _text(_("Voucher number"), max_length=120)
    note = _text(_("Note"), max_length=400)

    def __init__(self, *args: Any, allocations: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["allocation_id"].widget.choices = [("", "—"), *allocations]


class ProjectFilterForm(forms.Form):
    area = _choice(_("Area"), ())
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    kind = _choice(_("Kind"), ProjectKind.choices)
    status = _choice(_("Status"), ProjectStatus.choices)

    def __init__(self, *args: Any, areas: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["area"].widget.choices = [("", "—"), *areas]

    def values(self) -> dict[str, Any]:
        """The filters as given; an unusable value (a letter in the year) counts as not given."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        kind = data.get("kind", "") if data.get("kind", "") in ProjectKind.values else ""
        status = data.get("status", "") if data.get("status", "") in ProjectStatus.values else ""
        return {"area_code": data.get("area") or "", "year": data.get("year"), "kind": kind, "status": status}


BENEFIT_CHOICES = BenefitKind.choices
