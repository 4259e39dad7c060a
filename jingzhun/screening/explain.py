"""Hits into sentences: "人均纯收入 3,120 元低于 2020 年扶贫标准 4,000 元".

A hit carries its rule's values in the slots ``n1…`` (numbers) and ``t1…`` (texts) in the order the
rule declares them; ``values_of`` gives them their names back, ``sentence`` formats them into the
rule's template in Chinese or English, followed, for decisions, by what would change the decision.
Pure functions: no database (code labels come from the code-list seed), so the CLI can explain hits
of a snapshot directory.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from jingzhun.screening.catalogue.base import Kind, Rule, Value


@cache
def _code_labels() -> dict[str, dict[str, tuple[str, str]]]:
    from jingzhun.registry.codelists import load_seed

    return {key: {item["code"]: (item["zh"], item["en"]) for item in spec["items"]}
            for key, spec in load_seed().items()}


def values_of(rule: Rule, row: dict[str, Any]) -> dict[str, Any]:
    """The rule's named values from a hit row (a dict with n1…, t1…)."""
    named: dict[str, Any] = {}
    number_slot = text_slot = 0
    for value in rule.values:
        if value.numeric:
            number_slot += 1
            named[value.name] = row.get(f"n{number_slot}")
        else:
            text_slot += 1
            named[value.name] = row.get(f"t{text_slot}")
    return named


def format_value(value: Value, raw: Any, language: str) -> str:
    zh = not language.startswith("en")
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return "（空）" if zh else "(empty)"
    if value.kind == Kind.MONEY:
        amount = float(raw)
        text = f"{amount:,.0f}" if amount == round(amount) else f"{amount:,.2f}"
        return f"{text} 元" if zh else f"{text} yuan"
    if value.kind == Kind.PERCENT:
        return f"{float(raw):.2f}%"
    if value.kind == Kind.YEAR:
        return str(int(raw))
    if value.kind == Kind.NUMBER:
        number = float(raw)
        return f"{number:,.0f}" if number == round(number) else f"{number:,.2f}"
    if value.kind == Kind.CODE:
        labels = _code_labels().get(value.code_list, {})
        pair = labels.get(str(raw))
        return (pair[0] if zh else pair[1]) if pair else str(raw)
    if value.kind == Kind.FLAGS:
        keys = [k for k in str(raw).split(",") if k]
        names = [value.flags[k][0 if zh else 1] if k in value.flags else k for k in keys]
        return "、".join(names) if zh else ", ".join(names)
    return str(raw)


def sentence(rule: Rule, values: dict[str, Any], language: str = "zh-hans", *, with_change: bool = True) -> str:
    zh = not language.startswith("en")
    formatted = {v.name: format_value(v, values.get(v.name), language) for v in rule.values}
    text = (rule.message_zh if zh else rule.message_en).format(**formatted)
    change = rule.change_zh if zh else rule.change_en
    if rule.change_needs and not values.get(rule.change_needs):
        change = rule.change_else_zh if zh else rule.change_else_en
    if with_change and change:
        text += ("；" if zh else ". ") + change.format(**formatted)
    return text


def explain(rule: Rule, row: dict[str, Any]) -> tuple[dict[str, Any], str, str]:
    """A hit row's named values and its sentences in zh-hans and in en."""
    values = values_of(rule, row)
    return values, sentence(rule, values, "zh-hans"), sentence(rule, values, "en")


def plain_values(rule: Rule, values: dict[str, Any]) -> dict[str, Any]:
    """Values fit for JSON (numbers rounded to the cent, flags as lists)."""
    out: dict[str, Any] = {}
    for value in rule.values:
        raw = values.get(value.name)
        if isinstance(raw, float):
            raw = None if math.isnan(raw) else round(raw, 2)
        if value.kind == Kind.FLAGS and raw is not None:
            raw = [k for k in str(raw).split(",") if k]
        out[value.name] = raw
    return out
