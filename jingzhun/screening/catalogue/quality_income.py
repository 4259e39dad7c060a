"""Data quality 4.6: income plausibility (domain §4.6).

Net income per person that is missing, not positive, implausibly high or implausibly low; business
income without business costs; wage income of a few yuan; households identified for monitoring
this year with a high income; 脱贫户 below the monitoring line that are not monitored; risks marked
eliminated "by assistance" with income still below the line, or with industry or safety-net measures
that left no trace in the income. The sums themselves (转移性收入, 家庭总收入, 纯收入, 人均纯收入) are
derived from their items when the registry stores or imports a record, so they are not re-checked.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.thresholds import threshold

THRESHOLDS = [
    threshold("th_q46_pc_income_max", _("Screening: net income per person implausibly high — above"), "100000",
              "national", "R5-7 (人均纯收入大于10万)"),
    threshold("th_q46_pc_income_min", _("Screening: net income per person implausibly low — below"), "4000",
              "provincial", "R2 3_11_010 (人均纯收入低于4000元)"),
    threshold("th_q46_wage_income_min", _("Screening: wage income implausibly small — above 0 and below"), "100",
              "provincial", "R2 5_15_0023 (识别时工资性收入大于0小于100)"),
    threshold("th_q46_new_monitored_pc_max", _("Screening: newly monitored households — net income per person above"),
              "20000", "provincial", "R2 1111_18 (风险识别时人均纯收入高于20000元)"),
]

INCOME = Value("pc", "per_capita_net_income", Kind.MONEY)
LINE = Value("line", "monitoring_line", Kind.MONEY)
YEAR = Value("year", "year", Kind.YEAR)
SAFETY_NET = "(m_dibao > 0 OR m_tekun > 0 OR m_disability_allowance > 0)"
SAFETY_NET_FLAGS = {
    "dibao": ("低保", "低保"), "tekun": ("特困供养", "特困供养"), "disability": ("残疾人补贴", "disability allowance"),
}
SAFETY_NET_LIST = ("CONCAT(CASE WHEN m_dibao > 0 THEN 'dibao,' ELSE '' END, "
                   "CASE WHEN m_tekun > 0 THEN 'tekun,' ELSE '' END, "
                   "CASE WHEN m_disability_allowance > 0 THEN 'disability,' ELSE '' END)")

R5 = (2014, None)
R2 = (2021, None)

RULES = [
    Rule(
        id="Q46-01", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-7",
        name_zh="人均纯收入小于或等于0", name_en="Net income per person zero or negative",
        when="per_capita_net_income <= 0",
        values=(INCOME, Value("net", "net_income", Kind.MONEY)),
        message_zh="人均纯收入为 {pc}（家庭纯收入 {net}），不大于 0",
        message_en="Net income per person is {pc} (household net income {net}): not above 0",
    ),
    Rule(
        id="Q46-02", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-7",
        name_zh="人均纯收入为空", name_en="Net income per person missing",
        when="per_capita_net_income IS NULL",
        values=(YEAR, Value("net", "net_income", Kind.MONEY)),
        message_zh="{year} 年人均纯收入为空（家庭纯收入 {net}）",
        message_en="Net income per person for {year} is empty (household net income {net})",
    ),
    Rule(
        id="Q46-03", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R5, refs="R5-7",
        name_zh="人均纯收入过高", name_en="Net income per person implausibly high",
        when="per_capita_net_income > th_q46_pc_income_max",
        values=(INCOME, Value("max", "th_q46_pc_income_max", Kind.MONEY)),
        message_zh="人均纯收入 {pc}高于 {max}",
        message_en="Net income per person {pc} is above {max}",
    ),
    Rule(
        id="Q46-04", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R5, refs="R5-7",
        name_zh="有生产经营性收入但无生产经营性支出", name_en="Business income without business costs",
        when="business_income > 0 AND COALESCE(business_expense, 0) = 0",
        values=(Value("business", "business_income", Kind.MONEY), Value("expense", "COALESCE(business_expense, 0)",
                                                                          Kind.MONEY)),
        message_zh="生产经营性收入为 {business}，但生产经营性支出为 {expense}",
        message_en="Business income is {business} but business costs are {expense}",
    ),
    Rule(
        id="Q46-05", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("monitored",), years=R2, refs="R2 5_15_0023",
        name_zh="监测对象工资性收入过低", name_en="Monitored household with a token wage income",
        when="wage_income > 0 AND wage_income < th_q46_wage_income_min",
        values=(Value("wage", "wage_income", Kind.MONEY), Value("min", "th_q46_wage_income_min", Kind.MONEY)),
        message_zh="未消除风险的监测对象工资性收入为 {wage}，大于 0 但低于 {min}",
        message_en="The wage income of this monitored household is {wage}: above 0 but below {min}",
    ),
    Rule(
        id="Q46-06", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 3_11_010",
        name_zh="人均纯收入过低", name_en="Net income per person implausibly low",
        when="per_capita_net_income > 0 AND per_capita_net_income < th_q46_pc_income_min",
        values=(INCOME, Value("min", "th_q46_pc_income_min", Kind.MONEY)),
        message_zh="人均纯收入 {pc}低于 {min}，请核实",
        message_en="Net income per person {pc} is below {min}: to be checked",
    ),
    Rule(
        id="Q46-07", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("monitored", "eliminated"), years=R2, refs="R2 1111_18",
        name_zh="当年识别的监测对象人均纯收入过高", name_en="Household identified for monitoring this year with a high income",
        when="monitoring_month >= year * 12 AND per_capita_net_income > th_q46_new_monitored_pc_max",
        values=(INCOME, Value("max", "th_q46_new_monitored_pc_max", Kind.MONEY), YEAR),
        message_zh="{year} 年识别为监测对象，但人均纯收入 {pc}高于 {max}",
        message_en="Identified for monitoring in {year} with a net income per person of {pc}, above {max}",
    ),
    Rule(
        id="Q46-08", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("exited",), years=R2, refs="R2 1_02_006 (see also MON-01)",
        name_zh="脱贫户收入低于监测范围但未纳入监测", name_en="Exited household below the monitoring line, not monitored",
        when="status = 'exited' AND per_capita_net_income < monitoring_line",
        values=(INCOME, LINE, YEAR),
        message_zh="脱贫户人均纯收入 {pc}低于 {year} 年监测范围 {line}，但未纳入防止返贫监测",
        message_en="Net income per person {pc} of this exited household is below the {year} monitoring line of {line} "
                   "but it is not monitored",
    ),
    Rule(
        id="Q46-09", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("eliminated",), years=R2, refs="R2 4_11_010",
        name_zh="帮扶消除风险但收入低于监测范围", name_en="Risk eliminated by assistance with income below the line",
        when="elimination_method = 'assisted' AND per_capita_net_income < monitoring_line",
        values=(INCOME, LINE, YEAR),
        message_zh="通过帮扶消除风险，但人均纯收入 {pc}低于 {year} 年监测范围 {line}",
        message_en="The risk was marked eliminated by assistance but net income per person {pc} is below the "
                   "{year} monitoring line of {line}",
    ),
    Rule(
        id="Q46-10", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("eliminated",), years=R2, refs="R2 5_11_013",
        name_zh="风险消除户有产业帮扶但无生产经营性收入",
        name_en="Risk eliminated with industry measures but no business income",
        when="m_industry > 0 AND COALESCE(business_income, 0) = 0",
        values=(Value("measures", "m_industry"), Value("business", "COALESCE(business_income, 0)", Kind.MONEY)),
        message_zh="已消除风险，登记了 {measures} 项产业帮扶，但生产经营性收入为 {business}",
        message_en="The risk is eliminated with {measures} industry measures but the business income is {business}",
    ),
    Rule(
        id="Q46-11", group="quality.income", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("eliminated",), years=R2, refs="R2 4_11_013",
        name_zh="风险消除户享受低保特困或残疾人补贴但无转移性收入",
        name_en="Risk eliminated with safety-net measures but no transfer income",
        when=f"{SAFETY_NET} AND COALESCE(transfer_income, 0) = 0",
        values=(Value("measures", SAFETY_NET_LIST, Kind.FLAGS, flags=SAFETY_NET_FLAGS),
                Value("transfer", "COALESCE(transfer_income, 0)", Kind.MONEY)),
        message_zh="已消除风险，享受{measures}，但转移性收入为 {transfer}",
        message_en="The risk is eliminated and the household receives {measures}, but its transfer income is {transfer}",
    ),
]
