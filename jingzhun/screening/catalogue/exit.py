"""Exit readiness: households (domain §2.5, §3.6), villages (§2.6) and counties (§2.7).

A poor household may exit when its net income per person is stably above the year's line (this
year above the line, and last year above last year's line) and compulsory education, basic medical
insurance, safe housing and safe water are assured; a household identified this year cannot exit
this year. A village or county exits with the poverty incidence below its threshold (2 %, 3 % in the
west — the policy parameters ``village_exit_incidence_max`` / ``county_exit_incidence_max``).
"""

from __future__ import annotations

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.eligibility import GUARANTEES_UNMET, UNMET_FLAGS

STABLE = "(pc_prev IS NULL OR poverty_line_prev IS NULL OR pc_prev > poverty_line_prev)"
READY = (f"per_capita_net_income > poverty_line AND {STABLE} AND NOT {GUARANTEES_UNMET} "
         "AND COALESCE(identification_year, 0) < year")
NOT_READY_FLAGS = {
    "income": ("收入未超过标准", "income not above the line"),
    "unstable": ("上年收入未超过上年标准", "last year's income not above last year's line"),
    **{k: (f"{zh}未保障", f"{en} not assured") for k, (zh, en) in UNMET_FLAGS.items()},
    "new": ("当年新识别", "identified this year"),
}
NOT_READY_SQL = ("CONCAT(CASE WHEN per_capita_net_income <= poverty_line THEN 'income,' ELSE '' END, "
                 f"CASE WHEN NOT {STABLE} THEN 'unstable,' ELSE '' END, "
                 "CASE WHEN n_dropout > 0 THEN 'education,' ELSE '' END, "
                 "CASE WHEN n_uninsured > 0 THEN 'medical,' ELSE '' END, "
                 "CASE WHEN COALESCE(is_dangerous_house, FALSE) THEN 'housing,' ELSE '' END, "
                 "CASE WHEN NOT COALESCE(drinking_water_safe, TRUE) OR COALESCE(drinking_water_difficult, FALSE) "
                 "THEN 'water,' ELSE '' END, "
                 "CASE WHEN COALESCE(identification_year, 0) >= year THEN 'new,' ELSE '' END)")

INCOME = Value("pc", "per_capita_net_income", Kind.MONEY)
LINE = Value("line", "poverty_line", Kind.MONEY)
YEAR = Value("year", "year", Kind.YEAR)


def _area_rules(scope: Scope, prefix: str, zh: str, en: str, population: str, threshold: str) -> list[Rule]:
    values = (Value("incidence", "incidence", Kind.PERCENT), Value("max", threshold, Kind.PERCENT),
              Value("poor", "poor_persons", Kind.NUMBER), Value("persons", "denominator", Kind.NUMBER))
    # Strictly below the threshold: the poor persons allowed are ceil(max × persons / 100) − 1.
    excess = f"poor_persons - (CEIL({threshold} * denominator / 100.0) - 1)"
    return [
        Rule(
            id=f"{prefix}-01", group="exit", scope=scope, severity=Severity.INFO, population=(population,),
            name_zh=f"贫困{zh}达到退出标准", name_en=f"Poor {en} meets the exit threshold",
            refs="domain §2.6, §2.7, §3.3", when=f"incidence < {threshold}",
            values=(*values, Value("margin", f"(CEIL({threshold} * denominator / 100.0) - 1) - poor_persons")),
            message_zh="贫困发生率 {incidence}（贫困人口 {poor} 人 / {persons} 人）低于退出标准 {max}",
            message_en="Poverty incidence {incidence} ({poor} poor of {persons}) is below the exit threshold {max}",
            change_zh="再有 {margin} 名以上贫困人口即不达标", change_en="{margin} more poor persons would fail the threshold",
        ),
        Rule(
            id=f"{prefix}-02", group="exit", scope=scope, severity=Severity.INFO, population=(population,),
            name_zh=f"贫困{zh}未达到退出标准", name_en=f"Poor {en} does not meet the exit threshold",
            refs="domain §2.6, §2.7, §3.3", when=f"incidence >= {threshold}",
            values=(*values, Value("excess", excess)),
            message_zh="贫困发生率 {incidence}（贫困人口 {poor} 人 / {persons} 人）未低于退出标准 {max}",
            message_en="Poverty incidence {incidence} ({poor} poor of {persons}) is not below the exit threshold {max}",
            change_zh="贫困人口再减少 {excess} 人即达到标准", change_en="{excess} fewer poor persons would meet the threshold",
        ),
    ]


RULES = [
    Rule(
        id="EXIT-H-01", group="exit", scope=Scope.HOUSEHOLD, severity=Severity.INFO, population=("poor",),
        name_zh="贫困户达到退出标准", name_en="Poor household meets the exit standard",
        refs="domain §2.5, §3.3, §3.6; S5", years=(2014, 2020), when=READY,
        values=(INCOME, LINE, YEAR, Value("margin", "per_capita_net_income - poverty_line", Kind.MONEY)),
        message_zh="人均纯收入 {pc}稳定超过 {year} 年标准 {line}，义务教育、基本医疗、住房和饮水安全均有保障，可按程序退出",
        message_en="Net income per person {pc} is stably above the {year} line of {line} and education, medical care, "
                   "housing and water are assured: may exit through the procedure",
        change_zh="人均纯收入若减少 {margin}将不再达标", change_en="{margin} less income per person would fail the standard",
    ),
    Rule(
        id="EXIT-H-02", group="exit", scope=Scope.HOUSEHOLD, severity=Severity.INFO, population=("poor",),
        name_zh="贫困户未达到退出标准", name_en="Poor household does not meet the exit standard",
        refs="domain §2.5, §3.3, §3.6; S5, S40, S58", years=(2014, 2020), when=f"NOT ({READY})",
        values=(INCOME, LINE, YEAR, Value("unmet", NOT_READY_SQL, Kind.FLAGS, flags=NOT_READY_FLAGS),
                Value("gap", "CASE WHEN per_capita_net_income <= poverty_line "
                             "THEN poverty_line - per_capita_net_income + 0.01 ELSE 0 END", Kind.MONEY)),
        message_zh="暂不能退出：{unmet}（人均纯收入 {pc}，{year} 年标准 {line}）",
        message_en="Cannot exit yet: {unmet} (net income per person {pc}, {year} line {line})",
        change_zh="人均纯收入还需增加 {gap}，并解决其余各项", change_en="Income per person must rise by {gap} and the other items be resolved",
        change_needs="gap", change_else_zh="收入已达标，解决上述各项即可退出",
        change_else_en="Income is above the line: resolving the items above allows exit",
    ),
    *_area_rules(Scope.VILLAGE, "EXIT-V", "村", "village", "poor_village", "village_exit_incidence_max"),
    *_area_rules(Scope.COUNTY, "EXIT-C", "县", "county", "poor_county", "county_exit_incidence_max"),
]
