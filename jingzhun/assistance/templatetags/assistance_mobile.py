"""Template helpers of the assistance pages: catalogue labels in the active language."""

from __future__ import annotations

from django import template

from jingzhun.assistance.forms_mobile import kind_label

register = template.Library()


@register.filter
def measure_kind(code: str) -> str:
    """``{{ measure.kind|measure_kind }}``: the catalogue's name of a measure (中文 or English)."""
    return kind_label(str(code or ""))
