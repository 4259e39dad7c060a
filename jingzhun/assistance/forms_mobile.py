"""Forms of the cadre's phone pages. They only carry what was typed (every field is text, so what the
user entered comes back unchanged after an error); ``assistance.services`` checks it and its issues
are put beside the fields with ``web.forms.apply_issues``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jingzhun.assistance.catalogue import MEASURE_KINDS, PATHWAYS
from jingzhun.assistance.models import FundingSource, MeasureStatus
from jingzhun.assistance.services import PHOTOS_PER_VISIT


def _chinese() -> bool:
    return (translation.get_language() or "zh-hans").startswith("zh")


def kind_label(code: str) -> str:
    """A catalogue measure in the active language."""
    kind = next((k for k in MEASURE_KINDS if k.code == code), None)
    if kind is None:
        return code
    return kind.zh if _chinese() else kind.en


def kind_choices() -> list[tuple[str, Any]]:
    """The catalogue grouped by pathway (五个一批 …), for a ``<select>`` with ``<optgroup>``s."""
    zh = _chinese()
    groups: list[tuple[str, Any]] = [("", _("— choose a measure —"))]
    for pathway in PATHWAYS:
        kinds = [(k.code, k.zh if zh else k.en) for k in MEASURE_KINDS if k.pathway == pathway.code]
        if kinds:
            groups.append((pathway.zh if zh else pathway.en, kinds))
    return groups


class PhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.Field):
    """The photos as uploaded (the service opens, checks and shrinks them)."""

    widget = PhotoInput

    def clean(self, value: Any) -> list[Any]:
        if not value:
            return []
        return [f for f in (value if isinstance(value, list | tuple) else [value]) if f]


def _text(label: Any, **attrs: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=False, widget=forms.TextInput(attrs=attrs))


def _hidden() -> forms.CharField:
    return forms.CharField(required=False, widget=forms.HiddenInput)


class VisitForm(forms.Form):
    marked_required = ("visited_on", "place", "content")

    visited_on = forms.CharField(label=_("Date of the visit"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    place = _text(_("Place"), maxlength=100, autocomplete="off",
                  placeholder=_("e.g. at the household's home, in the field"))
    content = forms.CharField(label=_("What was done and found"), required=False, strip=False,
                              widget=forms.Textarea(attrs={"rows": 5, "maxlength": 4000}))
    photos = PhotosField(label=_("Photos"), required=False)
    latitude = _hidden()
    longitude = _hidden()
    accuracy = _hidden()
    client_key = _hidden()

    def __init__(self, *args: Any, max_date: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        photos = self.fields["photos"]
        photos.widget.attrs.update({"accept": "image/*", "capture": "environment", "multiple": True})
        photos.help_text = _("Up to %(n)s photos, taken with the camera or chosen on the phone.") % {"n": PHOTOS_PER_VISIT}
        if max_date:
            self.fields["visited_on"].widget.attrs["max"] = max_date

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data.get(name) or "" for name in
                ("visited_on", "place", "content", "latitude", "longitude", "accuracy", "client_key")}


class MeasureForm(forms.Form):
    marked_required = ("kind", "content")

    kind = forms.CharField(label=_("Measure"), required=False, widget=forms.Select)
    content = forms.CharField(label=_("Content"), required=False, strip=False,
                              widget=forms.Textarea(attrs={"rows": 3, "maxlength": 300}))
    amount = _text(_("Amount (yuan)"), inputmode="decimal", autocomplete="off")
    funding_source = forms.CharField(label=_("Funding source"), required=False,
                                     widget=forms.Select(choices=[("", "—"), *FundingSource.choices]))
    deadline = forms.CharField(label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expected_income_gain = _text(_("Expected income gain (yuan per year)"), inputmode="decimal", autocomplete="off")
    status = forms.CharField(label=_("Status"), required=False, widget=forms.Select(choices=MeasureStatus.choices))
    responsible_name = _text(_("Responsible person"), maxlength=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.choices = kind_choices()

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data.get(name) or "" for name in
                ("kind", "content", "amount", "funding_source", "deadline", "expected_income_gain", "status",
                 "responsible_name")}
