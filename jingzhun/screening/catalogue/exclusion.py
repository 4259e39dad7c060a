"""Exclusions (不得识别, 错评): members found on another department's list (domain §2.2, §4.12).

A household with a salaried public employee, a car, town property, a registered business or a
village committee member may not be identified as poor (河北 six situations, 2017 十原则). Each rule
needs its department's list loaded as ``department_matches`` (a 比对); until it is, the rule is off
(``needs``), and the run says so. A hit on a poor household is a suspected wrong identification
(错评) to verify — the rules of 2017 excuse cases that arose after registration.
"""

from __future__ import annotations

from jingzhun.screening.catalogue.base import DATA_SOURCES, Kind, Rule, Scope, Severity, Value


def _rule(number: int, source: str, what_zh: str, what_en: str, refs: str) -> Rule:
    department_zh, department_en = DATA_SOURCES[source]
    return Rule(
        id=f"EXCL-{number:02d}", group="exclusion", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("poor", "monitored"), needs=(source,), refs=refs,
        name_zh=f"家庭成员{what_zh}（不得识别）", name_en=f"Member {what_en} (excluded)",
        when=f"dept_{source} = 1",
        values=(Value("name", "name", Kind.TEXT), Value("status", "status", Kind.CODE, code_list="household_status")),
        message_zh=f"{{name}}见于{department_zh}，{what_zh}，所在户为{{status}}，按规定不得识别，请核实",
        message_en=f"{{name}} is on the list of {department_en.lower()} ({what_en}) while the household is "
                   f"{{status}}: excluded by the rules, to be verified",
    )


RULES = [
    _rule(1, "public_employees", "为财政供养人员", "is a salaried public employee", "domain §2.2; S28, S29"),
    _rule(2, "vehicles", "名下登记有机动车", "owns a registered vehicle", "domain §2.2; S28, S29"),
    _rule(3, "town_property", "在城镇购有商品房或门面房", "owns town property", "domain §2.2; S28, S29"),
    _rule(4, "business_registry", "为工商注册企业法人、股东或个体经营者", "is a registered business owner",
          "domain §2.2; S28, S29"),
    _rule(5, "village_cadres", "为村两委干部", "is a village committee member", "domain §2.2; S28, S29"),
]
