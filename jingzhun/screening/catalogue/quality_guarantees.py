"""Data quality 4.8 — 两不愁三保障 on exited and risk-eliminated households (domain §4.8, §3.6).

A household out of poverty must have the basic guarantees assured. The national problem list (R5-1,
≈2017; here for 2014–2020) flags exited households with income below the year's line, a child of
compulsory-school age out of school without a reason, a dangerous house, unsolved drinking water, a
因病 household with members lacking 大病保险, and (every year) no housing area. From 2021 the 贵州
checks (R2 1_02_001–003, 1_02_005, 1_02_007) flag 脱贫户 not monitored whose house is dangerous, water
unsolved, medical or 大病 insurance missing, and 脱贫户 with an out-of-school child or no household
electricity (2_02_002); households whose risk was eliminated must not keep a dangerous house, unsafe
water, an out-of-school child or an uninsured member (1_11_005–008, 1_02_008/9).

"Out of school" is the system check of R2 1_02_005: a member of compulsory-school age
(``th_school_age_min``–``th_school_age_max``) with empty 在校生状况 and empty 未上学原因 (``n_dropout``).
"""

from __future__ import annotations

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value

GROUP = "quality.guarantees"
R5_YEARS = (2014, 2020)
R2_YEARS = (2021, None)
EXITED = ("exited",)
ELIMINATED = ("eliminated",)
ELIMINATED_REFS = "R2 1_11_005–008, 1_02_008/9 (which id is which item is not known)"
NOT_MONITORED = "status = 'exited'"  # 脱贫户 not (yet) monitored: the population "exited" minus 脱贫不稳定户

WATER_UNSOLVED = "(NOT COALESCE(drinking_water_safe, TRUE) OR COALESCE(drinking_water_difficult, FALSE))"
WATER_FLAGS = {"unsafe": ("饮水不安全", "water not safe"), "difficult": ("饮水困难", "water hard to get")}
WATER = Value("water", "CONCAT(CASE WHEN NOT COALESCE(drinking_water_safe, TRUE) THEN 'unsafe,' ELSE '' END, "
                       "CASE WHEN COALESCE(drinking_water_difficult, FALSE) THEN 'difficult,' ELSE '' END)",
              Kind.FLAGS, flags=WATER_FLAGS)
DANGER = Value("level", "COALESCE(danger_level, '')", Kind.TEXT)
DROPOUT = Value("n", "n_dropout")
AGE_MIN = Value("low", "th_school_age_min")
AGE_MAX = Value("high", "th_school_age_max")
UNINSURED = Value("n", "n_uninsured")
NO_SERIOUS = Value("n", "n_no_serious_insurance")
ILLNESS_CAUSE = "(main_cause = '1' OR other_cause_1 = '1' OR other_cause_2 = '1')"


def _rule(seq: str, *, population: tuple[str, ...], years: tuple[int | None, int | None], refs: str, name_zh: str,
          name_en: str, when: str, values: tuple[Value, ...], message_zh: str, message_en: str) -> Rule:
    return Rule(id=f"Q48-{seq}", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=population,
                years=years, refs=refs, name_zh=name_zh, name_en=name_en, when=when, values=values,
                message_zh=message_zh, message_en=message_en)


