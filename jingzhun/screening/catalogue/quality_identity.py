"""Data quality 4.1 — identity and household structure (domain §4.1).

ID numbers: length (15, 18, 20 or 22 characters; 15-digit numbers must be upgraded to 18), characters,
the 18-digit checksum (also on the first 18 characters of a 20/22-character 残疾人证号), the birth date
and sex it encodes, missing and placeholder (999999…) numbers, the same person registered twice
(R5-2, R5-11; R2 1_01_001–004, 1_12_001–002, 4_01_003). Household structure: no head or several, two
spouses, head and spouse of the same sex, relationship against sex (之子 ⇒ 男, 之女 ⇒ 女 …), the
household's member count against its members, empty households (R5-3, R5-10; R2 2_01_004, 2_02_001,
2_11_003, 2_12_008, 3_02_011/012, 3_11_002; G). 残疾 without a 残疾人证 and certificate type against
number length (R5-3; R2 4_01_002, 4_12_003). Phones: workers' numbers must be 11-digit mobiles, one
number used by several households, by members working inside and outside the county, and the contact
phone of monitored households (R2 2_01_013/014, 2_12_007, 5_13_003, 5_15_021/022).

Not implemented (no data): 贫困户空挂 (R5-10: whether the household lives there), member rows without a
household (the feature tables only hold members of existing households), the area split of
duplicates (within county / city / province: the snapshot only tells how often a number occurs).
"""

from __future__ import annotations

from jingzhun.registry.codelists import load_seed
from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.features import WORKING, Aggregate

GROUP = "quality.identity"
REGISTERED = ("registered",)
R2_YEARS = (2021, None)

# Relations whose sex is implied (code list ``relation``: attribute ``sex``).
_RELATIONS = load_seed()["relation"]["items"]
MALE_RELATIONS = tuple(item["code"] for item in _RELATIONS if item.get("sex") == "1")
FEMALE_RELATIONS = tuple(item["code"] for item in _RELATIONS if item.get("sex") == "2")


