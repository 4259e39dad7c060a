"""Data quality 4.4: social assistance (低保, 特困供养/五保, 残疾人补贴) against the registry (domain §4.4).

The national checks (R5-5) compare the household's attribute (贫困户属性: 低保户, 五保户…) with its
members' 低保 / 特困 flags and with the 低保金 / 五保金 (特困供养金) in the income block. The 贵州 2023
checks (R2) compare the members' 低保 / 特困 flags with the assistance measures of monitored
households (综合保障: 低保, 特困供养, 残疾人补贴), and look for households without any labour that the
safety net does not cover, and 特困供养 given to healthy adults or to people at work.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.thresholds import threshold
from jingzhun.screening.features import ABLE, WORKING, Aggregate

THRESHOLDS = [
    threshold("th_q44_wubao_labour_age_max", _("Screening: 五保 households — labourers counted up to age"), "65",
              "national", "R5-5 (五保户有16-65岁劳动力)"),
    threshold("th_q44_tekun_adult_age", _("Screening: 特困供养 — healthy adults from age"), "18", "provincial",
              "R2 5_15_018, 5_15_019 (18（含）-60（不含）岁健康非在校生)"),
]

MEMBER_AGGREGATES = [
    Aggregate("q44_n_able_wubao_age", f"age BETWEEN th_labour_age_min AND th_q44_wubao_labour_age_max AND {ABLE}"),
    # 残疾人证号 of 20 characters: character 19 is the category, 20 the grade (1, 2 = 一、二级) (domain §1.3).
    Aggregate("q44_n_severe_disabled",
              "id_type = 'disability_cert' AND LENGTH(id_number) >= 20 AND SUBSTR(id_number, 20, 1) IN ('1', '2')"),
    Aggregate("q44_n_disability_cert", "id_type = 'disability_cert'"),
]

DIBAO_ATTRIBUTE = "household_attribute IN ('dibao_poor', 'dibao')"
WUBAO_ATTRIBUTE = "household_attribute IN ('tekun_poor', 'wubao')"
ON_TEKUN = "COALESCE(tekun, '') NOT IN ('', 'none')"
NO_LABOUR_HOUSEHOLD = "n_members > 0 AND n_no_labour = n_members"

ATTRIBUTE = Value("attribute", "household_attribute", Kind.CODE, code_list="household_attribute")
N_DIBAO = Value("n_dibao", "n_dibao")
N_TEKUN = Value("n_tekun", "n_tekun")
DIBAO_PAY = Value("dibao_pay", "COALESCE(transfer_dibao, 0)", Kind.MONEY)
TEKUN_PAY = Value("tekun_pay", "COALESCE(transfer_tekun, 0)", Kind.MONEY)
MEMBERS = Value("members", "n_members")
AGE = Value("age", "age")
TEKUN = Value("tekun", "tekun", Kind.FLAGS, flags={"urban": ("城市特困", "urban destitute support"),
                                                   "rural": ("农村特困", "rural destitute support")})

R5 = (2014, None)
R2 = (2021, None)

RULES = [
    # --- R5-5: attribute, members and payments (national) ---
    Rule(
        id="Q44-01", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-5",
        name_zh="低保户家中无人享受低保", name_en="低保 household without any member on 低保",
        when=f"{DIBAO_ATTRIBUTE} AND n_dibao = 0",
        values=(ATTRIBUTE, MEMBERS),
        message_zh="贫困户属性为{attribute}，但 {members} 名家庭成员均未享受低保",
        message_en="The household attribute is {attribute} but none of its {members} members receives 低保",
    ),
    Rule(
        id="Q44-02", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R5, refs="R5-5",
        name_zh="一般贫困户有享受低保的成员", name_en="Ordinary poor household with a member on 低保",
        when="household_attribute = 'general_poor' AND n_dibao > 0",
        values=(ATTRIBUTE, N_DIBAO),
        message_zh="贫困户属性为{attribute}，但有 {n_dibao} 名家庭成员享受低保",
        message_en="The household attribute is {attribute} but {n_dibao} members receive 低保",
    ),
    Rule(
        id="Q44-03", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-5",
        name_zh="五保户有劳动力", name_en="五保 household with a working-age labourer",
        when=f"{WUBAO_ATTRIBUTE} AND q44_n_able_wubao_age > 0",
        values=(ATTRIBUTE, Value("able", "q44_n_able_wubao_age"), Value("min", "th_labour_age_min"),
                Value("max", "th_q44_wubao_labour_age_max")),
        message_zh="贫困户属性为{attribute}，但有 {able} 名 {min}-{max} 岁的普通或技能劳动力",
        message_en="The household attribute is {attribute} but {able} members aged {min}-{max} are able to work",
    ),
    Rule(
        id="Q44-04", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R5, refs="R5-5",
        name_zh="同时领取低保金和五保金", name_en="Both 低保 and 五保 (特困供养) payments",
        when="transfer_dibao > 0 AND transfer_tekun > 0",
        values=(DIBAO_PAY, TEKUN_PAY),
        message_zh="同时有低保金 {dibao_pay}和五保金（特困供养金） {tekun_pay}",
        message_en="The household receives both 低保 payments of {dibao_pay} and 五保 (特困供养) payments of {tekun_pay}",
    ),
    Rule(
        id="Q44-05", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R5, refs="R5-5",
        name_zh="一般贫困户领取低保金或五保金", name_en="Ordinary poor household receiving 低保 or 五保 payments",
        when="household_attribute = 'general_poor' AND (transfer_dibao > 0 OR transfer_tekun > 0)",
        values=(ATTRIBUTE, DIBAO_PAY, TEKUN_PAY),
        message_zh="贫困户属性为{attribute}，但有低保金 {dibao_pay}、五保金（特困供养金） {tekun_pay}",
        message_en="The household attribute is {attribute} but it receives 低保 payments of {dibao_pay} "
                   "and 五保 (特困供养) payments of {tekun_pay}",
    ),
    Rule(
        id="Q44-06", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-5",
        name_zh="低保户低保金为0", name_en="低保 household with no 低保 payment",
        when=f"{DIBAO_ATTRIBUTE} AND COALESCE(transfer_dibao, 0) = 0",
        values=(ATTRIBUTE,),
        message_zh="贫困户属性为{attribute}，但转移性收入中的低保金为 0 或空",
        message_en="The household attribute is {attribute} but the 低保 payment in its income is 0 or empty",
    ),
    Rule(
        id="Q44-07", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-5",
        name_zh="五保户五保金为0", name_en="五保 household with no 五保 (特困供养) payment",
        when=f"{WUBAO_ATTRIBUTE} AND COALESCE(transfer_tekun, 0) = 0",
        values=(ATTRIBUTE,),
        message_zh="贫困户属性为{attribute}，但转移性收入中的五保金（特困供养金）为 0 或空",
        message_en="The household attribute is {attribute} but the 五保 (特困供养) payment in its income is 0 or empty",
    ),
    Rule(
        id="Q44-08", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-5 (五保户 counterpart of the 低保 check)",
        name_zh="五保户家中无人享受特困供养", name_en="五保 household without any member on 特困供养",
        when=f"{WUBAO_ATTRIBUTE} AND n_tekun = 0",
        values=(ATTRIBUTE, MEMBERS),
        message_zh="贫困户属性为{attribute}，但 {members} 名家庭成员均未享受特困供养（五保）",
        message_en="The household attribute is {attribute} but none of its {members} members receives "
                   "特困供养 (五保)",
    ),
    Rule(
        id="Q44-09", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-5",
        name_zh="有成员享受低保但低保金为0", name_en="Members on 低保 but no 低保 payment",
        when="n_dibao > 0 AND COALESCE(transfer_dibao, 0) = 0",
        values=(N_DIBAO,),
        message_zh="有 {n_dibao} 名家庭成员享受低保，但转移性收入中的低保金为 0 或空",
        message_en="{n_dibao} members receive 低保 but the 低保 payment in the household's income is 0 or empty",
    ),
    Rule(
        id="Q44-10", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-5",
        name_zh="有成员享受特困供养但特困供养金为0", name_en="Members on 特困供养 but no 特困供养 payment",
        when="n_tekun > 0 AND COALESCE(transfer_tekun, 0) = 0",
        values=(N_TEKUN,),
        message_zh="有 {n_tekun} 名家庭成员享受特困供养，但转移性收入中的五保金（特困供养金）为 0 或空",
        message_en="{n_tekun} members receive 特困供养 but the 特困供养 payment in the household's income is 0 or empty",
    ),
    # --- R2 (贵州 2023): members against the measures of monitored households ---
    Rule(
        id="Q44-11", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("monitored",), years=R2, refs="R2 5_16_003",
        name_zh="监测对象有成员享受低保但帮扶措施无低保", name_en="Monitored household on 低保 without a 低保 measure",
        when="n_dibao > 0 AND m_dibao = 0",
        values=(N_DIBAO,),
        message_zh="未消除风险的监测对象有 {n_dibao} 名成员享受低保，但帮扶措施未登记低保",
        message_en="{n_dibao} members of this monitored household receive 低保 but no 低保 measure is recorded",
    ),
    Rule(
        id="Q44-12", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("monitored",), years=R2, refs="R2 5_16_004",
        name_zh="监测对象有成员享受特困供养但帮扶措施无特困供养",
        name_en="Monitored household on 特困供养 without a 特困供养 measure",
        when="n_tekun > 0 AND m_tekun = 0",
        values=(N_TEKUN,),
        message_zh="未消除风险的监测对象有 {n_tekun} 名成员享受特困供养，但帮扶措施未登记特困供养",
        message_en="{n_tekun} members of this monitored household receive 特困供养 but no 特困供养 measure is recorded",
    ),
    Rule(
        id="Q44-13", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("monitored", "eliminated"), years=R2, refs="R2 4_11_015, 5_16_005",
        name_zh="帮扶措施有低保但家中无人享受低保", name_en="低保 measure but nobody on 低保",
        when="m_dibao > 0 AND n_dibao = 0",
        values=(Value("measures", "m_dibao"), MEMBERS),
        message_zh="帮扶措施登记了 {measures} 项低保，但 {members} 名家庭成员均未享受低保",
        message_en="{measures} 低保 measures are recorded but none of the {members} members receives 低保",
    ),
    Rule(
        id="Q44-14", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("monitored", "eliminated"), years=R2, refs="R2 4_11_015, 5_16_006",
        name_zh="帮扶措施有特困供养但家中无人享受特困供养", name_en="特困供养 measure but nobody on 特困供养",
        when="m_tekun > 0 AND n_tekun = 0",
        values=(Value("measures", "m_tekun"), MEMBERS),
        message_zh="帮扶措施登记了 {measures} 项特困供养，但 {members} 名家庭成员均未享受特困供养",
        message_en="{measures} 特困供养 measures are recorded but none of the {members} members receives 特困供养",
    ),
    Rule(
        id="Q44-15", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("monitored",), years=R2, refs="R2 5_16_008",
        name_zh="一二级残疾且因残风险但未登记残疾人补贴",
        name_en="Grade 1-2 disability and disability risk without a disability allowance",
        when="risks_text LIKE '%\"disability\"%' AND q44_n_severe_disabled > 0 AND m_disability_allowance = 0",
        values=(Value("severe", "q44_n_severe_disabled"),),
        message_zh="有因残风险，家中有 {severe} 名一、二级残疾人，但帮扶措施未登记残疾人补贴",
        message_en="The household has a disability risk and {severe} members with grade 1 or 2 disabilities, "
                   "but no disability allowance measure is recorded",
    ),
    Rule(
        id="Q44-16", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("monitored", "eliminated"), years=R2, refs="R2 4_11_016",
        name_zh="登记残疾人补贴但家中无残疾人", name_en="Disability allowance without a disabled member",
        when="m_disability_allowance > 0 AND n_disabled = 0 AND q44_n_disability_cert = 0",
        values=(Value("measures", "m_disability_allowance"), MEMBERS),
        message_zh="帮扶措施登记了 {measures} 项残疾人补贴，但 {members} 名家庭成员中无残疾人（健康状况和残疾人证均无）",
        message_en="{measures} disability allowance measures are recorded but none of the {members} members is "
                   "disabled (by health status or disability certificate)",
    ),
    Rule(
        id="Q44-17", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 5_19_003, 5_19_007",
        name_zh="整户无劳动力但无人享受低保或特困供养", name_en="No labour in the household and nobody on 低保 or 特困供养",
        when=f"{NO_LABOUR_HOUSEHOLD} AND n_dibao = 0 AND n_tekun = 0",
        values=(MEMBERS,),
        message_zh="{members} 名家庭成员均为无劳动力或丧失劳动力，但无人享受低保或特困供养",
        message_en="All {members} members have no or lost labour ability but nobody receives 低保 or 特困供养",
    ),
    Rule(
        id="Q44-18", group="quality.assistance", scope=Scope.HOUSEHOLD, severity=Severity.ERROR,
        population=("monitored",), years=R2, refs="R2 5_11_033",
        name_zh="整户无劳动能力监测户未标记兜底保障", name_en="Monitored household without labour not flagged for the safety net",
        when=f"{NO_LABOUR_HOUSEHOLD} AND NOT COALESCE(no_labour_guaranteed, FALSE)",
        values=(MEMBERS,),
        message_zh="未消除风险的监测户 {members} 名成员均无劳动能力，但未标记为整户无劳动能力兜底保障户",
        message_en="All {members} members of this monitored household have no labour ability but it is not flagged "
                   "as a household without labour under the safety net",
    ),
    Rule(
        id="Q44-19", group="quality.assistance", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R2, refs="R2 5_15_018, 5_15_019",
        name_zh="健康非在校的青壮年享受特困供养", name_en="Healthy working-age adult not at school on 特困供养",
        when=f"{ON_TEKUN} AND health = 'healthy' AND COALESCE(school_status, '') = '' "
             "AND age >= th_q44_tekun_adult_age AND age < th_labour_age_max",
        values=(AGE, TEKUN, Value("health", "health", Kind.CODE, code_list="health")),
        message_zh="{age} 岁、健康状况为{health}的非在校生享受{tekun}",
        message_en="A member aged {age}, health {health}, not at school, receives {tekun}",
    ),
    Rule(
        id="Q44-20", group="quality.assistance", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 5_01_004, 5_12_003 (from the member's 务工状况)",
        name_zh="享受特困供养人员务工", name_en="Person on 特困供养 at work",
        when=f"{ON_TEKUN} AND {WORKING}",
        values=(AGE, TEKUN, Value("place", "work_place", Kind.CODE, code_list="work_place")),
        message_zh="享受{tekun}的 {age} 岁成员务工状况为{place}",
        message_en="A member aged {age} receiving {tekun} is working ({place})",
    ),
]
