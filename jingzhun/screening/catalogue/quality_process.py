"""Data quality 4.9 — monitoring and assistance process (domain §4.9, §3.5; 贵州 2023 rules R2).

A monitored household must have a risk type (1_11_001) and measures soon after identification
(1_11_010: none more than ``th_q49_measure_grace_months`` after the month of identification, or the
first one starting later than that). Each risk needs a fitting measure — 因病: 健康帮扶 / 社会帮扶 /
综合保障; 因学: 教育帮扶 / 义务教育保障 / 社会帮扶; 因残: 综合保障 / 社会帮扶 / 残疾人补贴; 因安全住房: 住房安全
保障 / 搬迁; 因安全饮水: 饮水安全保障 — checked for households eliminated "by assistance" this year
(3_11_003–009, 1_11_009) and for open cases (5_18_001–007). A household with able-bodied labour still
monitored needs 开发式 (developmental) measures: some after ``th_q49_developmental_months`` (5_12_007),
not only safety-net measures (5_11_032), not only 技能培训 / 其他 (5_12_011), and at least one under way
(5_11_030). A household without labour must not be marked eliminated (4_11_011); elimination must not
come in the month of identification or the next (5_18_009), nor, from April 2022, less than
``risk_elimination_min_months`` after it (2_11_002), and never before it.

Months are counted as year × 12 + month − 1 (``monitoring_month``, ``eliminated_month``, measure
``start_month``; ``year_end_month`` = December of the year). The measures are those of the year's plan, so
the "eliminated by assistance" checks look at households eliminated during the year.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.thresholds import threshold

GROUP = "quality.process"
YEARS = (2021, None)
MONITORED = ("monitored",)
ELIMINATED = ("eliminated",)

THRESHOLDS = [
    threshold("th_q49_measure_grace_months", _("Screening: months after identification by which measures must exist"),
              "1", "provincial", "R2 1_11_010 (no measure more than one month after identification)"),
    threshold("th_q49_developmental_months", _("Screening: months of monitoring after which households with labour "
                                               "need developmental measures"),
              "6", "provincial", "R2 5_12_007 (识别 ≥ 6 months)"),
    threshold("th_q49_quick_elimination_months", _("Screening: risk eliminated within this many months of "
                                                   "identification is flagged"),
              "1", "provincial", "R2 5_18_009 (eliminated in the identification month or the next)"),
    threshold("th_q49_min_months_from_month", _("Screening: minimum monitoring time enforced for eliminations from "
                                                "month (year × 12 + month − 1; 24267 = April 2022)"),
              "24267", "provincial", "R2 2_11_002 (识别到风险消除低于6个月, eliminations after 2022-04)"),
]

MONTHS_MONITORED = "(year_end_month - monitoring_month)"
PAST_GRACE = f"{MONTHS_MONITORED} > th_q49_measure_grace_months"
ELIMINATED_THIS_YEAR = "eliminated_month BETWEEN year_end_month - 11 AND year_end_month"
ASSISTED_THIS_YEAR = f"elimination_method = 'assisted' AND {ELIMINATED_THIS_YEAR}"
ABLE = "n_able > 0"
DEVELOPMENTAL_DUE = f"{MONTHS_MONITORED} >= th_q49_developmental_months"

MONTHS = Value("months", MONTHS_MONITORED)
GRACE = Value("grace", "th_q49_measure_grace_months")
ABLE_N = Value("able", "n_able")
MEASURES = Value("measures", "m_count")
FROM_ID = Value("gap", "eliminated_month - monitoring_month")


def _month(column: str, name: str) -> tuple[Value, Value]:
    """A month index shown as year and month."""
    return (Value(f"{name}_y", f"FLOOR({column} / 12)", Kind.YEAR), Value(f"{name}_m", f"{column} % 12 + 1"))


ID_Y, ID_M = _month("monitoring_month", "id")
EL_Y, EL_M = _month("eliminated_month", "el")

# Risk → the measure aggregate that answers it (assistance.catalogue.RISK_NEEDS).
RISK_NEEDS = (
    # code, aggregate, risk zh, risk en, measures zh, measures en
    ("illness", "m_health", "因病", "illness", "健康帮扶、社会帮扶或综合保障", "health, social or comprehensive support"),
    ("schooling", "m_education", "因学", "schooling", "教育帮扶、义务教育保障或社会帮扶",
     "education support, compulsory-education guarantee or social support"),
    ("disability", "m_disability", "因残", "disability", "综合保障、社会帮扶或残疾人补贴",
     "comprehensive or social support, or disability allowances"),
    ("housing", "m_housing", "因安全住房", "housing safety", "住房安全保障或搬迁", "safe-housing or relocation measures"),
    ("water", "m_water", "因安全饮水", "drinking-water safety", "饮水安全保障", "safe-water measures"),
)


def _risk_rules(first_seq: int, *, eliminated: bool) -> list[Rule]:
    rules = []
    for offset, (code, aggregate, risk_zh, risk_en, need_zh, need_en) in enumerate(RISK_NEEDS):
        if eliminated:
            rules.append(Rule(
                id=f"Q49-{first_seq + offset:02d}", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
                population=ELIMINATED, years=YEARS, refs=f"R2 3_11_003–009, 1_11_009 ({risk_zh})",
                name_zh=f"帮扶消除但{risk_zh}风险无对应帮扶措施",
                name_en=f"Eliminated by assistance without a measure for the {risk_en} risk",
                when=f"{ASSISTED_THIS_YEAR} AND risks_text LIKE '%\"{code}\"%' AND {aggregate} = 0",
                values=(MEASURES,),
                message_zh=f"风险为{risk_zh}，以帮扶消除方式标注风险消除，但 {{measures}} 项帮扶措施中无{need_zh}",
                message_en=f"Risk of {risk_en}, marked eliminated by assistance, but none of the {{measures}} measure(s) "
                           f"is {need_en}",
            ))
        else:
            rules.append(Rule(
                id=f"Q49-{first_seq + offset:02d}", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
                population=MONITORED, years=YEARS, refs=f"R2 5_18_001–007 ({risk_zh})",
                name_zh=f"监测对象{risk_zh}风险无对应帮扶措施",
                name_en=f"Monitored household without a measure for the {risk_en} risk",
                when=f"risks_text LIKE '%\"{code}\"%' AND {aggregate} = 0 AND {PAST_GRACE}",
                values=(MEASURES, MONTHS),
                message_zh=f"风险为{risk_zh}，已监测 {{months}} 个月，但 {{measures}} 项帮扶措施中无{need_zh}",
                message_en=f"Risk of {risk_en}, monitored for {{months}} months, but none of the {{measures}} "
                           f"measure(s) is {need_en}",
            ))
    return rules


RULES = [
    Rule(
        # R2 1_11_001 for households still monitored is Q42-33 (a required field); this rule is its
        # counterpart once the risk is eliminated, so that no household is reported twice.
        id="Q49-01", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=ELIMINATED,
        years=YEARS, refs="R2 1_11_001",
        name_zh="风险消除户未登记所消除的风险类型", name_en="Risk eliminated but no risk type recorded",
        when="COALESCE(risks_text, '') NOT LIKE '%\"%'",
        values=(ID_Y, ID_M),
        message_zh="该户（{id_y} 年 {id_m} 月识别为监测对象）已标注风险消除，但未登记所消除的致贫/返贫风险类型",
        message_en="Risk marked eliminated for this household (monitored since {id_y}-{id_m}) but no poverty risk is recorded",
    ),
    Rule(
        id="Q49-02", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=MONITORED,
        years=YEARS, refs="R2 1_11_010",
        name_zh="识别监测超过1个月仍无帮扶措施", name_en="No measure more than a month after identification",
        when=f"m_count = 0 AND {PAST_GRACE}",
        values=(ID_Y, ID_M, MONTHS, GRACE),
        message_zh="{id_y} 年 {id_m} 月识别为监测对象，至年末已 {months} 个月（超过 {grace} 个月），仍未落实帮扶措施",
        message_en="Identified {id_y}-{id_m}, {months} months by the year's end (more than {grace}), and still no "
                   "assistance measure",
    ),
    Rule(
        id="Q49-03", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=(*MONITORED, *ELIMINATED),
        years=YEARS, refs="R2 1_11_010",
        name_zh="首项帮扶措施晚于识别1个月以上", name_en="First measure more than a month after identification",
        when="monitoring_month >= year_end_month - 11 "
             "AND m_first_month - monitoring_month > th_q49_measure_grace_months",
        values=(ID_Y, ID_M, Value("late", "m_first_month - monitoring_month"), GRACE),
        message_zh="{id_y} 年 {id_m} 月识别为监测对象，首项帮扶措施 {late} 个月后才开始（超过 {grace} 个月）",
        message_en="Identified {id_y}-{id_m}; the first measure started {late} months later (more than {grace})",
    ),
    Rule(
        id="Q49-04", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=ELIMINATED,
        years=YEARS, refs="R2 1_11_009",
        name_zh="帮扶消除但无帮扶措施", name_en="Eliminated by assistance without any measure",
        when=f"{ASSISTED_THIS_YEAR} AND m_count = 0",
        values=(EL_Y, EL_M),
        message_zh="{el_y} 年 {el_m} 月以帮扶消除方式标注风险消除，但当年无任何帮扶措施",
        message_en="Marked eliminated by assistance in {el_y}-{el_m} but no assistance measure that year",
    ),
    *_risk_rules(5, eliminated=True),
    *_risk_rules(10, eliminated=False),
    Rule(
        id="Q49-15", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=MONITORED,
        years=YEARS, refs="R2 5_12_007",
        name_zh="有劳动力的监测对象无开发式帮扶措施", name_en="Household with labour, no developmental measure",
        when=f"{ABLE} AND m_developmental = 0 AND {DEVELOPMENTAL_DUE}",
        values=(ABLE_N, MONTHS, MEASURES, Value("due", "th_q49_developmental_months")),
        message_zh="有 {able} 名劳动力，已监测 {months} 个月（不少于 {due} 个月），{measures} 项帮扶措施中无产业、就业、金融或公益岗位等开发式帮扶",
        message_en="{able} able-bodied member(s), monitored for {months} months (at least {due}), and none of the "
                   "{measures} measure(s) is developmental (industry, employment, finance, public-welfare post)",
    ),
    Rule(
        id="Q49-16", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=MONITORED,
        years=YEARS, refs="R2 5_11_032",
        name_zh="有劳动力的监测对象仅有兜底保障措施", name_en="Household with labour, only safety-net measures",
        when=f"{ABLE} AND m_count > 0 AND m_safety_net = m_count",
        values=(ABLE_N, MEASURES),
        message_zh="有 {able} 名劳动力，但 {measures} 项帮扶措施均为低保、特困、残补或综合保障等兜底措施",
        message_en="{able} able-bodied member(s), but all {measures} measure(s) are safety-net measures",
    ),
    Rule(
        id="Q49-17", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=MONITORED,
        years=YEARS, refs="R2 5_12_011",
        name_zh="开发式帮扶仅为技能培训或其他", name_en="Developmental measures only training or other",
        when=f"{ABLE} AND m_developmental > 0 AND m_developmental_strong = 0",
        values=(ABLE_N, Value("developmental", "m_developmental")),
        message_zh="有 {able} 名劳动力，{developmental} 项开发式帮扶措施仅为技能培训或其他",
        message_en="{able} able-bodied member(s); the {developmental} developmental measure(s) are only skills "
                   "training or other",
    ),
    Rule(
        id="Q49-18", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=MONITORED,
        years=YEARS, refs="R2 5_11_030",
        name_zh="开发式帮扶措施尚未实施", name_en="Developmental measures not yet carried out",
        when=f"{ABLE} AND m_developmental > 0 AND m_developmental_started = 0 AND {DEVELOPMENTAL_DUE}",
        values=(ABLE_N, Value("developmental", "m_developmental"), MONTHS),
        message_zh="有 {able} 名劳动力，已监测 {months} 个月，{developmental} 项开发式帮扶措施均尚未实施",
        message_en="{able} able-bodied member(s), monitored for {months} months; none of the {developmental} "
                   "developmental measure(s) has started",
    ),
    Rule(
        id="Q49-19", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=ELIMINATED,
        years=YEARS, refs="R2 4_11_011",
        name_zh="整户无劳动力标注风险消除", name_en="Household without labour marked eliminated",
        when="n_labour = 0 AND n_members > 0",
        values=(Value("members", "n_members"), EL_Y, EL_M),
        message_zh="全户 {members} 人均无劳动能力，却于 {el_y} 年 {el_m} 月标注风险消除（应继续监测并兜底保障）",
        message_en="None of the {members} member(s) can work, yet the risk was marked eliminated in {el_y}-{el_m} "
                   "(keep monitoring under the safety net)",
    ),
    Rule(
        id="Q49-20", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=ELIMINATED,
        years=YEARS, refs="R2 5_18_009",
        name_zh="识别当月或次月即标注风险消除", name_en="Eliminated in the month of identification or the next",
        when="eliminated_month - monitoring_month BETWEEN 0 AND th_q49_quick_elimination_months",
        values=(ID_Y, ID_M, EL_Y, EL_M),
        message_zh="{id_y} 年 {id_m} 月识别为监测对象，{el_y} 年 {el_m} 月即标注风险消除",
        message_en="Identified {id_y}-{id_m} and already marked eliminated in {el_y}-{el_m}",
    ),
    Rule(
        id="Q49-21", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=ELIMINATED,
        years=YEARS, refs="R2 2_11_002; domain §3.5 (S16, S17)",
        name_zh="识别到风险消除不足规定月数", name_en="Eliminated sooner than the minimum monitoring time",
        when="eliminated_month >= th_q49_min_months_from_month AND eliminated_month >= monitoring_month "
             "AND eliminated_month - monitoring_month < risk_elimination_min_months",
        values=(ID_Y, ID_M, EL_Y, EL_M, FROM_ID, Value("min", "risk_elimination_min_months")),
        message_zh="{id_y} 年 {id_m} 月识别，{el_y} 年 {el_m} 月标注风险消除，仅监测 {gap} 个月（不足 {min} 个月）",
        message_en="Identified {id_y}-{id_m}, marked eliminated {el_y}-{el_m}: monitored only {gap} months "
                   "(less than {min})",
    ),
    Rule(
        id="Q49-22", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=ELIMINATED,
        years=YEARS, refs="domain §1.13 (识别监测时间, 消除监测时间)",
        name_zh="风险消除时间早于识别监测时间", name_en="Elimination dated before identification",
        when="eliminated_month < monitoring_month",
        values=(ID_Y, ID_M, EL_Y, EL_M),
        message_zh="风险消除时间（{el_y} 年 {el_m} 月）早于识别监测时间（{id_y} 年 {id_m} 月）",
        message_en="Risk marked eliminated ({el_y}-{el_m}) before the household was identified ({id_y}-{id_m})",
    ),
]
