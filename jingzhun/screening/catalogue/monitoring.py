"""Return-to-poverty monitoring (domain §2.8, §2.9, §3.5): who is at risk, and whose risk is gone.

At risk (households not monitored — 脱贫户 and 一般农户): income per person below the region's
monitoring line of the year; compliant out-of-pocket spending (合规自付支出) above a share of last
year's net income (``th_out_of_pocket_pct``); income per person fallen sharply against last year
(``th_income_drop_pct``); a shock recorded (disaster, accident, illness…) without monitoring.
Risk elimination (monitored households): income stably above the line, monitored at least
``risk_elimination_min_months``, at least one measure, the guarantees assured, and not a household
without any labour (those stay monitored under the safety net).
"""

from __future__ import annotations

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.eligibility import GUARANTEES_UNMET

INCOME = Value("pc", "per_capita_net_income", Kind.MONEY)
LINE = Value("line", "monitoring_line", Kind.MONEY)
YEAR = Value("year", "year", Kind.YEAR)
MONTHS_MONITORED = "(year_end_month - monitoring_month)"
SHOCKS = ("disaster", "accident", "illness", "industry_failure", "unstable_work")
SHOCK_SQL = " OR ".join(f"risks_text LIKE '%\"{code}\"%'" for code in SHOCKS)
SHOCK_FLAGS = {
    "disaster": ("自然灾害", "natural disaster"), "accident": ("意外事故", "accident"), "illness": ("疾病", "illness"),
    "industry_failure": ("产业失败", "failed business"), "unstable_work": ("务工就业不稳", "unstable work"),
}
SHOCK_LIST = "CONCAT(" + ", ".join(
    f"CASE WHEN risks_text LIKE '%\"{code}\"%' THEN '{code},' ELSE '' END" for code in SHOCKS) + ")"

ELIMINATION_READY = (f"per_capita_net_income >= monitoring_line AND {MONTHS_MONITORED} >= risk_elimination_min_months "
                     f"AND m_count > 0 AND NOT {GUARANTEES_UNMET} AND NOT (n_labour = 0 AND n_members > 0)")
ELIMINATION_FLAGS = {
    "income": ("收入未达到监测范围以上", "income not above the monitoring line"),
    "months": ("监测时间不足", "not monitored long enough"),
    "measures": ("未落实帮扶措施", "no assistance measure"),
    "guarantees": ("三保障和饮水未巩固", "guarantees or water not assured"),
    "no_labour": ("整户无劳动力（应兜底保障，不标注消除）", "no labour in the household (keep under the safety net)"),
}
ELIMINATION_UNMET = (
    "CONCAT(CASE WHEN per_capita_net_income < monitoring_line THEN 'income,' ELSE '' END, "
    f"CASE WHEN monitoring_month IS NULL OR {MONTHS_MONITORED} < risk_elimination_min_months THEN 'months,' ELSE '' END, "
    "CASE WHEN m_count = 0 THEN 'measures,' ELSE '' END, "
    f"CASE WHEN {GUARANTEES_UNMET} THEN 'guarantees,' ELSE '' END, "
    "CASE WHEN n_labour = 0 AND n_members > 0 THEN 'no_labour,' ELSE '' END)"
)

