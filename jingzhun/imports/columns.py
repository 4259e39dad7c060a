"""The spreadsheet layout, declared once: one row per member, household fields repeated on each
row (as the national exports and village forms write them). The same declaration produces the
template, reads headers (Chinese as in the exports, English aliases), parses cells and names the
column in every error. No Django here except the code lists passed in by the caller.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from jingzhun.registry.income import INCOME_ITEMS

HOUSEHOLD, PERSON, HOUSEHOLD_YEAR, PERSON_YEAR = "household", "person", "household_year", "person_year"


@dataclass(frozen=True)
class Column:
    key: str  # model field name
    entity: str
    zh: str  # the header written in templates and reports
    kind: str = "text"  # text | code | date | int | money | bool | decimal | causes
    code_list: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()  # other Chinese headers seen in exports, and English names

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.zh, self.key, *self.aliases)


def _c(key: str, entity: str, zh: str, kind: str = "text", code_list: str = "", required: bool = False,
       *aliases: str) -> Column:
    return Column(key, entity, zh, kind, code_list, required, aliases)


INCOME_ZH = {
    "wage_income": "工资性收入", "business_income": "生产经营性收入", "property_income": "财产性收入",
    "transfer_family_planning": "计划生育金", "transfer_dibao": "低保金", "transfer_tekun": "特困供养金",
    "transfer_pension": "养老保险金", "transfer_eco_compensation": "生态补偿金", "transfer_other": "其他转移性收入",
    "business_expense": "生产经营性支出", "claims_income": "理赔收入", "compliant_out_of_pocket": "合规自付支出",
}

COLUMNS: tuple[Column, ...] = (
    _c("household_number", HOUSEHOLD, "户编号", "text", "", True, "household number"),
    _c("area_code", HOUSEHOLD, "行政区划代码", "text", "", True, "村代码", "所在村代码", "area code", "village code"),
    _c("group_name", HOUSEHOLD, "所在组", "text", "", False, "村民小组", "villager group"),
    _c("natural_village", HOUSEHOLD, "自然村", "text", "", False, "natural village"),
    _c("address", HOUSEHOLD, "住址", "text", "", False, "家庭住址", "address"),
    _c("phone", HOUSEHOLD, "联系电话", "text", "", False, "户联系电话", "household phone"),
    _c("bank_name", HOUSEHOLD, "开户银行", "text", "", False, "bank"),
    _c("bank_account", HOUSEHOLD, "银行账号", "text", "", False, "bank account"),
    _c("is_military_family", HOUSEHOLD, "是否军烈属", "bool", "", False, "military family"),
    _c("is_relocated", HOUSEHOLD, "是否易地扶贫搬迁户", "bool", "", False, "relocated"),
    _c("name", PERSON, "姓名", "text", "", True, "name"),
    _c("sex", PERSON, "性别", "code", "sex", False, "sex"),
    _c("id_type", PERSON, "证件类型", "code", "id_type", False, "ID type"),
    _c("id_number", PERSON, "证件号码", "text", "", True, "身份证号码", "身份证号", "ID number"),
    _c("birth_date", PERSON, "出生日期", "date", "", False, "birth date"),
    _c("relation", PERSON, "与户主关系", "code", "relation", True, "relationship to head", "relation"),
    _c("ethnicity", PERSON, "民族", "code", "ethnicity", False, "ethnic group"),
    _c("political_status", PERSON, "政治面貌", "code", "political_status", False, "political status"),
    _c("person_phone", PERSON, "成员联系电话", "text", "", False, "本人联系电话", "member phone"),
    _c("is_soldier", PERSON, "是否现役军人", "bool", "", False, "soldier"),
    _c("status", PERSON, "成员状态", "code", "member_status", False, "member status"),
    _c("year", HOUSEHOLD_YEAR, "年度", "int", "", False, "year"),
    _c("hh_status", HOUSEHOLD_YEAR, "户状态", "code", "household_status", False, "户类型", "household status"),
    _c("identification_standard", HOUSEHOLD_YEAR, "识别标准", "code", "identification_standard", False, "identification standard"),
    _c("household_attribute", HOUSEHOLD_YEAR, "贫困户属性", "code", "household_attribute", False, "household attribute"),
    _c("main_cause", HOUSEHOLD_YEAR, "主要致贫原因", "code", "poverty_cause", False, "main cause"),
    _c("other_causes", HOUSEHOLD_YEAR, "其他致贫原因", "causes", "poverty_cause", False, "other causes"),
    _c("identification_year", HOUSEHOLD_YEAR, "识别年度", "int", "", False, "identification year"),
    _c("exit_year", HOUSEHOLD_YEAR, "脱贫年度", "int", "", False, "exit year"),
    _c("monitoring_type", HOUSEHOLD_YEAR, "监测对象类别", "code", "monitoring_type", False, "monitoring type"),
    _c("size_end", HOUSEHOLD_YEAR, "年底家庭人口数", "int", "", False, "household size"),
    *(_c(k, HOUSEHOLD_YEAR, INCOME_ZH[k], "money", "", False, k.replace("_", " ")) for k in INCOME_ITEMS),
    _c("arable_land_mu", HOUSEHOLD_YEAR, "耕地面积", "decimal", "", False, "arable land"),
    _c("housing_area_m2", HOUSEHOLD_YEAR, "住房面积", "decimal", "", False, "housing area"),
    _c("is_dangerous_house", HOUSEHOLD_YEAR, "是否危房户", "bool", "", False, "dangerous house"),
    _c("danger_level", HOUSEHOLD_YEAR, "危房等级", "code", "danger_level", False, "dangerous-house grade"),
    _c("drinking_water_safe", HOUSEHOLD_YEAR, "饮水是否安全", "bool", "", False, "是否解决安全饮用水", "safe water"),
    _c("living_electricity", HOUSEHOLD_YEAR, "是否通生活用电", "bool", "", False, "electricity"),
    _c("health", PERSON_YEAR, "健康状况", "code", "health", False, "health"),
    _c("labour_ability", PERSON_YEAR, "劳动技能", "code", "labour_ability", False, "劳动能力", "labour ability"),
    _c("education", PERSON_YEAR, "文化程度", "code", "education", False, "education"),
    _c("school_status", PERSON_YEAR, "在校生状况", "code", "school_status", False, "school status"),
    _c("work_place", PERSON_YEAR, "务工状况", "code", "work_place", False, "work location"),
    _c("work_months", PERSON_YEAR, "务工时间（月）", "int", "", False, "务工时间", "months worked"),
    _c("resident_medical_insurance", PERSON_YEAR, "是否参加城乡居民基本医疗保险", "bool", "", False, "resident medical insurance"),
    _c("serious_illness_insurance", PERSON_YEAR, "是否参加大病保险", "bool", "", False, "serious illness insurance"),
    _c("resident_pension_insurance", PERSON_YEAR, "是否参加城乡居民基本养老保险", "bool", "", False, "resident pension insurance"),
    _c("dibao", PERSON_YEAR, "享受低保政策情况", "code", "assistance_status", False, "是否享受低保", "minimum living guarantee"),
    _c("tekun", PERSON_YEAR, "享受特困供养政策情况", "code", "assistance_status", False, "destitute support"),
)

BY_KEY = {c.key: c for c in COLUMNS}
HEADER_JUNK = re.compile(r"[\s　*＊:：]+")  # left out when headers and codes are compared
# Invisible characters pasted in from other systems; PostgreSQL cannot store NUL at all. Tab and line
# breaks (Alt+Enter in Excel) are allowed.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CAUSE_SEPARATORS = re.compile(r"[、,，;；/\s]+")  # between the causes of one cell


def normalise_header(text: Any) -> str:
    """Header text as compared: no spaces or asterisks, full-width brackets as half-width, lower case."""
    value = HEADER_JUNK.sub("", str(text or "")).replace("（", "(").replace("）", ")")
    return value.lower()


HEADER_INDEX = {normalise_header(h): c for c in COLUMNS for h in c.headers}


@dataclass
class HeaderMap:
    columns: dict[int, Column]  # position in the file → column
    unknown: list[str]
    missing: list[Column]
    duplicated: list[str]


def map_headers(header_row: list[Any]) -> HeaderMap:
    columns: dict[int, Column] = {}
    unknown: list[str] = []
    duplicated: list[str] = []
    seen: set[str] = set()
    for position, text in enumerate(header_row):
        if text in (None, ""):
            continue
        column = HEADER_INDEX.get(normalise_header(text))
        if column is None:
            unknown.append(str(text))
        elif column.key in seen:
            duplicated.append(str(text))
        else:
            seen.add(column.key)
            columns[position] = column
    missing = [c for c in COLUMNS if c.required and c.key not in seen]
    return HeaderMap(columns, unknown, missing, duplicated)


TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×"}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")


class CellError(ValueError):
    """A cell that cannot be read; ``code`` names the reason (see imports.validate.MESSAGES)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_cell(column: Column, value: Any, code_lookup: dict[str, dict[str, str]]) -> Any:
    """The typed value of a cell, or raises CellError. Empty cells give None."""
    if isinstance(value, dt.datetime | dt.date) and column.kind == "date":
        return value.date() if isinstance(value, dt.datetime) else value
    text = cell_text(value)
    if text == "":
        return None
    if CONTROL_CHARACTERS.search(text):
        raise CellError("control_character")
    kind = column.kind
    if kind == "text":
        return text
    if kind == "code":
        code = code_lookup[column.code_list].get(normalise_header(text))
        if code is None:
            raise CellError("unknown_code")
        return code
    if kind == "causes":
        parts = [p for p in CAUSE_SEPARATORS.split(text) if p]
        codes = []
        for part in parts:
            code = code_lookup[column.code_list].get(normalise_header(part))
            if code is None:
                raise CellError("unknown_code")
            codes.append(code)
        return codes
    if kind == "date":
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date)
            except ValueError:
                continue
        raise CellError("date")
    if kind == "int":
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise CellError("integer") from exc
        if number != number.to_integral_value():
            raise CellError("integer")
        return int(number)
    if kind in ("money", "decimal"):
        try:
            number = Decimal(text.replace(",", "").replace("，", ""))
        except InvalidOperation as exc:
            raise CellError("number") from exc
        if not number.is_finite():
            raise CellError("number")
        return number
    if kind == "bool":
        lowered = text.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise CellError("boolean")
    raise AssertionError(kind)
