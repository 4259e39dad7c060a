"""Data quality 4.7 — education plausibility (domain §4.7).

A member's 在校生状况 (school stage) must fit the age: the national problem list (R5-10, ≈2017) flags
students of 14 or younger at 高中 or above and of 20 or older still at 小学 or below; the 贵州 2023 checks
(R2 5_17_00x, 5_12_013–019) give an age band to every stage (小学 6–14, 七–九年级 12–17, 高中/中职 15–20,
高职高专/本科/研究生 from 18, 研究生 from 20, 学龄前 until 6) and flag young adults (16–22) whose 文化程度
is 小学 or below. 文化程度 (for non-students) and 在校生状况 exclude each other: both filled, or both
empty without a reason for not attending school, is an error (R2 3_01_002/3, 3_12_003/4). A reason
因病 / 因残 for a healthy child is contradictory (R2 2_01_012). A household with a 中职 / 高职 student
and an assistance plan without any education measure is flagged as a proxy for the missing 雨露计划
(R2 1111_2; the 雨露计划 list itself is not in the data).

Every age limit is a declared threshold (``th_q47_*``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.thresholds import threshold

GROUP = "quality.education"
R2_YEARS = (2021, None)
REGISTERED = ("registered",)

THRESHOLDS = [
    threshold("th_q47_r5_senior_age_min", _("Screening: students at senior secondary or above are at least (age)"),
              "15", "national", "R5-10 (在校生 ≤ 14 岁 at 高中及以上 is flagged)"),
    threshold("th_q47_r5_primary_age_max", _("Screening: students at primary school or below are at most (age)"),
              "19", "national", "R5-10 (在校生 ≥ 20 岁 at 小学及以下 is flagged)"),
    threshold("th_q47_primary_age_min", _("Screening: primary-school students from age"), "6", "provincial",
              "R2 5_17_00x (小学 6–14 岁)"),
    threshold("th_q47_primary_age_max", _("Screening: primary-school students to age"), "14", "provincial",
              "R2 5_17_00x (小学 6–14 岁)"),
    threshold("th_q47_junior_age_min", _("Screening: grade 7–9 students from age"), "12", "provincial",
              "R2 5_17_00x (七–九年级 12–17 岁)"),
    threshold("th_q47_junior_age_max", _("Screening: grade 7–9 students to age"), "17", "provincial",
              "R2 5_17_00x (七–九年级 12–17 岁)"),
    threshold("th_q47_senior_age_min", _("Screening: senior secondary / vocational students from age"), "15",
              "provincial", "R2 5_17_00x (高中/中职 15–20 岁)"),
    threshold("th_q47_senior_age_max", _("Screening: senior secondary / vocational students to age"), "20",
              "provincial", "R2 5_17_00x (高中/中职 15–20 岁)"),
    threshold("th_q47_higher_age_min", _("Screening: higher vocational / university students and graduates from age"),
              "18", "provincial", "R2 5_17_00x, 5_12_013–019 (技师/高职高专/本科及以上 under 18 flagged)"),
    threshold("th_q47_postgraduate_age_min", _("Screening: postgraduate students from age"), "20", "provincial",
              "R2 5_17_00x (硕士 under 20 flagged)"),
    threshold("th_q47_preschool_age_max", _("Screening: pre-school children to age"), "6", "provincial",
              "R2 5_17_00x (≥ 7 岁 still 学龄前/学前 flagged)"),
    threshold("th_q47_low_edu_age_min", _("Screening: young people with primary education or less — from age"), "16",
              "provincial", "R2 5_12_013–019 (16–22 岁 文化程度 小学及以下 flagged)"),
    threshold("th_q47_low_edu_age_max", _("Screening: young people with primary education or less — to age"), "22",
              "provincial", "R2 5_12_013–019 (16–22 岁 文化程度 小学及以下 flagged)"),
]

AGE = Value("age", "age")
SCHOOL = Value("school", "school_status", Kind.CODE, code_list="school_status")
EDUCATION = Value("education", "education", Kind.CODE, code_list="education")
HEALTH = Value("health", "health", Kind.CODE, code_list="health")

SENIOR_OR_ABOVE = "('senior', 'vocational', 'higher_vocational', 'undergraduate', 'postgraduate')"
PRIMARY_OR_BELOW = "('preschool_child', 'preschool', 'primary')"
HIGHER_STUDENT = "('higher_vocational', 'undergraduate', 'postgraduate')"
HIGHER_EDUCATION = "('technician', 'college', 'bachelor')"
REASON = "COALESCE(out_of_school_reason, '')"
# 因病 / 因残 (free text in the registry; codes accepted too).
REASON_PHYSICAL = f"({REASON} IN ('illness', 'disability') OR INSTR({REASON}, '病') > 0 OR INSTR({REASON}, '残') > 0)"


def _band(seq: str, stage_zh: str, stage_en: str, codes: str, low: str, high: str, refs: str) -> Rule:
    """A school stage outside its age band (R2 5_17_00x)."""
    return Rule(
        id=f"Q47-{seq}", group=GROUP, scope=Scope.PERSON, severity=Severity.WARNING, population=REGISTERED,
        years=R2_YEARS, refs=refs,
        name_zh=f"{stage_zh}在校生年龄不符", name_en=f"{stage_en} student of an implausible age",
        when=f"school_status IN {codes} AND (age < {low} OR age > {high})",
        values=(SCHOOL, AGE, Value("low", low), Value("high", high)),
        message_zh="在校生状况为{school}，年龄 {age} 岁，不在 {low}–{high} 岁之间",
        message_en="School status {school} at age {age}, outside {low}–{high}",
    )


RULES = [
    Rule(
        id="Q47-01", group=GROUP, scope=Scope.PERSON, severity=Severity.WARNING, population=REGISTERED,
        refs="R5-10",
        name_zh="14岁及以下就读高中及以上", name_en="Student aged 14 or under at senior secondary or above",
        when=f"school_status IN {SENIOR_OR_ABOVE} AND age < th_q47_r5_senior_age_min",
        values=(SCHOOL, AGE, Value("min", "th_q47_r5_senior_age_min")),
        message_zh="在校生状况为{school}，但年龄仅 {age} 岁（不足 {min} 岁）",
        message_en="School status {school} but only {age} years old (under {min})",
    ),
    Rule(
        id="Q47-02", group=GROUP, scope=Scope.PERSON, severity=Severity.WARNING, population=REGISTERED,
        refs="R5-10",
        name_zh="20岁及以上仍在小学及以下", name_en="Aged 20 or over still at primary school or below",
        when=f"school_status IN {PRIMARY_OR_BELOW} AND age > th_q47_r5_primary_age_max",
        values=(SCHOOL, AGE, Value("max", "th_q47_r5_primary_age_max")),
        message_zh="年龄 {age} 岁（超过 {max} 岁），在校生状况仍为{school}",
        message_en="Aged {age} (over {max}) but school status is still {school}",
    ),
    _band("03", "小学", "Primary-school", "('primary')", "th_q47_primary_age_min", "th_q47_primary_age_max",
          "R2 5_17_00x"),
    _band("04", "七至九年级", "Grade 7–9", "('junior')", "th_q47_junior_age_min", "th_q47_junior_age_max",
          "R2 5_17_00x"),
    _band("05", "高中或中职", "Senior secondary or vocational", "('senior', 'vocational')", "th_q47_senior_age_min",
          "th_q47_senior_age_max", "R2 5_17_00x"),
    Rule(
        id="Q47-06", group=GROUP, scope=Scope.PERSON, severity=Severity.WARNING, population=REGISTERED,
        years=R2_YEARS, refs="R2 5_17_00x",
        name_zh="未满18岁就读高职高专或本科及以上", name_en="Under 18 at higher vocational school or university",
        when=f"school_status IN {HIGHER_STUDENT} AND age < th_q47_higher_age_min",
        values=(SCHOOL, AGE, Value("min", "th_q47_higher_age_min")),
        message_zh="在校生状况为{school}，但年龄仅 {age} 岁（不足 {min} 岁）",
        message_en="School status {school} but only {age} years old (under {min})",
    ),
    Rule(
        id="Q47-07", group=GROUP, scope=Scope.PERSON, severity=Severity.WARNING, population=REGISTERED,
        years=R2_YEARS, refs="R2 5_12_013–019",
        name_zh="未满18岁文化程度为技师、大专或本科及以上", name_en="Under 18 with technician, college or university education",
        when=f"education IN {HIGHER_EDUCATION} AND age < th_q47_higher_age_min",
        values=(EDUCATION, AGE, Value("min", "th_q47_higher_age_min")),
        message_zh="文化程度为{education}，但年龄仅 {age} 岁（不足 {min} 岁）",
        message_en="Education {education} but only {age} years old (under {min})",
    ),
    Rule(
        id="Q47-08", group=GROUP, scope=Scope.PERSON, severity=Severity.WARNING, population=REGISTERED,
        years=R2_YEARS, refs="R2 5_17_00x",
        name_zh="未满20岁就读研究生", name_en="Postgraduate student under 20",
        when="school_status = 'postgraduate' AND age < th_q47_postgraduate_age_min",
        values=(SCHOOL, AGE, Value("min", "th_q47_postgraduate_age_min")),
        message_zh="在校生状况为{school}，但年龄仅 {age} 岁（不足 {min} 岁）",
        message_en="School status {school} but only {age} years old (under {min})",
    ),
    Rule(
        id="Q47-09", group=GROUP, scope=Scope.PERSON, severity=Severity.WARNING, population=REGISTERED,
        years=R2_YEARS, refs="R2 5_17_00x",
        name_zh="7岁及以上仍为学龄前", name_en="Aged 7 or over still pre-school",
        when="school_status IN ('preschool_child', 'preschool') AND age > th_q47_preschool_age_max",
        values=(SCHOOL, AGE, Value("max", "th_q47_preschool_age_max")),
        message_zh="年龄 {age} 岁（超过 {max} 岁），在校生状况仍为{school}",
        message_en="Aged {age} (over {max}) but school status is still {school}",
    ),
    Rule(
        id="Q47-10", group=GROUP, scope=Scope.PERSON, severity=Severity.WARNING, population=REGISTERED,
        years=R2_YEARS, refs="R2 5_12_013–019",
        name_zh="16至22岁文化程度为小学及以下", name_en="Aged 16–22 with primary education or less",
        when="education IN ('illiterate', 'primary') AND age BETWEEN th_q47_low_edu_age_min AND th_q47_low_edu_age_max",
        values=(EDUCATION, AGE, Value("low", "th_q47_low_edu_age_min"), Value("high", "th_q47_low_edu_age_max")),
        message_zh="年龄 {age} 岁（{low}–{high} 岁），文化程度为{education}",
        message_en="Aged {age} ({low}–{high}) with education {education}",
    ),
    Rule(
        id="Q47-11", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        years=R2_YEARS, refs="R2 3_01_002, 3_12_003",
        name_zh="文化程度与在校生状况同时填写", name_en="Both education and school status filled",
        when="COALESCE(education, '') <> '' AND COALESCE(school_status, '') <> ''",
        values=(EDUCATION, SCHOOL, AGE),
        message_zh="文化程度（{education}）与在校生状况（{school}）不能同时填写（{age} 岁）",
        message_en="Education ({education}) and school status ({school}) are both filled (aged {age})",
    ),
    Rule(
        id="Q47-12", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        years=R2_YEARS, refs="R2 3_01_003, 3_12_004",
        name_zh="文化程度、在校生状况和未上学原因均为空", name_en="Education, school status and reason all empty",
        when=f"COALESCE(education, '') = '' AND COALESCE(school_status, '') = '' AND {REASON} = ''",
        values=(AGE,),
        message_zh="文化程度、在校生状况和未上学原因均未填写（{age} 岁）",
        message_en="Education, school status and the reason for not attending school are all empty (aged {age})",
    ),
    Rule(
        id="Q47-13", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        years=R2_YEARS, refs="R2 2_01_012",
        name_zh="未上学原因为因病或因残但健康", name_en="Out of school for illness or disability but healthy",
        when=f"{REASON_PHYSICAL} AND health = 'healthy'",
        values=(Value("reason", "out_of_school_reason", Kind.TEXT), HEALTH, AGE),
        message_zh="未上学原因为“{reason}”，但健康状况为{health}（{age} 岁）",
        message_en="Reason for not attending school is '{reason}' but health is {health} (aged {age})",
    ),
    Rule(
        id="Q47-14", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        years=R2_YEARS, refs="R2 1111_2 (proxy: the 雨露计划 list is not in the data)",
        name_zh="有中高职在校生但帮扶计划无教育帮扶", name_en="Vocational student but no education measure in the plan",
        when="n_vocational_students > 0 AND m_count > 0 AND m_education = 0",
        values=(Value("students", "n_vocational_students"), Value("measures", "m_count")),
        message_zh="家中有 {students} 名中职或高职在校生，帮扶计划有 {measures} 项措施，但无教育帮扶（雨露计划）",
        message_en="{students} member(s) at vocational school; the plan has {measures} measure(s) but none for education "
                   "(雨露计划)",
    ),
]