RULES = [
    Rule(
        id="MON-01", group="monitoring", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("not_monitored",), years=(2019, None), refs="domain §2.8, §2.9, §3.5; S13, S14, S24",
        name_zh="收入低于监测范围但未纳入监测", name_en="Income below the monitoring line, not monitored",
        when="per_capita_net_income < monitoring_line",
        values=(INCOME, LINE, YEAR, Value("gap", "monitoring_line - per_capita_net_income", Kind.MONEY)),
        message_zh="人均纯收入 {pc}低于 {year} 年监测范围 {line}，未纳入监测",
        message_en="Net income per person {pc} is below the {year} monitoring line of {line} and the household is not monitored",
        change_zh="人均纯收入再增加 {gap}即高于监测范围", change_en="{gap} more income per person would clear the monitoring line",
    ),
    Rule(
        id="MON-02", group="monitoring", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("not_monitored",), years=(2020, None), refs="domain §2.8, §2.9; S13, S15",
        name_zh="合规自付支出较大", name_en="Large compliant out-of-pocket spending",
        when="compliant_out_of_pocket > 0 AND compliant_out_of_pocket > "
             "COALESCE(net_prev, net_income) * th_out_of_pocket_pct / 100.0",
        values=(Value("spent", "compliant_out_of_pocket", Kind.MONEY),
                Value("income", "COALESCE(net_prev, net_income)", Kind.MONEY),
                Value("share", "th_out_of_pocket_pct", Kind.PERCENT)),
        message_zh="合规自付支出 {spent}超过上年家庭纯收入 {income}的 {share}，未纳入监测",
        message_en="Compliant out-of-pocket spending {spent} exceeds {share} of last year's household net income {income}; "
                   "not monitored",
    ),
    Rule(
        id="MON-03", group="monitoring", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("not_monitored",), years=(2020, None), refs="domain §2.8, §2.9; S13, S15",
        name_zh="收入大幅下降", name_en="Income fell sharply",
        when="pc_prev > 0 AND per_capita_net_income < pc_prev * (1 - th_income_drop_pct / 100.0)",
        values=(INCOME, Value("prev", "pc_prev", Kind.MONEY),
                Value("drop", "100.0 * (pc_prev - per_capita_net_income) / pc_prev", Kind.PERCENT),
                Value("limit", "th_income_drop_pct", Kind.PERCENT)),
        message_zh="人均纯收入由上年 {prev}降至 {pc}，下降 {drop}（超过 {limit}），未纳入监测",
        message_en="Net income per person fell from {prev} last year to {pc}, by {drop} (more than {limit}); not monitored",
    ),
    Rule(
        id="MON-04", group="monitoring", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("not_monitored",), years=(2020, None), refs="domain §2.9; S15, S19",
        name_zh="登记了突发风险但未纳入监测", name_en="Shock recorded, household not monitored",
        when=f"({SHOCK_SQL})",
        values=(Value("shocks", SHOCK_LIST, Kind.FLAGS, flags=SHOCK_FLAGS),),
        message_zh="登记了{shocks}风险，但未纳入监测", message_en="Risk of {shocks} recorded but the household is not monitored",
    ),
    Rule(
        id="MON-05", group="monitoring", scope=Scope.HOUSEHOLD, severity=Severity.INFO,
        population=("monitored",), years=(2021, None), refs="domain §2.9; S15, S16, S17",
        name_zh="监测对象达到风险消除条件", name_en="Monitored household meets the risk-elimination conditions",
        when=ELIMINATION_READY,
        values=(INCOME, LINE, YEAR, Value("months", MONTHS_MONITORED),
                Value("margin", "per_capita_net_income - monitoring_line", Kind.MONEY)),
        message_zh="人均纯收入 {pc}高于 {year} 年监测范围 {line}，已监测 {months} 个月，帮扶措施已落实，三保障和饮水有保障，可按程序标注风险消除",
        message_en="Net income per person {pc} is above the {year} monitoring line of {line}, monitored for {months} months, "
                   "measures in place and guarantees assured: the risk may be marked eliminated",
        change_zh="人均纯收入若减少 {margin}将不再达标", change_en="{margin} less income per person would fail the conditions",
    ),
    Rule(
        id="MON-06", group="monitoring", scope=Scope.HOUSEHOLD, severity=Severity.INFO,
        population=("monitored",), years=(2021, None), refs="domain §2.9; S15, S16, S17",
        name_zh="监测对象暂不具备风险消除条件", name_en="Monitored household not yet ready for risk elimination",
        when=f"NOT ({ELIMINATION_READY}) OR monitoring_month IS NULL",
        values=(INCOME, LINE, Value("unmet", ELIMINATION_UNMET, Kind.FLAGS, flags=ELIMINATION_FLAGS),
                Value("gap", "CASE WHEN per_capita_net_income < monitoring_line "
                             "THEN monitoring_line - per_capita_net_income ELSE 0 END", Kind.MONEY)),
        message_zh="暂不能标注风险消除：{unmet}（人均纯收入 {pc}，监测范围 {line}）",
        message_en="Risk cannot be marked eliminated yet: {unmet} (net income per person {pc}, monitoring line {line})",
        change_zh="人均纯收入还需增加 {gap}，并解决其余各项", change_en="Income per person must rise by {gap} and the other items be resolved",
        change_needs="gap", change_else_zh="收入已达标，解决上述各项即可标注风险消除",
        change_else_en="Income is above the line: resolving the items above allows marking the risk eliminated",
    ),
]
