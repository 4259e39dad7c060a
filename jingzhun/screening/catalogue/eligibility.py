"""Eligibility for identification as a poor household (domain §2.2; 2014–2020).

Inclusion: net income per person below the year's line, or above it with 两不愁三保障 unresolved
(a child of compulsory-school age out of school, a member without basic medical insurance, a
dangerous house, unsafe drinking water). Both are findings about households not registered yet
(一般农户): candidates for 漏评 checks, not errors.
"""

from __future__ import annotations

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value

UNMET_FLAGS = {
    "education": ("义务教育", "compulsory education"),
    "medical": ("基本医疗", "basic medical care"),
    "housing": ("住房安全", "safe housing"),
    "water": ("饮水安全", "safe drinking water"),
}
UNMET_SQL = ("CONCAT(CASE WHEN n_dropout > 0 THEN 'education,' ELSE '' END, "
             "CASE WHEN n_uninsured > 0 THEN 'medical,' ELSE '' END, "
             "CASE WHEN COALESCE(is_dangerous_house, FALSE) THEN 'housing,' ELSE '' END, "
             "CASE WHEN NOT COALESCE(drinking_water_safe, TRUE) OR COALESCE(drinking_water_difficult, FALSE) "
             "THEN 'water,' ELSE '' END)")
GUARANTEES_UNMET = ("(n_dropout > 0 OR n_uninsured > 0 OR COALESCE(is_dangerous_house, FALSE) "
                    "OR NOT COALESCE(drinking_water_safe, TRUE) OR COALESCE(drinking_water_difficult, FALSE))")

INCOME = Value("pc", "per_capita_net_income", Kind.MONEY)
LINE = Value("line", "poverty_line", Kind.MONEY)
YEAR = Value("year", "year", Kind.YEAR)

RULES = [
    Rule(
        id="ELIG-01", group="eligibility", scope=Scope.HOUSEHOLD, severity=Severity.INFO,
        name_zh="收入低于扶贫标准的一般农户", name_en="Household not registered with income below the poverty line",
        population=("general",), years=(2014, 2020), refs="domain §2.2; S58 sf024",
        when="per_capita_net_income < poverty_line",
        values=(INCOME, LINE, YEAR, Value("gap", "poverty_line - per_capita_net_income", Kind.MONEY)),
        message_zh="人均纯收入 {pc}低于 {year} 年扶贫标准 {line}，符合识别条件",
        message_en="Net income per person {pc} is below the {year} poverty line of {line}: eligible for identification",
        change_zh="人均纯收入再增加 {gap}即达到标准，不再符合收入条件",
        change_en="{gap} more income per person would reach the line and end income eligibility",
    ),
    Rule(
        id="ELIG-02", group="eligibility", scope=Scope.HOUSEHOLD, severity=Severity.INFO,
        name_zh="收入达标但两不愁三保障未解决的一般农户",
        name_en="Household not registered, income above the line, basic guarantees unmet",
        population=("general",), years=(2014, 2020), refs="domain §2.2; S58 sf024, S35",
        when=f"per_capita_net_income >= poverty_line AND {GUARANTEES_UNMET}",
        values=(INCOME, LINE, YEAR, Value("unmet", UNMET_SQL, Kind.FLAGS, flags=UNMET_FLAGS)),
        message_zh="人均纯收入 {pc}不低于 {year} 年标准 {line}，但{unmet}未保障，可按两不愁三保障纳入",
        message_en="Net income per person {pc} is not below the {year} line of {line}, but {unmet} is not assured: "
                   "eligible under the basic guarantees",
        change_zh="解决{unmet}后不再符合识别条件", change_en="Once {unmet} is assured the household is no longer eligible",
    ),
]
