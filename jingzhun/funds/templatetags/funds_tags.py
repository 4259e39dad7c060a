"""Money on the project and fund pages: ``{{ amount|yuan }}`` → 1,234,567.50; ``{{ rate|pct }}`` →
95.5% (— when there is nothing to divide by)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from jingzhun.funds import money

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    if value in (None, ""):
        return "—"
    return money.yuan(Decimal(value))


@register.filter
def pct(value: Any) -> str:
    return "—" if value is None else f"{value}%"
