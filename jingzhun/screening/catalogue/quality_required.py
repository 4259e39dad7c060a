"""Data quality 4.2 — required fields left empty (domain §4.2), one rule per field.

Members (R5-3): an annual record, 民族, 文化程度 (non-students), 在校生状况 (ages 6–23, up to
``th_q42_school_status_max_age``), 健康状况, 劳动能力 (working age up to ``th_q42_labour_required_max_age``);
2021+ 是否参加大病保险 and the pension insurances (not both empty) (R2 2_01_006/007, 5_19_001).
Households (R5-3): 主要致贫原因 (poor and exited households), 是否通生产用电, 是否加入农民专业合作社, 与村主干路距离,
入户路类型, 住房面积, 是否通生活用电, 饮水是否困难, 饮水是否安全, 主要燃料类型, 有无卫生厕所; 2021+ 是否危房户, the land
areas (耕地, 林地, 退耕还林, 林果, 牧草地, 水面), a contact phone (R2 3_02_002–009/013, 5_14_015–021, 5_19_002–006).
Monitoring objects: 识别监测时间, 工资性收入, 致贫/返贫风险 (R2 1_11_001/002). Form rules (F, R5-4): 其他致贫原因 must differ
from 主要 and from each other; 识别标准 filled.

"Empty" is NULL for numbers and yes/no fields and NULL or '' for codes. An empty 在校生状况 means 非在校生
in this registry, so a member aged 6–23 is flagged only when neither 在校生状况, 文化程度 nor 未上学原因 says
whether and why they are (not) at school.

Not implemented (no data): the "风险消除后" copies of income and status fields (R2 1_11_004), 信息采集人及电话
(1_11_011); 三保障和饮水 status of monitoring objects is covered by the household fields above.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.thresholds import threshold
from jingzhun.screening.features import Aggregate

GROUP = "quality.required"
REGISTERED = ("registered",)
MONITORED = ("monitored", "eliminated")
CAUSE_HOLDERS = ("poor", "exited")  # households identified as poor keep their cause of poverty
R2_YEARS = (2021, None)

THRESHOLDS = [
    threshold("th_q42_school_status_max_age", _("Screening: school status required up to age"), "23", "national",
              "R5-3 (在校生状况为空, 6–23 岁)"),
    threshold("th_q42_labour_required_max_age", _("Screening: labour ability required up to age"), "65", "national",
              "R5-3 (劳动能力为空, 16–65 岁)"),
]

MEMBER_AGGREGATES = [
    Aggregate("q42_n_phone", "COALESCE(phone, '') <> ''"),
]

NAME = Value("name", "name", Kind.TEXT)
AGE = Value("age", "age")
YEAR = Value("year", "year", Kind.YEAR)
MEMBERS = Value("members", "n_members")
STATUS = Value("status", "status", Kind.CODE, code_list="household_status")


def _empty(column: str, kind: str) -> str:
    return f"COALESCE({column}, '') = ''" if kind == "code" else f"{column} IS NULL"


def _household(number: int, column: str, kind: str, zh: str, en: str, refs: str, *,
               years: tuple[int | None, int | None] = (None, None),
               population: tuple[str, ...] = REGISTERED) -> Rule:
    """A household-year field that must be filled in."""
    return Rule(
        id=f"Q42-{number:02d}", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=population,
        years=years, refs=refs, name_zh=f"“{zh}”为空", name_en=f"{en} is empty",
        when=_empty(column, kind), values=(YEAR,),
        message_zh=f"{{year}} 年户信息“{zh}”未填写", message_en=f"{en} is not filled in for {{year}}",
    )


RULES = [
    # -- Members ------------------------------------------------------------------------------------
    Rule(
        id="Q42-01", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-3",
        name_zh="成员缺少年度信息", name_en="Member without an annual record",
        when="NOT has_year",
        values=(NAME, YEAR),
        message_zh="{name}没有 {year} 年度的成员信息（健康、劳动能力、在校、务工、参保等全部为空）",
        message_en="{name} has no member record for {year} (health, labour, schooling, work and insurance all empty)",
    ),
    Rule(
        id="Q42-02", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-3",
        name_zh="民族为空", name_en="Ethnic group is empty",
        when="COALESCE(ethnicity, '') = ''",
        values=(NAME,),
        message_zh="{name}的民族未填写", message_en="{name}'s ethnic group is not filled in",
    ),
    Rule(
        id="Q42-03", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-3",
        name_zh="非在校生文化程度为空", name_en="Education of a non-student is empty",
        when="has_year AND age > th_q42_school_status_max_age AND COALESCE(school_status, '') = '' "
             "AND COALESCE(education, '') = ''",
        values=(NAME, AGE),
        message_zh="{name}（{age} 岁）不是在校生，文化程度未填写",
        message_en="{name} (aged {age}) is not a student and the education level is not filled in",
    ),
    Rule(
        id="Q42-04", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-3",
        name_zh="6–23 岁成员在校生状况为空", name_en="School status of a member aged 6–23 is empty",
        when="has_year AND age BETWEEN th_school_age_min AND th_q42_school_status_max_age "
             "AND COALESCE(school_status, '') = '' AND COALESCE(education, '') = '' "
             "AND COALESCE(out_of_school_reason, '') = ''",
        values=(NAME, AGE, Value("min", "th_school_age_min"), Value("max", "th_q42_school_status_max_age")),
        message_zh="{name}（{age} 岁，{min}–{max} 岁须填在校生状况）在校生状况、文化程度和未上学原因均未填写",
        message_en="{name} (aged {age}; school status is required from {min} to {max}) has no school status, "
                   "education level or reason for not attending school",
    ),
    Rule(
        id="Q42-05", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-3",
        name_zh="健康状况为空", name_en="Health is empty",
        when="has_year AND COALESCE(health, '') = ''",
        values=(NAME,),
        message_zh="{name}的健康状况未填写", message_en="{name}'s health is not filled in",
    ),
    Rule(
        id="Q42-06", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-3",
        name_zh="劳动年龄成员劳动能力为空", name_en="Labour ability of a working-age member is empty",
        when="has_year AND age BETWEEN th_labour_age_min AND th_q42_labour_required_max_age "
             "AND COALESCE(labour_ability, '') = ''",
        values=(NAME, AGE, Value("min", "th_labour_age_min"), Value("max", "th_q42_labour_required_max_age")),
        message_zh="{name}（{age} 岁）的劳动能力未填写（{min}–{max} 岁必填）",
        message_en="{name} (aged {age}) has no labour ability recorded (required from {min} to {max})",
    ),
    Rule(
        id="Q42-07", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        years=R2_YEARS, refs="R2 2_01_007, 5_19_001",
        name_zh="城乡居民和职工养老保险均为空", name_en="Both pension-insurance fields are empty",
        when="has_year AND resident_pension_insurance IS NULL AND employee_pension_insurance IS NULL",
        values=(NAME,),
        message_zh="{name}“是否参加城乡居民基本养老保险”和“是否参加城镇职工基本养老保险”均未填写",
        message_en="Neither of {name}'s pension-insurance fields (residents' or employees' basic pension) is filled in",
    ),
    Rule(
        id="Q42-08", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        years=R2_YEARS, refs="R2 2_01_006",
        name_zh="是否参加大病保险为空", name_en="Serious-illness insurance is empty",
        when="has_year AND serious_illness_insurance IS NULL",
        values=(NAME,),
        message_zh="{name}“是否参加大病保险”未填写", message_en="{name}'s serious-illness insurance field is not filled in",
    ),
    # -- Causes of poverty (form rules) -----------------------------------------------------------
    Rule(
        id="Q42-09", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=CAUSE_HOLDERS,
        refs="R5-3; F (主要致贫原因 exactly one)",
        name_zh="主要致贫原因为空", name_en="Main cause of poverty is empty",
        when="COALESCE(main_cause, '') = ''",
        values=(STATUS,),
        message_zh="该户（{status}）未填写主要致贫原因", message_en="The main cause of poverty of this household ({status}) is not filled in",
    ),
    Rule(
        id="Q42-10", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-4; F",
        name_zh="其他致贫原因与主要致贫原因相同", name_en="Other cause of poverty repeats the main cause",
        when="COALESCE(main_cause, '') <> '' AND (other_cause_1 = main_cause OR other_cause_2 = main_cause)",
        values=(Value("cause", "main_cause", Kind.CODE, code_list="poverty_cause"),),
        message_zh="其他致贫原因与主要致贫原因重复（均为{cause}）",
        message_en="An other cause of poverty repeats the main cause ({cause})",
    ),
    Rule(
        id="Q42-11", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-4; F (其他致贫原因 ≤ 2)",
        name_zh="两项其他致贫原因相同", name_en="The two other causes of poverty are the same",
        when="COALESCE(other_cause_1, '') <> '' AND other_cause_1 = other_cause_2",
        values=(Value("cause", "other_cause_1", Kind.CODE, code_list="poverty_cause"),),
        message_zh="两项其他致贫原因相同（均为{cause}）", message_en="Both other causes of poverty are {cause}",
    ),
    Rule(
        id="Q42-12", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=CAUSE_HOLDERS,
        refs="F (识别标准 single choice)",
        name_zh="识别标准为空", name_en="Identification standard is empty",
        when="COALESCE(identification_standard, '') = ''",
        values=(STATUS,),
        message_zh="该户（{status}）未填写识别标准（国家、省定或市定标准）",
        message_en="The identification standard (national, provincial or city) of this household ({status}) is not filled in",
    ),
    # -- Production and living conditions (R5-3) ------------------------------------------------
    _household(13, "production_electricity", "bool", "是否通生产用电", "Production electricity", "R5-3"),
    _household(14, "in_cooperative", "bool", "是否加入农民专业合作社", "Cooperative membership", "R5-3"),
    _household(15, "distance_to_road_km", "number", "与村主干路距离", "Distance to the village main road",
               "R5-3; R2 3_02_013, 5_14_021"),
    _household(16, "road_type", "code", "入户路类型", "Access road type", "R5-3; R2 3_02_007, 5_19_004"),
    _household(17, "housing_area_m2", "number", "住房面积", "Housing area", "R5-3; R2 3_02_008, 5_19_005"),
    _household(18, "living_electricity", "bool", "是否通生活用电", "Household electricity", "R5-3"),
    _household(19, "drinking_water_difficult", "bool", "饮水是否困难", "Drinking-water difficulty", "R5-3"),
    _household(20, "drinking_water_safe", "bool", "饮水是否安全", "Drinking-water safety", "R5-3; R2 3_02_002, 5_19_002"),
    _household(21, "fuel_type", "code", "主要燃料类型", "Main fuel", "R5-3"),
    _household(22, "sanitary_toilet", "bool", "有无卫生厕所", "Sanitary toilet", "R5-3; R2 3_02_003"),
    # -- 2021+ additions (R2) ---------------------------------------------------------------------
    _household(23, "is_dangerous_house", "bool", "是否危房户", "Dangerous-house flag", "R2 3_02_009, 5_19_006",
               years=R2_YEARS),
    _household(24, "arable_land_mu", "number", "耕地面积", "Arable land area", "R2 3_02_004, 5_14_015", years=R2_YEARS),
    _household(25, "forest_land_mu", "number", "林地面积", "Forest land area", "R2 5_14_016", years=R2_YEARS),
    _household(26, "grain_to_forest_mu", "number", "退耕还林面积", "Grain-to-forest area", "R2 5_14_017",
               years=R2_YEARS),
    _household(27, "orchard_mu", "number", "林果面积", "Orchard area", "R2 3_02_005, 5_14_018", years=R2_YEARS),
    _household(28, "pasture_mu", "number", "牧草地面积", "Pasture area", "R2 3_02_006, 5_14_019", years=R2_YEARS),
    _household(29, "water_surface_mu", "number", "水面面积", "Water-surface area", "R2 5_14_020", years=R2_YEARS),
    Rule(
        id="Q42-30", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        years=R2_YEARS, refs="R2 2_01_013, 5_13_003 (联系电话为空)",
        name_zh="无联系电话", name_en="No contact phone",
        when="COALESCE(household_phone, '') = '' AND q42_n_phone = 0",
        values=(MEMBERS,),
        message_zh="户联系电话和 {members} 名成员的联系电话均未填写",
        message_en="Neither the household nor any of its {members} members has a phone number",
    ),
    # -- Monitoring objects (R2 1_11_001/002) ---------------------------------------------------
    Rule(
        id="Q42-31", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=MONITORED,
        years=R2_YEARS, refs="R2 1_11_002",
        name_zh="识别监测时间为空", name_en="Monitoring start date is empty",
        when="monitoring_month IS NULL",
        values=(STATUS,),
        message_zh="该户（{status}）未填写识别监测时间", message_en="The monitoring start date of this household ({status}) is not filled in",
    ),
    Rule(
        id="Q42-32", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=MONITORED,
        years=R2_YEARS, refs="R2 1_11_002",
        name_zh="监测对象工资性收入为空", name_en="Wage income of a monitored household is empty",
        when="wage_income IS NULL",
        values=(YEAR,),
        message_zh="监测对象 {year} 年工资性收入未填写（无收入应填 0）",
        message_en="The monitored household's {year} wage income is not filled in (enter 0 when there is none)",
    ),
    Rule(
        id="Q42-33", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=MONITORED,
        years=R2_YEARS, refs="R2 1_11_001",
        name_zh="监测对象致贫返贫风险为空", name_en="Risk type of a monitored household is empty",
        when="COALESCE(risks_text, '') IN ('', '[]')",
        values=(STATUS,),
        message_zh="该户（{status}）未填写致贫/返贫风险类型", message_en="No poverty risk is recorded for this household ({status})",
    ),
]
