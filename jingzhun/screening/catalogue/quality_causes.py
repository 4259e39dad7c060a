"""Data quality 4.3 — causes of poverty and 2021+ risks against the members' situation (domain §4.3).

主要致贫原因 (建档立卡 households, R5-4): 因病 without a chronically or seriously ill member, 因残 without a
disabled member, 因学 without a student. 致贫/返贫风险 of monitoring objects (R2): 因残 without a disabled
member (2_11_001), 因病 without an ill member (5_15_015) or with no compliant out-of-pocket spending
(5_15_020), 因务工就业不稳 when nobody can work (2_11_006, 5_15_013), 缺劳动力 when every member has labour
ability (4_11_009), when more than a quarter are able-bodied (5_18_008, ``th_q43_lack_labour_able_pct``) or,
in households of four or more, more than half (5_11_029). Situations without the matching risk: unsafe
or difficult drinking water without 因安全饮水 (4_11_006), an uninsured member without 因病 (4_11_007), and
by the same reading a dangerous house without 因安全住房 and a school-age child out of school without
因学 (the data has no separate 辍学 flag: R2 4_11_008 is read as the child itself); 因学 without a student
(R5-4 applied to the risk).

"Able-bodied" is 普通 or 技能劳动力; "without labour" is 丧失 or 无劳动力 (feature ``n_no_labour``).

Not implemented (no data): 其他 risk without its remark (2_11_004), 因自然灾害 without its sub-item (2_11_005),
因务工就业不稳 without work records (5_15_014).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.thresholds import threshold

GROUP = "quality.causes"
REGISTERED = ("registered",)
OPEN = ("monitored",)  # monitoring objects whose risk is not eliminated
MONITORING_OBJECTS = ("monitored", "eliminated")
R2_YEARS = (2021, None)

THRESHOLDS = [
    threshold("th_q43_lack_labour_able_pct", _("Screening: risk 'lack of labour' implausible above able-bodied share (%)"),
              "25", "provincial", "R2 5_18_008 (贵州 2023: 劳动力占比超过四分之一)"),
    threshold("th_q43_lack_labour_big_household", _("Screening: risk 'lack of labour' — large household from (persons)"),
              "4", "provincial", "R2 5_11_029 (贵州 2023: 4 人户及以上)"),
    threshold("th_q43_lack_labour_big_able_pct",
              _("Screening: risk 'lack of labour' in a large household implausible above able-bodied share (%)"),
              "50", "provincial", "R2 5_11_029 (贵州 2023: 一半以上家庭成员有劳动能力)"),
]


def risk(code: str) -> str:
    return f"risks_text LIKE '%\"{code}\"%'"


def no_risk(code: str) -> str:
    return f"COALESCE(risks_text, '') NOT LIKE '%\"{code}\"%'"


MAIN_CAUSE = Value("cause", "main_cause", Kind.CODE, code_list="poverty_cause")
MEMBERS = Value("members", "n_members")
YEAR = Value("year", "year", Kind.YEAR)
ABLE_SHARE = "100.0 * n_able / NULLIF(n_members, 0)"

RULES = [
    # -- Main cause of poverty (R5-4) --------------------------------------------------------------
    Rule(
        id="Q43-01", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        refs="R5-4",
        name_zh="主要致贫原因为因病但无患病成员", name_en="Main cause illness, but nobody is ill",
        when="main_cause = '1' AND n_members > 0 AND n_ill = 0",
        values=(MAIN_CAUSE, MEMBERS, Value("disabled", "n_disabled")),
        message_zh="主要致贫原因为{cause}，但 {members} 名成员中无长期慢性病或大病患者（残疾 {disabled} 人）",
        message_en="The main cause of poverty is {cause} but none of the {members} members has a chronic or "
                   "serious illness ({disabled} disabled)",
    ),
    Rule(
        id="Q43-02", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        refs="R5-4",
        name_zh="主要致贫原因为因残但无残疾成员", name_en="Main cause disability, but nobody is disabled",
        when="main_cause = '2' AND n_members > 0 AND n_disabled = 0",
        values=(MAIN_CAUSE, MEMBERS),
        message_zh="主要致贫原因为{cause}，但 {members} 名成员中无健康状况为残疾的成员",
        message_en="The main cause of poverty is {cause} but none of the {members} members is recorded as disabled",
    ),
    Rule(
        id="Q43-03", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        refs="R5-4; domain §1.15 (因学 = 因家中子女上学导致贫困)",
        name_zh="主要致贫原因为因学但无在校生", name_en="Main cause schooling, but nobody is at school",
        when="main_cause = '3' AND n_members > 0 AND n_students = 0",
        values=(MAIN_CAUSE, MEMBERS),
        message_zh="主要致贫原因为{cause}，但 {members} 名成员中没有在校生",
        message_en="The main cause of poverty is {cause} but none of the {members} members is at school",
    ),
    # -- Risks of monitoring objects (R2) -------------------------------------------------------
    Rule(
        id="Q43-04", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=MONITORING_OBJECTS,
        years=R2_YEARS, refs="R2 2_11_001",
        name_zh="风险为因残但无残疾成员", name_en="Risk disability, but nobody is disabled",
        when=f"{risk('disability')} AND n_members > 0 AND n_disabled = 0",
        values=(MEMBERS,),
        message_zh="致贫/返贫风险为“因残”，但 {members} 名成员中无健康状况为残疾的成员",
        message_en="The poverty risk is disability but none of the {members} members is recorded as disabled",
    ),
    Rule(
        id="Q43-05", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=OPEN,
        years=R2_YEARS, refs="R2 5_15_015",
        name_zh="风险为因病但无患病成员", name_en="Risk illness, but nobody is ill",
        when=f"{risk('illness')} AND n_members > 0 AND n_ill = 0",
        values=(MEMBERS,),
        message_zh="致贫/返贫风险为“因病”，但 {members} 名成员中无长期慢性病或大病患者",
        message_en="The poverty risk is illness but none of the {members} members has a chronic or serious illness",
    ),
    Rule(
        id="Q43-06", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=OPEN,
        years=R2_YEARS, refs="R2 5_15_020",
        name_zh="风险为因病但合规自付支出为零", name_en="Risk illness, but no compliant out-of-pocket spending",
        when=f"{risk('illness')} AND COALESCE(compliant_out_of_pocket, 0) = 0",
        values=(YEAR, Value("ill", "n_ill")),
        message_zh="致贫/返贫风险为“因病”（患病成员 {ill} 人），但 {year} 年合规自付支出为零或未填写",
        message_en="The poverty risk is illness ({ill} ill members) but the {year} compliant out-of-pocket "
                   "spending is zero or empty",
    ),
    Rule(
        id="Q43-07", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=OPEN,
        years=R2_YEARS, refs="R2 2_11_006, 5_15_013",
        name_zh="风险为因务工就业不稳但全家无劳动力", name_en="Risk unstable employment, but nobody can work",
        when=f"{risk('unstable_work')} AND n_members > 0 AND n_no_labour = n_members",
        values=(MEMBERS,),
        message_zh="致贫/返贫风险为“因务工就业不稳”，但 {members} 名成员均为无劳动力或丧失劳动力",
        message_en="The poverty risk is unstable employment but all {members} members have no or lost labour ability",
    ),
    Rule(
        id="Q43-08", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=OPEN,
        years=R2_YEARS, refs="R2 4_11_009",
        name_zh="风险为缺劳动力但成员均有劳动能力", name_en="Risk lack of labour, but every member can work",
        when=f"{risk('lack_labour')} AND n_members > 0 AND n_no_labour = 0",
        values=(MEMBERS, Value("able", "n_able")),
        message_zh="致贫/返贫风险为“缺劳动力”，但 {members} 名成员均有劳动能力（普通或技能劳动力 {able} 人）",
        message_en="The poverty risk is lack of labour but all {members} members have labour ability "
                   "({able} ordinary or skilled)",
    ),
    Rule(
        id="Q43-09", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=OPEN,
        years=R2_YEARS, refs="R2 5_18_008",
        name_zh="风险为缺劳动力但劳动力占比较高", name_en="Risk lack of labour, but many members are able-bodied",
        when=f"{risk('lack_labour')} AND {ABLE_SHARE} > th_q43_lack_labour_able_pct",
        values=(MEMBERS, Value("able", "n_able"), Value("share", ABLE_SHARE, Kind.PERCENT),
                Value("max", "th_q43_lack_labour_able_pct", Kind.PERCENT)),
        message_zh="致贫/返贫风险为“缺劳动力”，但 {members} 名成员中有 {able} 名普通或技能劳动力，占 {share}（超过 {max}）",
        message_en="The poverty risk is lack of labour but {able} of the {members} members are ordinary or skilled "
                   "labour, {share} (more than {max})",
    ),
    Rule(
        id="Q43-10", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=OPEN,
        years=R2_YEARS, refs="R2 5_11_029",
        name_zh="多人户风险为缺劳动力但一半以上成员有劳动能力",
        name_en="Large household with risk lack of labour, but most members are able-bodied",
        when=f"{risk('lack_labour')} AND n_members >= th_q43_lack_labour_big_household "
             f"AND {ABLE_SHARE} > th_q43_lack_labour_big_able_pct",
        values=(MEMBERS, Value("able", "n_able"), Value("share", ABLE_SHARE, Kind.PERCENT),
                Value("max", "th_q43_lack_labour_big_able_pct", Kind.PERCENT),
                Value("size", "th_q43_lack_labour_big_household")),
        message_zh="{members} 人户（{size} 人及以上）致贫/返贫风险为“缺劳动力”，但普通或技能劳动力 {able} 人，占 {share}（超过 {max}）",
        message_en="A household of {members} ({size} or more) has the risk lack of labour but {able} members are "
                   "ordinary or skilled labour, {share} (more than {max})",
    ),
    Rule(
        id="Q43-11", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=MONITORING_OBJECTS,
        years=R2_YEARS, refs="R5-4 applied to the 2021+ risk",
        name_zh="风险为因学但无在校生", name_en="Risk schooling, but nobody is at school",
        when=f"{risk('schooling')} AND n_members > 0 AND n_students = 0",
        values=(MEMBERS,),
        message_zh="致贫/返贫风险为“因学”，但 {members} 名成员中没有在校生",
        message_en="The poverty risk is schooling but none of the {members} members is at school",
    ),
    # -- Situations without the matching risk ----------------------------------------------------
    Rule(
        id="Q43-12", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=OPEN,
        years=R2_YEARS, refs="R2 4_11_006",
        name_zh="饮水存在问题但风险无因安全饮水", name_en="Water problem without the drinking-water risk",
        when="(NOT COALESCE(drinking_water_safe, TRUE) OR COALESCE(drinking_water_difficult, FALSE)) "
             f"AND {no_risk('water')}",
        values=(Value("problem", "CONCAT(CASE WHEN NOT COALESCE(drinking_water_safe, TRUE) THEN 'unsafe,' ELSE '' END, "
                                 "CASE WHEN COALESCE(drinking_water_difficult, FALSE) THEN 'difficult,' ELSE '' END)",
                      Kind.FLAGS, flags={"unsafe": ("饮水不安全", "unsafe water"),
                                         "difficult": ("饮水困难", "difficult access to water")}),),
        message_zh="监测对象{problem}，但致贫/返贫风险中没有“因安全饮水”",
        message_en="The monitored household has {problem} but its risks do not include drinking-water safety",
    ),
    Rule(
        id="Q43-13", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=OPEN,
        years=R2_YEARS, refs="R2 4_11_007",
        name_zh="有成员未参加基本医疗保险但风险无因病", name_en="Member without medical insurance, no illness risk",
        when=f"n_uninsured > 0 AND {no_risk('illness')}",
        values=(Value("uninsured", "n_uninsured"),),
        message_zh="{uninsured} 名成员未参加城乡居民或职工基本医疗保险，但致贫/返贫风险中没有“因病”",
        message_en="{uninsured} member(s) have no basic medical insurance but the risks do not include illness",
    ),
    Rule(
        id="Q43-14", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=OPEN,
        years=R2_YEARS, refs="domain §4.3 (status without matching risk; analogue of R2 4_11_006)",
        name_zh="危房户但风险无因安全住房", name_en="Dangerous house without the housing-safety risk",
        when=f"COALESCE(is_dangerous_house, FALSE) AND {no_risk('housing')}",
        values=(Value("level", "danger_level", Kind.CODE, code_list="danger_level"),),
        message_zh="监测对象为危房户（危房等级：{level}），但致贫/返贫风险中没有“因安全住房”",
        message_en="The monitored household lives in a dangerous house ({level}) but its risks do not include "
                   "housing safety",
    ),
    Rule(
        id="Q43-15", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=OPEN,
        years=R2_YEARS, refs="R2 4_11_008 (read on the children themselves)",
        name_zh="义务教育适龄儿童失学辍学但风险无因学", name_en="School-age child out of school, no schooling risk",
        when=f"n_dropout > 0 AND {no_risk('schooling')}",
        values=(Value("children", "n_dropout"), Value("min", "th_school_age_min"), Value("max", "th_school_age_max")),
        message_zh="{children} 名 {min}–{max} 岁儿童未在校且无未上学原因，但致贫/返贫风险中没有“因学”",
        message_en="{children} child(ren) aged {min}–{max} are out of school with no reason recorded, but the risks "
                   "do not include schooling",
    ),
]