RULES = [
    # R5-1 (2014–2020): exited households.
    _rule("01", population=EXITED, years=R5_YEARS, refs="R5-1",
          name_zh="脱贫户人均纯收入低于扶贫标准", name_en="Exited household below the poverty line",
          when="per_capita_net_income < poverty_line",
          values=(Value("pc", "per_capita_net_income", Kind.MONEY), Value("line", "poverty_line", Kind.MONEY),
                  Value("year", "year", Kind.YEAR)),
          message_zh="脱贫户人均纯收入 {pc}低于 {year} 年扶贫标准 {line}",
          message_en="Exited household with net income per person {pc}, below the {year} poverty line of {line}"),
    _rule("02", population=EXITED, years=R5_YEARS, refs="R5-1; R2 1_02_005",
          name_zh="脱贫户有义务教育阶段适龄儿童失学辍学", name_en="Exited household with a child out of school",
          when="n_dropout > 0", values=(DROPOUT, AGE_MIN, AGE_MAX),
          message_zh="脱贫户有 {n} 名 {low}–{high} 岁成员未在校且未填写未上学原因",
          message_en="Exited household with {n} member(s) aged {low}–{high} not at school and no reason given"),
    _rule("03", population=EXITED, years=R5_YEARS, refs="R5-1",
          name_zh="脱贫户仍住危房", name_en="Exited household in a dangerous house",
          when="COALESCE(is_dangerous_house, FALSE)", values=(DANGER,),
          message_zh="脱贫户登记为危房户（危房等级 {level}）",
          message_en="Exited household registered in a dangerous house (grade {level})"),
    _rule("04", population=EXITED, years=R5_YEARS, refs="R5-1",
          name_zh="脱贫户饮水安全未解决", name_en="Exited household without safe drinking water",
          when=WATER_UNSOLVED, values=(WATER,),
          message_zh="脱贫户{water}", message_en="Exited household: {water}"),
    _rule("05", population=EXITED, years=R5_YEARS, refs="R5-1",
          name_zh="因病脱贫户有成员未参加大病保险", name_en="Exited household poor through illness, members without serious-illness insurance",
          when=f"{ILLNESS_CAUSE} AND n_no_serious_insurance > 0", values=(NO_SERIOUS,),
          message_zh="致贫原因为因病，但有 {n} 名成员未参加大病保险",
          message_en="Poor through illness, but {n} member(s) without serious-illness insurance"),
    _rule("06", population=EXITED, years=(2014, None), refs="R5-1",
          name_zh="脱贫户住房面积为0或空", name_en="Exited household without housing area",
          when="COALESCE(housing_area_m2, 0) <= 0",
          values=(Value("area", "housing_area_m2"),),
          message_zh="脱贫户住房面积登记为 {area}（平方米），住房安全无法认定",
          message_en="Exited household with a housing area of {area} m²: safe housing cannot be established"),
    # R2 (2021+): 脱贫户 not monitored.
    _rule("07", population=EXITED, years=R2_YEARS, refs="R2 1_02_001",
          name_zh="脱贫户为危房户但未纳入监测", name_en="Exited household in a dangerous house, not monitored",
          when=f"{NOT_MONITORED} AND COALESCE(is_dangerous_house, FALSE)", values=(DANGER,),
          message_zh="脱贫户登记为危房户（危房等级 {level}），但未纳入监测",
          message_en="Exited household in a dangerous house (grade {level}) and not monitored"),
    _rule("08", population=EXITED, years=R2_YEARS, refs="R2 1_02_002",
          name_zh="脱贫户饮水安全未解决但未纳入监测", name_en="Exited household without safe water, not monitored",
          when=f"{NOT_MONITORED} AND {WATER_UNSOLVED}", values=(WATER,),
          message_zh="脱贫户{water}，但未纳入监测", message_en="Exited household: {water}, and not monitored"),
    _rule("09", population=EXITED, years=R2_YEARS, refs="R2 1_02_003",
          name_zh="脱贫户有成员未参加大病保险且未纳入监测",
          name_en="Exited household with members lacking serious-illness insurance, not monitored",
          when=f"{NOT_MONITORED} AND n_no_serious_insurance > 0", values=(NO_SERIOUS,),
          message_zh="脱贫户有 {n} 名成员未参加大病保险，但未纳入监测",
          message_en="{n} member(s) of the exited household lack serious-illness insurance; not monitored"),
    _rule("10", population=EXITED, years=R2_YEARS, refs="R2 1_02_007",
          name_zh="脱贫户有成员未参加基本医疗保险且未纳入监测",
          name_en="Exited household with members lacking basic medical insurance, not monitored",
          when=f"{NOT_MONITORED} AND n_uninsured > 0", values=(UNINSURED,),
          message_zh="脱贫户有 {n} 名成员未参加城乡居民或职工基本医疗保险，但未纳入监测",
          message_en="{n} member(s) of the exited household lack basic medical insurance; not monitored"),
    _rule("11", population=EXITED, years=R2_YEARS, refs="R2 1_02_005",
          name_zh="脱贫户有义务教育阶段适龄儿童失学辍学", name_en="Exited household with a child out of school",
          when="n_dropout > 0", values=(DROPOUT, AGE_MIN, AGE_MAX),
          message_zh="脱贫户有 {n} 名 {low}–{high} 岁成员未在校且未填写未上学原因",
          message_en="Exited household with {n} member(s) aged {low}–{high} not at school and no reason given"),
    _rule("12", population=EXITED, years=R2_YEARS, refs="R2 2_02_002",
          name_zh="脱贫户未通生活用电", name_en="Exited household without household electricity",
          when="NOT COALESCE(living_electricity, TRUE)", values=(),
          message_zh="脱贫户登记为未通生活用电", message_en="Exited household registered without household electricity"),
    # R2 (2021+): households whose risk was eliminated.
    _rule("13", population=ELIMINATED, years=R2_YEARS, refs=ELIMINATED_REFS,
          name_zh="风险消除户仍为危房户", name_en="Risk eliminated but the house is dangerous",
          when="COALESCE(is_dangerous_house, FALSE)", values=(DANGER,),
          message_zh="已标注风险消除，但登记为危房户（危房等级 {level}）",
          message_en="Risk marked eliminated but the household lives in a dangerous house (grade {level})"),
    _rule("14", population=ELIMINATED, years=R2_YEARS, refs=ELIMINATED_REFS,
          name_zh="风险消除户饮水安全未解决", name_en="Risk eliminated without safe drinking water",
          when=WATER_UNSOLVED, values=(WATER,),
          message_zh="已标注风险消除，但{water}", message_en="Risk marked eliminated but: {water}"),
    _rule("15", population=ELIMINATED, years=R2_YEARS, refs=ELIMINATED_REFS,
          name_zh="风险消除户有适龄儿童失学辍学", name_en="Risk eliminated with a child out of school",
          when="n_dropout > 0", values=(DROPOUT, AGE_MIN, AGE_MAX),
          message_zh="已标注风险消除，但有 {n} 名 {low}–{high} 岁成员未在校且未填写未上学原因",
          message_en="Risk marked eliminated but {n} member(s) aged {low}–{high} are not at school and no reason given"),
    _rule("16", population=ELIMINATED, years=R2_YEARS, refs=ELIMINATED_REFS,
          name_zh="风险消除户有成员未参加基本医疗保险", name_en="Risk eliminated with members lacking basic medical insurance",
          when="n_uninsured > 0", values=(UNINSURED,),
          message_zh="已标注风险消除，但有 {n} 名成员未参加城乡居民或职工基本医疗保险",
          message_en="Risk marked eliminated but {n} member(s) lack basic medical insurance"),
]
