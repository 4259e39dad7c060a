"""Data quality 4.5: labour ability, work and public-welfare posts (domain §4.5).

Labour ability against age, school and health (children, students and the old are not labourers;
healthy adults below the working-age limit are); the member's 务工状况 and 务工时间 against each
other, against labour ability and against the household's 工资性收入; public-welfare posts
(公益性岗位 and its months) against age, labour ability and work away from the county; employment
measures against the household's workers. The 贵州 checks on the monthly work records (月收入,
企业名称, 开始/结束时间…) need data the registry does not hold and are not implemented; where a
work-record check has a counterpart in the member's own 务工状况, that is checked instead.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.thresholds import threshold
from jingzhun.screening.features import WORKING

THRESHOLDS = [
    threshold("th_q45_welfare_post_max_age", _("Screening: public-welfare posts — flagged from age"), "70",
              "provincial", "R2 5_01_006 (70岁及以上脱贫人口参加公益性岗位)"),
]

NOT_WORKING = "COALESCE(work_place, '') IN ('', 'none')"
HAS_POST = "COALESCE(public_welfare_post, '') <> ''"
NO_LABOUR = "labour_ability IN ('lost', 'none')"
# Working age as the 贵州 rules read it: from 16 (included) to 60 (excluded).
WORKING_AGE = "age >= th_labour_age_min AND age < th_labour_age_max"
# Three posts or more: two separators in the post field.
THREE_POSTS = "REGEXP_MATCHES(COALESCE(public_welfare_post, ''), '[,，、;；/].*[,，、;；/]')"

AGE = Value("age", "age")
MIN_AGE = Value("min", "th_labour_age_min")
MAX_AGE = Value("max", "th_labour_age_max")
LABOUR = Value("labour", "labour_ability", Kind.CODE, code_list="labour_ability")
HEALTH = Value("health", "health", Kind.CODE, code_list="health")
SCHOOL = Value("school", "school_status", Kind.CODE, code_list="school_status")
PLACE = Value("place", "work_place", Kind.CODE, code_list="work_place")
MONTHS = Value("months", "work_months")
POST = Value("post", "public_welfare_post", Kind.TEXT)
POST_MONTHS = Value("post_months", "public_welfare_months")
WAGE = Value("wage", "COALESCE(wage_income, 0)", Kind.MONEY)

R5 = (2014, None)
R2 = (2021, None)

RULES = [
    # --- Labour ability against age, school and health ---
    Rule(
        id="Q45-01", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R2, refs="R2 2_01_011, 2_12_014",
        name_zh="未满16岁的成员不是无劳动力", name_en="Member under 16 recorded with labour ability",
        when="age < th_labour_age_min AND labour_ability IN ('ordinary', 'skilled', 'weak', 'lost')",
        values=(AGE, MIN_AGE, LABOUR),
        message_zh="{age} 岁（未满 {min} 岁）的成员劳动能力为{labour}，应为无劳动力",
        message_en="A member aged {age} (under {min}) has labour ability {labour}; it should be no labour ability",
    ),
    Rule(
        id="Q45-02", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R2, refs="R2 1111_07",
        name_zh="在校生不是无劳动力", name_en="Student recorded with labour ability",
        when="COALESCE(school_status, '') <> '' AND age >= th_labour_age_min "
             "AND labour_ability IN ('ordinary', 'skilled', 'weak', 'lost')",
        values=(AGE, SCHOOL, LABOUR),
        message_zh="{age} 岁的在校生（{school}）劳动能力为{labour}，应为无劳动力",
        message_en="A student aged {age} ({school}) has labour ability {labour}; it should be no labour ability",
    ),
    Rule(
        id="Q45-03", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 2_12_017, 2_12_005",
        name_zh="60岁及以上为普通或技能劳动力", name_en="Member aged 60 or more recorded as ordinary or skilled labour",
        when="age >= th_labour_age_max AND labour_ability IN ('ordinary', 'skilled')",
        values=(AGE, MAX_AGE, LABOUR),
        message_zh="{age} 岁（{max} 岁及以上）的成员劳动能力为{labour}",
        message_en="A member aged {age} ({max} or more) has labour ability {labour}",
    ),
    Rule(
        id="Q45-04", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-6; R2 2_01_005, 2_01_010, 5_12_008",
        name_zh="健康非在校青壮年为无劳动力或丧失劳动力",
        name_en="Healthy working-age member not at school without labour ability",
        when=f"{WORKING_AGE} AND health = 'healthy' AND COALESCE(school_status, '') = '' AND {NO_LABOUR}",
        values=(AGE, MIN_AGE, MAX_AGE, LABOUR),
        message_zh="{age} 岁（{min}-{max} 岁）、健康的非在校生劳动能力为{labour}",
        message_en="A healthy member aged {age} ({min} to under {max}), not at school, has labour ability {labour}",
    ),
    Rule(
        id="Q45-05", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R5, refs="R5-6; R2 1111_14, 1111_15, 5_12_008",
        name_zh="健康非在校青壮年为弱劳动力或半劳动力",
        name_en="Healthy working-age member not at school recorded as weak or half labour",
        when=f"{WORKING_AGE} AND health = 'healthy' AND COALESCE(school_status, '') = '' AND labour_ability = 'weak'",
        values=(AGE, MIN_AGE, MAX_AGE, LABOUR),
        message_zh="{age} 岁（{min}-{max} 岁）、健康的非在校生劳动能力为{labour}",
        message_en="A healthy member aged {age} ({min} to under {max}), not at school, has labour ability {labour}",
    ),
    Rule(
        id="Q45-06", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 4_01_007, 4_01_008",
        name_zh="一二级肢体残疾人为普通劳动力", name_en="Grade 1-2 limb disability recorded as ordinary labour",
        when="id_type = 'disability_cert' AND SUBSTR(id_number, 19, 2) IN ('41', '42') AND labour_ability = 'ordinary'",
        values=(AGE, LABOUR, Value("grade", "SUBSTR(id_number, 20, 1)", Kind.TEXT)),
        message_zh="{age} 岁的{grade}级（重度）肢体残疾人劳动能力为{labour}",
        message_en="A member aged {age} with a grade {grade} (severe) limb disability has labour ability {labour}",
    ),
    # --- 务工状况 and 务工时间 ---
    Rule(
        id="Q45-07", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-8",
        name_zh="务工时间不在0-12个月之间", name_en="Months of work outside 0-12",
        when="work_months < 0 OR work_months > 12",
        values=(MONTHS, PLACE),
        message_zh="务工时间为 {months} 个月（务工状况{place}），应在 0-12 个月之间",
        message_en="Months of work are {months} (work location {place}); they must be between 0 and 12",
    ),
    Rule(
        id="Q45-08", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-8",
        name_zh="有务工状况但无务工时间", name_en="Work location without months of work",
        when=f"{WORKING} AND COALESCE(work_months, 0) = 0",
        values=(PLACE, MONTHS),
        message_zh="务工状况为{place}，但务工时间为 {months} 个月",
        message_en="The work location is {place} but the months of work are {months}",
    ),
    Rule(
        id="Q45-09", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-8",
        name_zh="有务工时间但无务工状况", name_en="Months of work without a work location",
        when=f"work_months > 0 AND {NOT_WORKING}",
        values=(MONTHS, PLACE),
        message_zh="务工时间为 {months} 个月，但务工状况为{place}",
        message_en="Months of work are {months} but the work location is {place}",
    ),
    Rule(
        id="Q45-10", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R5, refs="R5-8; R2 2_01_015, 2_12_004",
        name_zh="无劳动力或丧失劳动力的成员务工", name_en="Member without labour ability at work",
        when=f"age >= th_labour_age_min AND {NO_LABOUR} AND {WORKING}",
        values=(AGE, LABOUR, PLACE),
        message_zh="{age} 岁的成员劳动能力为{labour}，但务工状况为{place}",
        message_en="A member aged {age} has labour ability {labour} but is working ({place})",
    ),
    Rule(
        id="Q45-11", group="quality.labour", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R5, refs="R5-8",
        name_zh="有工资性收入但无务工人员", name_en="Wage income without any worker",
        when="wage_income > 0 AND n_working = 0 AND n_welfare_post = 0",
        values=(WAGE, Value("members", "n_members")),
        message_zh="工资性收入为 {wage}，但 {members} 名家庭成员均未务工，也无公益性岗位",
        message_en="Wage income is {wage} but none of the {members} members works or holds a public-welfare post",
    ),
    Rule(
        id="Q45-12", group="quality.labour", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R5, refs="R5-8",
        name_zh="有务工人员但无工资性收入", name_en="Workers without wage income",
        when="n_working > 0 AND COALESCE(wage_income, 0) = 0",
        values=(Value("workers", "n_working"), WAGE),
        message_zh="有 {workers} 名家庭成员务工，但工资性收入为 {wage}",
        message_en="{workers} members work but the wage income is {wage}",
    ),
    Rule(
        id="Q45-13", group="quality.labour", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("eliminated",), years=R2, refs="R2 4_11_012",
        name_zh="风险消除户有就业或公益岗位帮扶但无工资性收入",
        name_en="Risk eliminated with employment or public-welfare post measures but no wage income",
        when="m_employment > 0 AND COALESCE(wage_income, 0) = 0",
        values=(Value("measures", "m_employment"), WAGE),
        message_zh="已消除风险，登记了 {measures} 项就业或公益性岗位帮扶，但工资性收入为 {wage}",
        message_en="The risk is eliminated with {measures} employment or public-welfare post measures, "
                   "but the wage income is {wage}",
    ),
    Rule(
        id="Q45-14", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 4_01_006, 4_12_002 (from the member's 务工状况)",
        name_zh="高中及以下在校生务工", name_en="Student at senior school or below at work",
        when="school_status IN ('preschool_child', 'preschool', 'primary', 'junior', 'senior', 'vocational') "
             f"AND age >= th_labour_age_min AND {WORKING}",
        values=(AGE, SCHOOL, PLACE),
        message_zh="{age} 岁的在校生（{school}）务工状况为{place}",
        message_en="A student aged {age} ({school}) is working ({place})",
    ),
    Rule(
        id="Q45-15", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R2, refs="R2 5_16_010 (from the member's 务工状况)",
        name_zh="未满16岁的成员务工", name_en="Member under 16 at work",
        when=f"age < th_labour_age_min AND {WORKING}",
        values=(AGE, MIN_AGE, PLACE),
        message_zh="{age} 岁（未满 {min} 岁）的成员务工状况为{place}",
        message_en="A member aged {age} (under {min}) is working ({place})",
    ),
    # --- 公益性岗位 ---
    Rule(
        id="Q45-16", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 5_01_003, 5_12_002 (from the member's 务工状况)",
        name_zh="公益性岗位人员在县外务工", name_en="Public-welfare post holder working outside the county",
        when=f"{HAS_POST} AND work_place IN ('province', 'outside')",
        values=(POST, PLACE),
        message_zh="在公益性岗位（{post}）就业，但务工状况为{place}",
        message_en="The member holds a public-welfare post ({post}) but works outside the county ({place})",
    ),
    Rule(
        id="Q45-17", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R2, refs="R2 3_01_005",
        name_zh="填写了公益性岗位月数但未填写岗位", name_en="Public-welfare post months without a post",
        when=f"public_welfare_months > 0 AND NOT {HAS_POST}",
        values=(POST_MONTHS,),
        message_zh="公益性岗位月数为 {post_months}，但未填写公益性岗位",
        message_en="Public-welfare post months are {post_months} but no post is recorded",
    ),
    Rule(
        id="Q45-18", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R2, refs="R2 3_01_006, 5_15_003",
        name_zh="填写了公益性岗位但未填写月数", name_en="Public-welfare post without months",
        when=f"{HAS_POST} AND COALESCE(public_welfare_months, 0) = 0",
        values=(POST, POST_MONTHS),
        message_zh="公益性岗位为{post}，但岗位月数为 {post_months}",
        message_en="The public-welfare post is {post} but its months are {post_months}",
    ),
    Rule(
        id="Q45-19", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R2, refs="domain §1.3 (公益性岗位(月数) within the year); R2 3_01_005",
        name_zh="公益性岗位月数超过12个月", name_en="Public-welfare post months outside 0-12",
        when="public_welfare_months < 0 OR public_welfare_months > 12",
        values=(POST, POST_MONTHS),
        message_zh="公益性岗位（{post}）月数为 {post_months}，应在 0-12 个月之间",
        message_en="The public-welfare post ({post}) has {post_months} months; they must be between 0 and 12",
    ),
    Rule(
        id="Q45-20", group="quality.labour", scope=Scope.PERSON, severity=Severity.ERROR,
        population=("registered",), years=R2, refs="R2 3_01_008, 5_12_004",
        name_zh="未满16岁的成员在公益性岗位就业", name_en="Member under 16 holding a public-welfare post",
        when=f"age < th_labour_age_min AND {HAS_POST}",
        values=(AGE, MIN_AGE, POST),
        message_zh="{age} 岁（未满 {min} 岁）的成员在公益性岗位（{post}）就业",
        message_en="A member aged {age} (under {min}) holds a public-welfare post ({post})",
    ),
    Rule(
        id="Q45-21", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 5_01_006",
        name_zh="70岁及以上成员在公益性岗位就业", name_en="Member aged 70 or more holding a public-welfare post",
        when=f"age >= th_q45_welfare_post_max_age AND {HAS_POST}",
        values=(AGE, Value("max", "th_q45_welfare_post_max_age"), POST),
        message_zh="{age} 岁（{max} 岁及以上）的成员在公益性岗位（{post}）就业",
        message_en="A member aged {age} ({max} or more) holds a public-welfare post ({post})",
    ),
    Rule(
        id="Q45-22", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 3_01_010, 3_01_011",
        name_zh="一人登记3种及以上公益性岗位", name_en="Three or more public-welfare posts for one person",
        when=THREE_POSTS,
        values=(POST,),
        message_zh="一人登记了 3 种及以上公益性岗位：{post}",
        message_en="Three or more public-welfare posts are recorded for one member: {post}",
    ),
    Rule(
        id="Q45-23", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 5_15_006",
        name_zh="无劳动力或丧失劳动力的成员在公益性岗位就业",
        name_en="Member without labour ability holding a public-welfare post",
        when=f"{NO_LABOUR} AND {HAS_POST}",
        values=(AGE, LABOUR, POST),
        message_zh="{age} 岁的成员劳动能力为{labour}，但在公益性岗位（{post}）就业",
        message_en="A member aged {age} with labour ability {labour} holds a public-welfare post ({post})",
    ),
    # --- Employment measures against the household's workers ---
    Rule(
        id="Q45-24", group="quality.labour", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 5_15_007",
        name_zh="整户无劳动力但登记就业帮扶", name_en="Employment measures for a household without labour",
        when="m_employment > 0 AND n_members > 0 AND n_no_labour = n_members",
        values=(Value("measures", "m_employment"), Value("members", "n_members")),
        message_zh="{members} 名家庭成员均为无劳动力或丧失劳动力，但登记了 {measures} 项就业或公益性岗位帮扶",
        message_en="All {members} members have no or lost labour ability but {measures} employment or "
                   "public-welfare post measures are recorded",
    ),
    Rule(
        id="Q45-25", group="quality.labour", scope=Scope.HOUSEHOLD, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 1111_3, 4_11_014",
        name_zh="登记就业或公益岗位帮扶但家中无人务工", name_en="Employment measures but nobody works",
        when="m_employment > 0 AND n_working = 0 AND n_welfare_post = 0",
        values=(Value("measures", "m_employment"), Value("members", "n_members")),
        message_zh="登记了 {measures} 项就业或公益性岗位帮扶，但 {members} 名家庭成员均未务工，也无公益性岗位",
        message_en="{measures} employment or public-welfare post measures are recorded but none of the {members} "
                   "members works or holds a post",
    ),
    Rule(
        id="Q45-26", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 5_20_028, 5_20_030",
        name_zh="大专及以上文化程度的劳动力未务工", name_en="Able member with college education not working",
        when=f"education IN ('college', 'bachelor') AND COALESCE(school_status, '') = '' AND {WORKING_AGE} "
             f"AND labour_ability IN ('ordinary', 'skilled') AND {NOT_WORKING} AND NOT {HAS_POST}",
        values=(AGE, Value("education", "education", Kind.CODE, code_list="education"), LABOUR),
        message_zh="{age} 岁、文化程度为{education}、劳动能力为{labour}的成员未务工就业",
        message_en="A member aged {age} with {education} education and labour ability {labour} does not work",
    ),
    Rule(
        id="Q45-27", group="quality.labour", scope=Scope.PERSON, severity=Severity.WARNING,
        population=("registered",), years=R2, refs="R2 5_20_029, 5_20_031",
        name_zh="技能劳动力未务工", name_en="Skilled labourer not working",
        when=f"labour_ability = 'skilled' AND {WORKING_AGE} AND {NOT_WORKING} AND NOT {HAS_POST}",
        values=(AGE, LABOUR, PLACE),
        message_zh="{age} 岁的成员劳动能力为{labour}，但务工状况为{place}",
        message_en="A member aged {age} has labour ability {labour} but the work location is {place}",
    ),
]
