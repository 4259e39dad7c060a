"""What a screening rule is: one declaration that every engine runs unchanged.

A rule is a SQL boolean expression (``when``) over the feature table of its scope (``features``:
``person_f``, ``household_f``, ``village_f``, ``county_f``), the values that explain a hit (``values``,
SQL expressions over the same table), and a sentence in Chinese and English with ``{name}``
placeholders for those values. The SQL is written in a small portable subset (comparisons, CASE,
COALESCE, NULLIF, IN, LIKE, SUBSTR, INSTR, LENGTH, YEAR/MONTH, arithmetic, REGEXP_MATCHES): DuckDB runs
it as written, Spark runs it after ``sqlglot`` transpiles it, and the record-by-record Python engine
interprets it row by row (``engines``). Thresholds are never written into a rule: they are columns
of the ``params`` table (policy parameters resolved for each county and year) that every feature
table carries, so a county's own monitoring line or a western province's 3 % apply by themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Scope(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"
    VILLAGE = "village"
    COUNTY = "county"


class Severity(StrEnum):
    ERROR = "error"  # wrong data or a rule broken: must be corrected or exempted
    WARNING = "warning"  # implausible, to be checked on the spot
    INFO = "info"  # a finding (eligible, ready to exit, at risk), not a fault


class Kind(StrEnum):
    """How a value is shown in the sentence."""

    MONEY = "money"  # 3,120 元 / 3,120 yuan
    NUMBER = "number"  # 3 / 3.5
    PERCENT = "percent"  # 2.31%
    YEAR = "year"
    CODE = "code"  # a code of ``code_list``, shown by its label
    TEXT = "text"
    FLAGS = "flags"  # comma-separated keys of ``flags``, shown as a list of their labels


NUMERIC_KINDS = (Kind.MONEY, Kind.NUMBER, Kind.PERCENT, Kind.YEAR)
# Value slots every rule's result is fitted into, so that all rules of a scope run as one query.
NUMBER_SLOTS = 6
TEXT_SLOTS = 4


@dataclass(frozen=True)
class Value:
    name: str
    sql: str
    kind: Kind = Kind.NUMBER
    code_list: str = ""
    flags: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (zh, en)

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


@dataclass(frozen=True)
class Rule:
    """One rule of the catalogue. ``id`` is ours and stable; ``refs`` names the national (R5-x), 贵州
    2023 (R2 x_xx_xxx), 甘肃 (G) or form (F) rules it implements (domain §4)."""

    id: str
    group: str
    scope: Scope
    name_zh: str
    name_en: str
    when: str
    message_zh: str
    message_en: str
    values: tuple[Value, ...] = ()
    population: tuple[str, ...] = ()  # keys of POPULATIONS; empty = every unit of the scope
    severity: Severity = Severity.ERROR
    years: tuple[int | None, int | None] = (None, None)  # first and last year it is valid for
    regions: tuple[str, ...] = ()  # area-code prefixes it is valid for; empty = everywhere
    refs: str = ""
    needs: tuple[str, ...] = ()  # data it needs that may not exist yet (see DATA_SOURCES)
    # For decisions (eligibility, exit): what would change it — a value naming the gap to the
    # nearest threshold, shown after the sentence.
    change_zh: str = ""
    change_en: str = ""
    # When the value named here is 0 or empty, the change sentence is ``change_else_*`` instead
    # (say, income already above the line: only the other items remain).
    change_needs: str = ""
    change_else_zh: str = ""
    change_else_en: str = ""

    def valid_for(self, year: int, area_code: str | None = None) -> bool:
        first, last = self.years
        if first is not None and year < first:
            return False
        if last is not None and year > last:
            return False
        if self.regions and area_code:
            # A run over a smaller area than the rule's region, or inside it, keeps the rule;
            # the engine still restricts its hits to the region.
            return any(area_code.startswith(r) or r.startswith(area_code.rstrip("0")) for r in self.regions)
        return True

    def placeholders(self) -> set[str]:
        found = set()
        for text in (self.message_zh, self.message_en, self.change_zh, self.change_en, self.change_else_zh,
                     self.change_else_en):
            found.update(re.findall(r"{(\w+)}", text))
        return found


# Data from other departments (domain §4.12): rules that need them stay switched off until a
# comparison file has been loaded. None of these is in the registry itself.
DATA_SOURCES: dict[str, tuple[str, str]] = {
    "public_employees": ("财政供养人员名单（财政、编办、组织人社）", "List of salaried public employees"),
    "vehicles": ("车辆登记（公安车管）", "Vehicle registrations (public security)"),
    "town_property": ("城镇商品房、门面房登记（住建、不动产）", "Town property registrations"),
    "business_registry": ("工商注册（市场监管）", "Business registrations (market regulation)"),
    "village_cadres": ("村两委干部名单（组织部门）", "Village committee members"),
}

# Populations a rule applies to, as conditions on a feature table's ``status`` / ``monitoring_type``
# (household statuses of the code list ``household_status``).
POPULATIONS: dict[str, tuple[str, str, str]] = {
    # key: (SQL condition, zh, en)
    "poor": ("status IN ('poor', 'pre_exit', 'returned')", "贫困户", "Poor households"),
    "exited": ("status = 'exited' OR (status = 'monitored' AND monitoring_type = 'unstable_exited')",
               "脱贫户", "Households out of poverty"),
    "registered": ("status IN ('poor', 'pre_exit', 'returned', 'exited', 'monitored', 'risk_eliminated')",
                   "建档立卡户及监测对象", "Registered and monitored households"),
    "monitored": ("status = 'monitored'", "监测对象", "Monitored households"),
    "eliminated": ("status = 'risk_eliminated'", "风险消除户", "Households whose risk was eliminated"),
    "general": ("status = 'general'", "一般农户", "Other rural households"),
    "not_monitored": ("status IN ('exited', 'general')", "脱贫户和一般农户（未纳入监测）",
                      "Exited and other households not monitored"),
    "poor_village": ("standing = 'poor'", "贫困村", "Poor villages"),
    "exited_village": ("standing = 'exited'", "出列村", "Villages that have exited"),
    "poor_county": ("standing = 'poor'", "贫困县", "Poor counties"),
}

GROUPS: dict[str, tuple[str, str]] = {
    "eligibility": ("识别条件", "Eligibility for identification"),
    "exclusion": ("不得识别（部门比对）", "Exclusions (department data)"),
    "exit": ("退出条件", "Exit readiness"),
    "monitoring": ("防止返贫监测", "Return-to-poverty monitoring"),
    "quality.identity": ("4.1 身份与家庭结构", "4.1 Identity and structure"),
    "quality.required": ("4.2 必填项", "4.2 Required fields"),
    "quality.causes": ("4.3 致贫原因与风险", "4.3 Causes and risks"),
    "quality.assistance": ("4.4 低保特困", "4.4 Social assistance"),
    "quality.labour": ("4.5 劳动力与务工", "4.5 Labour and work"),
    "quality.income": ("4.6 收入", "4.6 Income"),
    "quality.education": ("4.7 教育", "4.7 Education"),
    "quality.guarantees": ("4.8 两不愁三保障", "4.8 Basic guarantees"),
    "quality.process": ("4.9 监测帮扶过程", "4.9 Monitoring and assistance process"),
    "quality.land": ("4.10 土地与距离", "4.10 Land and distance"),
}


def group_matches(rule_group: str, wanted: str) -> bool:
    """``quality`` selects every ``quality.*`` group; a full name selects that group."""
    return rule_group == wanted or rule_group.startswith(wanted + ".")