def _in(codes: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{c}'" for c in codes) + ")"


def _all_digits(expr: str, length: int) -> str:
    """``expr`` is exactly ``length`` digits (no regular expression: portable)."""
    checks = " AND ".join(f"INSTR('0123456789', SUBSTR({expr}, {i}, 1)) > 0" for i in range(1, length + 1))
    return f"(LENGTH({expr}) = {length} AND {checks})"


def eleven_digits(expr: str) -> str:
    return _all_digits(f"COALESCE({expr}, '')", 11)


def mobile(expr: str) -> str:
    """An 11-digit mainland mobile number: ^1[3-9]\\d{9}$ (R2 2_12_007, 5_13_003)."""
    value = f"COALESCE({expr}, '')"
    return f"({eleven_digits(expr)} AND SUBSTR({value}, 1, 1) = '1' AND INSTR('3456789', SUBSTR({value}, 2, 1)) > 0)"


HAS_ID = "COALESCE(id_number, '') <> ''"
NOT_PLACEHOLDER = "NOT COALESCE(id_placeholder, FALSE)"
IN_COUNTY = "work_place IN ('township', 'county')"
OUT_OF_COUNTY = "work_place IN ('province', 'outside')"
WITH_PHONE = "COALESCE(phone, '') <> ''"

MEMBER_AGGREGATES = [
    # ID numbers (first 18 characters) filled in, and how many distinct ones: fewer distinct = a duplicate.
    Aggregate("q41_n_ids", HAS_ID),
    Aggregate("q41_n_distinct_ids",
              sql=f"COUNT(DISTINCT CASE WHEN {HAS_ID} THEN UPPER(SUBSTR(id_number, 1, 18)) END)"),
    # Distinct phones of members working inside the county, outside it, and of all workers: a phone in
    # both sets makes the first two add up to more than the third.
    Aggregate("q41_phones_in_county", sql=f"COUNT(DISTINCT CASE WHEN {IN_COUNTY} AND {WITH_PHONE} THEN phone END)"),
    Aggregate("q41_phones_out_county",
              sql=f"COUNT(DISTINCT CASE WHEN {OUT_OF_COUNTY} AND {WITH_PHONE} THEN phone END)"),
    Aggregate("q41_phones_working",
              sql=f"COUNT(DISTINCT CASE WHEN ({IN_COUNTY} OR {OUT_OF_COUNTY}) AND {WITH_PHONE} THEN phone END)"),
]

NAME = Value("name", "name", Kind.TEXT)
ID = Value("id", "id_number", Kind.TEXT)
ID_LEN = Value("len", "id_len")
SEX = Value("sex", "sex", Kind.CODE, code_list="sex")
RELATION = Value("relation", "relation", Kind.CODE, code_list="relation")
PHONE = Value("phone", "phone", Kind.TEXT)
WORK_PLACE = Value("work_place", "work_place", Kind.CODE, code_list="work_place")
MEMBERS = Value("members", "n_members")

RULES = [
    # -- ID numbers ---------------------------------------------------------------------------------
    Rule(
        id="Q41-01", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-2; R2 1_01_002",
        name_zh="证件号码位数错误", name_en="ID number of a wrong length",
        when=f"{HAS_ID} AND {NOT_PLACEHOLDER} AND id_len NOT IN (15, 18, 20, 22)",
        values=(NAME, ID, ID_LEN),
        message_zh="{name}的证件号码 {id} 为 {len} 位，应为 18 位（残疾人证 20 或 22 位）",
        message_en="{name}'s ID number {id} has {len} characters; it should have 18 (20 or 22 for a disability certificate)",
    ),
    Rule(
        id="Q41-02", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-2; R2 1_01_002",
        name_zh="15 位身份证号码未升位", name_en="15-digit ID number not upgraded to 18 digits",
        when=f"{NOT_PLACEHOLDER} AND id_len = 15",
        values=(NAME, ID),
        message_zh="{name}的身份证号码 {id} 为 15 位旧号码，应升级为 18 位",
        message_en="{name}'s ID number {id} is an old 15-digit number and must be upgraded to 18 digits",
    ),
    Rule(
        id="Q41-03", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-2; R2 1_01_003",
        name_zh="证件号码含非法字符", name_en="ID number with invalid characters",
        when=f"{NOT_PLACEHOLDER} AND id_len >= 18 "
             "AND (id_digits < 17 OR INSTR('0123456789X', UPPER(SUBSTR(id_number, 18, 1))) = 0)",
        values=(NAME, ID),
        message_zh="{name}的证件号码 {id} 前 17 位不全是数字或第 18 位不是数字或 X",
        message_en="{name}'s ID number {id}: the first 17 characters are not all digits or the 18th is not a digit or X",
    ),
    Rule(
        id="Q41-04", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-2; R2 1_01_003, 1_12_002",
        name_zh="身份证号码校验位错误", name_en="ID number fails its check digit",
        when=f"{NOT_PLACEHOLDER} AND id_len = 18 AND NOT COALESCE(id_check_ok, TRUE)",
        values=(NAME, ID),
        message_zh="{name}的身份证号码 {id} 校验位错误",
        message_en="{name}'s ID number {id} fails its check digit",
    ),
    Rule(
        id="Q41-05", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R2 1_01_004",
        name_zh="残疾人证号前 18 位校验错误", name_en="Disability certificate number fails the ID check digit",
        when=f"{NOT_PLACEHOLDER} AND id_len IN (20, 22) AND NOT COALESCE(id_check_ok, TRUE)",
        values=(NAME, ID, ID_LEN),
        message_zh="{name}的 {len} 位残疾人证号 {id} 前 18 位不是有效的身份证号码（校验位错误）",
        message_en="The first 18 characters of {name}'s {len}-character disability certificate number {id} "
                   "are not a valid ID number (check digit)",
    ),
    Rule(
        id="Q41-06", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-2; domain §1.3 出生日期",
        name_zh="出生日期与证件号码不符", name_en="Birth date does not match the ID number",
        when=f"{NOT_PLACEHOLDER} AND NOT COALESCE(id_birth_ok, TRUE)",
        values=(NAME, ID, Value("id_birth", "SUBSTR(id_number, 7, 8)", Kind.TEXT),
                Value("birth_year", "birth_year", Kind.YEAR)),
        message_zh="{name}登记的出生日期（{birth_year} 年）与证件号码 {id} 中的出生日期 {id_birth} 不一致",
        message_en="{name}'s recorded birth date (year {birth_year}) differs from the date {id_birth} in the ID number {id}",
    ),
    Rule(
        id="Q41-07", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-2; R5-10",
        name_zh="性别与证件号码不符", name_en="Sex does not match the ID number",
        when=f"{NOT_PLACEHOLDER} AND NOT COALESCE(id_sex_ok, TRUE)",
        values=(NAME, ID, SEX),
        message_zh="{name}登记性别为{sex}，与证件号码 {id} 第 17 位表示的性别不一致",
        message_en="{name} is recorded as {sex}, which the 17th digit of the ID number {id} contradicts",
    ),
    Rule(
        id="Q41-08", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R2 4_01_003; R5-3",
        name_zh="无证件号码", name_en="No ID number",
        when=f"NOT ({HAS_ID})",
        values=(NAME, RELATION),
        message_zh="{name}（{relation}）没有证件号码", message_en="{name} ({relation}) has no ID number",
    ),
    Rule(
        id="Q41-09", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R2 4_01_003",
        name_zh="证件号码为占位号码（999999 开头）", name_en="Placeholder ID number (starting 999999)",
        when="COALESCE(id_placeholder, FALSE)",
        values=(NAME, ID),
        message_zh="{name}的证件号码 {id} 以 999999 开头，是占位号码而非真实证件号码",
        message_en="{name}'s ID number {id} starts with 999999: a placeholder, not a real number",
    ),
    Rule(
        id="Q41-10", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-11; R2 1_01_001, 1_12_001",
        name_zh="人员重复（证件号码重复）", name_en="Person registered more than once (same ID number)",
        when=f"{HAS_ID} AND {NOT_PLACEHOLDER} AND same_id > 1",
        values=(NAME, ID, Value("times", "same_id")),
        message_zh="{name}的证件号码 {id}（前 18 位）在数据中出现 {times} 次",
        message_en="{name}'s ID number {id} (first 18 characters) occurs {times} times in the data",
    ),
    Rule(
        id="Q41-11", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-11; R2 1_01_001",
        name_zh="同一户内人员重复登记", name_en="Same person listed twice in one household",
        when="q41_n_ids > q41_n_distinct_ids",
        values=(Value("ids", "q41_n_ids"), Value("distinct", "q41_n_distinct_ids")),
        message_zh="户内 {ids} 条成员记录只有 {distinct} 个不同证件号码，有成员重复登记",
        message_en="The household's {ids} member records carry only {distinct} distinct ID numbers: a member is listed twice",
    ),
    # -- Household structure ------------------------------------------------------------------------
    Rule(
        id="Q41-12", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-3; R2 3_02_012",
        name_zh="户无户主", name_en="Household without a head",
        when="n_members > 0 AND n_heads = 0",
        values=(MEMBERS,),
        message_zh="户内 {members} 名成员中没有与户主关系为“户主”的成员",
        message_en="None of the household's {members} members is recorded as its head",
    ),
    Rule(
        id="Q41-13", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-3; R2 3_02_011, 3_11_002",
        name_zh="一户多个户主", name_en="Household with more than one head",
        when="n_heads > 1",
        values=(Value("heads", "n_heads"),),
        message_zh="户内有 {heads} 名成员登记为户主", message_en="{heads} members of the household are recorded as its head",
    ),
    Rule(
        id="Q41-14", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-10",
        name_zh="一户多个配偶", name_en="Household with more than one spouse",
        when="n_spouses > 1",
        values=(Value("spouses", "n_spouses"),),
        message_zh="户内有 {spouses} 名成员登记为户主的配偶",
        message_en="{spouses} members of the household are recorded as the head's spouse",
    ),
    Rule(
        id="Q41-15", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-10; R2 2_02_001, 2_11_003, 2_12_008",
        name_zh="户主与配偶性别相同", name_en="Head and spouse of the same sex",
        when="head_sex = spouse_sex",
        values=(Value("sex", "head_sex", Kind.CODE, code_list="sex"),),
        message_zh="户主与配偶性别相同（均为{sex}）", message_en="The head and the spouse are of the same sex (both {sex})",
    ),
    Rule(
        id="Q41-16", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-10; R2 2_01_004, 2_12_008",
        name_zh="与户主关系为男性称谓但性别为女", name_en="Male relationship recorded for a woman",
        when=f"relation IN {_in(MALE_RELATIONS)} AND sex = '2'",
        values=(NAME, RELATION, SEX),
        message_zh="{name}与户主关系为{relation}，性别却登记为{sex}",
        message_en="{name} is recorded as the head's {relation} but as {sex}",
    ),
    Rule(
        id="Q41-17", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-10; R2 2_01_004, 2_12_008",
        name_zh="与户主关系为女性称谓但性别为男", name_en="Female relationship recorded for a man",
        when=f"relation IN {_in(FEMALE_RELATIONS)} AND sex = '1'",
        values=(NAME, RELATION, SEX),
        message_zh="{name}与户主关系为{relation}，性别却登记为{sex}",
        message_en="{name} is recorded as the head's {relation} but as {sex}",
    ),
    Rule(
        id="Q41-18", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="G (甘肃 2014 审核: 户人数与成员数不符)",
        name_zh="户人口数与成员记录数不符", name_en="Household member count differs from its member records",
        when="member_count <> n_members",
        values=(Value("count", "member_count"), MEMBERS),
        message_zh="户登记人口数为 {count} 人，但在户成员记录有 {members} 条",
        message_en="The household's member count is {count} but it has {members} member records living in the household",
    ),
    Rule(
        id="Q41-19", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        refs="G (甘肃 2014 审核: 户人数与成员数不符)",
        name_zh="年底家庭人口数与成员数不符", name_en="Year-end household size differs from the members",
        when="size_end <> n_members",
        values=(Value("size", "size_end"), MEMBERS, Value("year", "year", Kind.YEAR)),
        message_zh="{year} 年底家庭人口数填报 {size} 人，在户成员为 {members} 人",
        message_en="The {year} year-end household size is {size} but {members} members live in the household",
    ),
    Rule(
        id="Q41-20", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="G (甘肃 2014 审核: 空户)",
        name_zh="空户（无在户成员）", name_en="Empty household (no member living in it)",
        when="n_members = 0",
        values=(Value("status", "status", Kind.CODE, code_list="household_status"),),
        message_zh="该户（{status}）没有任何在户成员", message_en="This household ({status}) has no member living in it",
    ),
    # -- Disability certificate ---------------------------------------------------------------------
    Rule(
        id="Q41-21", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="R5-3; R2 4_01_002, 4_12_003",
        name_zh="健康状况为残疾但无残疾人证", name_en="Disabled without a disability certificate",
        when="health = 'disabled' AND COALESCE(id_type, '') <> 'disability_cert' AND COALESCE(id_len, 0) NOT IN (20, 22)",
        values=(NAME, Value("id_type", "id_type", Kind.CODE, code_list="id_type")),
        message_zh="{name}健康状况为残疾，但证件类型为{id_type}，未登记残疾人证",
        message_en="{name} is recorded as disabled but the ID document is a {id_type}, not a disability certificate",
    ),
    Rule(
        id="Q41-22", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        refs="domain §1.3 证件号码; R2 1_01_002, 1_01_004",
        name_zh="证件类型与号码位数不符", name_en="ID document type does not match the number's length",
        when=f"{NOT_PLACEHOLDER} AND ((id_type = 'disability_cert' AND id_len NOT IN (20, 22)) "
             "OR (id_type = 'resident_id' AND id_len IN (20, 22)))",
        values=(NAME, ID, ID_LEN, Value("id_type", "id_type", Kind.CODE, code_list="id_type")),
        message_zh="{name}的证件类型为{id_type}，证件号码 {id} 却为 {len} 位（身份证 18 位，残疾人证 20 或 22 位）",
        message_en="{name}'s ID document is a {id_type} but the number {id} has {len} characters "
                   "(18 for an ID card, 20 or 22 for a disability certificate)",
    ),
    # -- Phones ---------------------------------------------------------------------------------------
    Rule(
        id="Q41-23", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        years=R2_YEARS, refs="R2 2_01_013",
        name_zh="务工人员联系电话不是 11 位数字", name_en="Worker's phone is not 11 digits",
        when=f"{WORKING} AND {WITH_PHONE} AND NOT {eleven_digits('phone')}",
        values=(NAME, PHONE, WORK_PLACE),
        message_zh="{name}（{work_place}）的联系电话 {phone} 不是 11 位手机号码",
        message_en="{name} ({work_place}) has the phone number {phone}, which is not an 11-digit mobile number",
    ),
    Rule(
        id="Q41-24", group=GROUP, scope=Scope.PERSON, severity=Severity.ERROR, population=REGISTERED,
        years=R2_YEARS, refs="R2 2_01_014, 2_12_007",
        name_zh="务工人员联系电话不符合手机号码规则", name_en="Worker's phone is not a valid mobile number",
        when=f"{WORKING} AND {eleven_digits('phone')} AND NOT {mobile('phone')}",
        values=(NAME, PHONE, WORK_PLACE),
        message_zh="{name}（{work_place}）的联系电话 {phone} 不符合手机号码规则（1 开头，第二位 3–9）",
        message_en="{name} ({work_place}) has the phone number {phone}, which is not a mobile number "
                   "(1 then 3–9 as the first two digits)",
    ),
    Rule(
        id="Q41-25", group=GROUP, scope=Scope.PERSON, severity=Severity.WARNING, population=REGISTERED,
        years=R2_YEARS, refs="R2 5_15_022",
        name_zh="不同户登记同一联系电话", name_en="Same phone number in different households",
        when=f"{WITH_PHONE} AND phone_households > 1",
        values=(NAME, PHONE, Value("households", "phone_households")),
        message_zh="{name}的联系电话 {phone} 同时登记在 {households} 户中",
        message_en="{name}'s phone number {phone} is recorded in {households} different households",
    ),
    Rule(
        id="Q41-26", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        years=R2_YEARS, refs="R2 5_15_021",
        name_zh="县内外务工成员登记同一联系电话", name_en="Same phone for members working inside and outside the county",
        when="q41_phones_in_county + q41_phones_out_county > q41_phones_working",
        values=(Value("shared", "q41_phones_in_county + q41_phones_out_county - q41_phones_working"),),
        message_zh="有 {shared} 个联系电话同时登记给县内务工和县外务工的家庭成员，务工地不同但电话相同",
        message_en="{shared} phone number(s) are recorded for members working inside and outside the county alike",
    ),
    Rule(
        id="Q41-27", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=("monitored",),
        years=R2_YEARS, refs="R2 5_13_003",
        name_zh="监测对象户联系电话不符合规则", name_en="Monitored household's phone is not a valid mobile number",
        when=f"COALESCE(household_phone, '') <> '' AND NOT {mobile('household_phone')}",
        values=(Value("phone", "household_phone", Kind.TEXT),),
        message_zh="监测对象户的联系电话 {phone} 不是有效的 11 位手机号码",
        message_en="The monitored household's phone number {phone} is not a valid 11-digit mobile number",
    ),
]
