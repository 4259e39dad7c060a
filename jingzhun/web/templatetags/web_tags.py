"""Template helpers: code-list labels, masking of personal numbers, form-field rendering."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms, template

from jingzhun.registry import codelists
from jingzhun.registry.privacy import shown_account, shown_id, shown_phone

register = template.Library()


@register.filter
def code(value: Any, list_key: str) -> str:
    """``{{ person.sex|code:"sex" }}``: the label of a code in the active language."""
    return codelists.label(list_key, str(value or "")) or "—"


@register.filter
def masked_id(value: Any, user: Any) -> str:
    return shown_id(user, str(value or ""))


@register.filter
def masked_phone(value: Any, user: Any) -> str:
    return shown_phone(user, str(value or ""))


@register.filter
def masked_account(value: Any, user: Any) -> str:
    return shown_account(user, str(value or ""))


@register.filter
def is_checkbox(field: Any) -> bool:
    return isinstance(getattr(field.field, "widget", None), forms.CheckboxInput)


@register.filter
def is_multi(field: Any) -> bool:
    return isinstance(getattr(field.field, "widget", None), forms.CheckboxSelectMultiple)


@register.filter
def marked(field: Any) -> bool:
    """True when the field must be filled in (the services require it), to show an asterisk."""
    return field.name in getattr(field.form, "marked_required", ())


@register.simple_tag
def widget(field: Any) -> str:
    """Render the widget, pointing screen readers at the error message when there is one."""
    attrs: dict[str, str] = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    return field.as_widget(attrs=attrs)


@register.filter
def minutes(value: Any) -> int:
    if isinstance(value, dt.timedelta):
        return max(1, int(value.total_seconds() // 60))
    return 0
