"""The feature tables the rules read: one row per person, household, village and county.

Built by the engine, in order, from the snapshot's tables (``snapshot.TABLES``), as plain SQL in the
portable subset the rules use (see ``catalogue.base``). Each step is materialised once, then every
rule of the scope is a filter over it — that is what makes a whole catalogue cost a few scans.

``person_f`` — one row per active member (``persons.status = 'active'``) of a household that has a
record for the year:
  person_key (the ID number), household_number, area_code (village), county6, name, sex, id_type,
  id_number, relation, ethnicity, political_status, phone, is_soldier, birth_year, age (the age
  reached in the year), id_len, id_digits (how many of the first 17 characters are digits),
  id_check_ok, id_birth_ok, id_sex_ok (checksum, birth date and sex against the ID number; NULL
  when the number is not 18+ characters of digits), id_placeholder (starts 999999), same_id (members with the same
  first 18 characters in the snapshot), dept_<source> (1 when the ID number is on a department's list of
  ``DEPARTMENT_SOURCES``), phone_households (households using this phone), has_year
  (a member-year record exists), the member-year fields (health, labour_ability, education,
  school_status, out_of_school_reason, work_place, work_months, resident_/employee_medical_insurance,
  serious_illness_insurance, resident_/employee_pension_insurance, commercial_medical_insurance,
  dibao, tekun, public_welfare_post, public_welfare_months), the household's status,
  monitoring_type and main_cause, every policy parameter column, and pop_<key> (the household is in
  the population ``key`` of ``catalogue.base.POPULATIONS``).

``household_f`` — one row per household record of the year: the household-year fields, the
household fields (phone, member_count, is_relocated), ``pc_prev`` and ``net_prev`` (last year's net
income per person and in all), ``risks_text`` (the risk codes, searchable with LIKE '%"code"%'),
the member aggregates of ``MEMBER_AGGREGATES`` (and those the rule modules add), the measure
aggregates of ``MEASURE_AGGREGATES``, monitoring months, the parameters and pop_<key>.

``village_f`` / ``county_f`` — per village (area_code) and county (county6): households, persons,
poor households and persons, registered persons, incidence (%) over the configured denominator,
standing (poor / exited) when the snapshot has it, and the parameters.

That is what ``build_steps`` gives without ``reads``. For a set of rules (``runner.prepare``) each
table holds only what those rules read: the columns of their conditions and values, and, for
``person_f`` and ``household_f``, the units of their populations; a member aggregate is computed
only for the households of the rules that read it, and the steps no rule needs are left out. The
rules find the same hits either way.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from jingzhun.registry import idcard

# Lists of other departments an ID number may be found in (domain §4.12); see catalogue.exclusion.
DEPARTMENT_SOURCES = ("public_employees", "vehicles", "town_property", "business_registry", "village_cadres")
DIGITS = "'0123456789'"

Populations = frozenset[str] | None
"""Populations (keys of ``catalogue.base.POPULATIONS``) of the units something is needed for; None:
every unit."""


def digit(expr: str, position: int) -> str:
    """The digit at 1-based ``position`` of ``expr`` as a number, −1 when it is not a digit."""
    return f"(INSTR({DIGITS}, SUBSTR({expr}, {position}, 1)) - 1)"


def _id_digits(expr: str) -> str:
    return "(" + " + ".join(f"CASE WHEN {digit(expr, i)} >= 0 THEN 1 ELSE 0 END" for i in range(1, 18)) + ")"


# The first 17 characters of an ID number, when all are digits, as one number: the checks below take
# its digits with integer arithmetic (a division and a remainder each) instead of 17 substrings. The
# CAST only ever sees 17 digits (it sits behind the pattern test: CASE evaluates a branch only for
# the rows that reach it, in every engine).
def seventeen_digits(expr: str) -> str:
    return f"REGEXP_MATCHES({expr}, '^[0-9]{{17}}')"


def id17_digit(id17: str, position: int) -> str:
    """The digit at 1-based ``position`` (1..17) of the ID number, from its 17-digit value."""
    return f"(({id17} // {10 ** (17 - position)}) % 10)"


def id17_number(id17: str, start: int, length: int) -> str:
    """Digits ``start``..``start+length-1`` of the ID number read as a number."""
    return f"(({id17} // {10 ** (18 - start - length)}) % {10 ** length})"


def _id_checksum_ok(id17: str, id_number: str) -> str:
    total = " + ".join(f"{id17_digit(id17, i + 1)} * {w}" for i, w in enumerate(idcard.WEIGHTS))
    return f"(SUBSTR('{idcard.CHECK_CHARS}', (({total}) % 11) + 1, 1) = UPPER(SUBSTR({id_number}, 18, 1)))"


@dataclass(frozen=True)
class Aggregate:
    """A member (or measure) aggregate of ``household_f``: how many rows meet ``condition`` (``COUNT``
    of a ``CASE``: a whole number as every engine counts, no wider sum to carry) unless ``sql`` gives
    the whole aggregate."""

    name: str
    condition: str = ""
    sql: str = ""

    def expression(self) -> str:
        return self.sql or f"COUNT(CASE WHEN {self.condition} THEN 1 END)"


ABLE = "labour_ability IN ('ordinary', 'skilled')"
WORKING = "COALESCE(work_place, '') NOT IN ('', 'none')"
INSURED = "(COALESCE(resident_medical_insurance, FALSE) OR COALESCE(employee_medical_insurance, FALSE))"
SCHOOL_AGE = "age BETWEEN th_school_age_min AND th_school_age_max"
IN_SCHOOL = "COALESCE(school_status, '') NOT IN ('', 'preschool_child')"

MEMBER_AGGREGATES: list[Aggregate] = [
    Aggregate("n_members", sql="COUNT(*)"),
    Aggregate("n_heads", "relation = 'head'"),
    Aggregate("n_spouses", "relation = 'spouse'"),
    Aggregate("head_sex", sql="MAX(CASE WHEN relation = 'head' THEN sex END)"),
    Aggregate("spouse_sex", sql="MAX(CASE WHEN relation = 'spouse' THEN sex END)"),
    Aggregate("n_ill", "health IN ('chronic', 'serious')"),
    Aggregate("n_serious", "health = 'serious'"),
    Aggregate("n_disabled", "health = 'disabled'"),
    Aggregate("n_healthy", "health = 'healthy'"),
    Aggregate("n_able", ABLE),
    Aggregate("n_labour", "labour_ability IN ('ordinary', 'skilled', 'weak')"),
    Aggregate("n_no_labour", "labour_ability IN ('lost', 'none')"),
    Aggregate("n_working", WORKING),
    Aggregate("n_away", "work_place IN ('province', 'outside')"),
    Aggregate("n_students", IN_SCHOOL),
    Aggregate("n_senior_students",
              "school_status IN ('senior', 'vocational', 'higher_vocational', 'undergraduate', 'postgraduate')"),
    Aggregate("n_vocational_students", "school_status IN ('vocational', 'higher_vocational')"),
    Aggregate("n_school_age", SCHOOL_AGE),
    Aggregate("n_dropout", f"{SCHOOL_AGE} AND COALESCE(school_status, '') = '' "
                           "AND COALESCE(out_of_school_reason, '') = ''"),
    Aggregate("n_out_of_school_age", f"{SCHOOL_AGE} AND COALESCE(school_status, '') = ''"),
    Aggregate("n_uninsured", f"NOT {INSURED}"),
    Aggregate("n_no_serious_insurance", "NOT COALESCE(serious_illness_insurance, FALSE)"),
    Aggregate("n_dibao", "COALESCE(dibao, '') NOT IN ('', 'none')"),
    Aggregate("n_tekun", "COALESCE(tekun, '') NOT IN ('', 'none')"),
    Aggregate("n_welfare_post", "COALESCE(public_welfare_post, '') <> ''"),
    Aggregate("n_working_age", "age BETWEEN th_labour_age_min AND th_labour_age_max"),
    Aggregate("n_able_working_age", f"age BETWEEN th_labour_age_min AND th_labour_age_max AND {ABLE}"),
    Aggregate("n_under_16", "age < th_labour_age_min"),
    Aggregate("n_severe_limb", "id_type = 'disability_cert' AND SUBSTR(id_number, 19, 2) IN ('41', '42')"),
    *[Aggregate(f"n_dept_{source}", f"dept_{source} = 1") for source in DEPARTMENT_SOURCES],
]

# Measures of the household's assistance plan for the year (``measures`` table of the snapshot).
MEASURE_AGGREGATES: list[Aggregate] = [
    Aggregate("m_count", sql="COUNT(*)"),
    Aggregate("m_developmental", "developmental"),
    Aggregate("m_developmental_strong", "developmental AND kind NOT IN ('skills_training', 'other')"),
    Aggregate("m_developmental_started", "developmental AND status IN ('under_way', 'done')"),
    Aggregate("m_safety_net", "safety_net"),
    Aggregate("m_health", "kind IN ('health', 'social', 'comprehensive', 'dibao')"),
    Aggregate("m_education", "kind IN ('education', 'compulsory_education', 'social')"),
    Aggregate("m_disability", "kind IN ('comprehensive', 'social', 'disability', 'dibao', 'tekun')"),
    Aggregate("m_housing", "kind IN ('housing', 'relocation')"),
    Aggregate("m_water", "kind = 'water'"),
    Aggregate("m_dibao", "kind = 'dibao'"),
    Aggregate("m_tekun", "kind = 'tekun'"),
    Aggregate("m_disability_allowance", "kind = 'disability'"),
    Aggregate("m_employment", "kind IN ('employment', 'welfare_post')"),
    Aggregate("m_industry", "kind = 'industry'"),
    Aggregate("m_first_month", sql="MIN(start_month)"),
]


def _select_list(aggregates: list[Aggregate]) -> str:
    return ",\n  ".join(f"{a.expression()} AS {a.name}" for a in aggregates)


PERSON_YEAR_COLUMNS = (
    "health", "labour_ability", "education", "school_status", "out_of_school_reason", "work_place", "work_months",
    "resident_medical_insurance", "employee_medical_insurance", "serious_illness_insurance",
    "resident_pension_insurance", "employee_pension_insurance", "commercial_medical_insurance",
    "dibao", "tekun", "public_welfare_post", "public_welfare_months",
)


def person_member_columns(year: int) -> list[tuple[str, str]]:
    """The first of the two selects of ``person_f``: a member joined with the records of the year
    (aliases of ``MEMBER_JOINS``), and what the checks read of the ID number. Computed after the
    population filter, so that only the members asked for pay for them."""
    pid = "p.id_number"
    return [
        ("household_number", "p.household_number"), ("area_code", "h.area_code"), ("county6", "h.county6"),
        *[(c, f"p.{c}") for c in ("name", "sex", "id_type", "id_number", "relation", "ethnicity",
                                  "political_status", "phone", "is_soldier", "birth_date")],
        ("id_base", f"UPPER(SUBSTR({pid}, 1, 18))"), ("id_len", f"LENGTH({pid})"),
        ("id_digits", f"CASE WHEN {seventeen_digits(pid)} THEN 17 ELSE {_id_digits(pid)} END"),
        ("id17", f"CASE WHEN LENGTH({pid}) >= 18 AND {seventeen_digits(pid)} "
                 f"THEN CAST(SUBSTR({pid}, 1, 17) AS BIGINT) END"),
        ("has_year", "y.id_number IS NOT NULL"),
        *[(c, f"y.{c}") for c in PERSON_YEAR_COLUMNS],
        *[(c, f"hy.{c}") for c in ("status", "monitoring_type", "main_cause", "year")],
    ]


# (alias, join, may be left out when no column reads the alias). A join that can repeat a member
# stays: two members with one ID number both match both year records of that number.
MEMBER_JOINS = (
    ("h", "JOIN household_base h ON h.household_number = p.household_number", False),
    ("hy", "JOIN household_year_now hy ON hy.household_number = p.household_number", False),
    ("y", "LEFT JOIN person_year_now y ON y.id_number = p.id_number", False),
)


def person_columns(year: int, param_columns: list[str]) -> list[tuple[str, str]]:
    """The columns of ``person_f``: (name, SQL over ``m``, the member select, and the aliases of
    ``PERSON_JOINS``)."""
    id17 = "m.id17"
    checked = f"{id17} IS NOT NULL"  # 18 characters or more, the first 17 digits
    return [
        ("person_key", "m.id_number"),
        *[(c, f"m.{c}") for c in ("household_number", "area_code", "county6", "name", "sex", "id_type", "id_number",
                                  "relation", "ethnicity", "political_status", "phone", "is_soldier")],
        ("birth_year", "YEAR(m.birth_date)"), ("age", f"{year} - YEAR(m.birth_date)"),
        ("id_len", "m.id_len"), ("id_digits", "m.id_digits"),
        ("id_check_ok", f"CASE WHEN {checked} THEN {_id_checksum_ok(id17, 'm.id_number')} END"),
        ("id_birth_ok", f"CASE WHEN {checked} THEN {id17_number(id17, 7, 4)} = YEAR(m.birth_date) "
                        f"AND {id17_number(id17, 11, 2)} = MONTH(m.birth_date) "
                        f"AND {id17_number(id17, 13, 2)} = DAY(m.birth_date) END"),
        ("id_sex_ok", f"CASE WHEN {checked} THEN ({id17} % 2 = 1) = (m.sex = '1') END"),
        ("id_placeholder", "SUBSTR(m.id_number, 1, 6) = '999999'"),
        # id_counts and phone_counts hold only what is shared: every other member counts once.
        ("same_id", "CASE WHEN m.id_base IS NOT NULL THEN COALESCE(d.same_id, 1) END"),
        ("phone_households", "CASE WHEN COALESCE(m.phone, '') <> '' THEN COALESCE(ph.phone_households, 1) END"),
        ("has_year", "m.has_year"),
        *[(c, f"m.{c}") for c in PERSON_YEAR_COLUMNS],
        *[(c, f"m.{c}") for c in ("status", "monitoring_type", "main_cause", "year")],
        *[(f"dept_{source}", f"COALESCE(dm.dept_{source}, 0)") for source in DEPARTMENT_SOURCES],
        *[(c, f"pr.{c}") for c in param_columns],
    ]


PERSON_JOINS = (
    ("d", "LEFT JOIN id_counts d ON d.id_base = m.id_base", True),
    ("ph", "LEFT JOIN phone_counts ph ON ph.phone = m.phone", True),
    ("dm", "LEFT JOIN department_flags dm ON dm.id_base = m.id_base", True),
    ("pr", "LEFT JOIN params pr ON pr.county6 = m.county6", True),
)


def _joins_read(columns: list[tuple[str, str]], joins: tuple[tuple[str, str, bool], ...]) -> list[str]:
    """The joins the ``columns`` read (by their aliases) and those that may never be left out."""
    aliases = {alias for _, sql in columns for alias in re.findall(r"\b([a-z][a-z0-9]*)\.[a-z_]", sql)}
    return [join for alias, join, optional in joins if not optional or alias in aliases]


def population_column(key: str) -> str:
    """The column of ``person_f`` and ``household_f`` that says whether the unit is in the
    population ``key`` of ``catalogue.base.POPULATIONS``."""
    return f"pop_{key}"


def _with_populations(columns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``columns`` and, for every population whose condition reads only those columns, its
    condition computed once per unit (a rule's population is then a test of one boolean, not a
    comparison of strings per rule)."""
    return [*columns, *_population_columns(tuple(columns))]


@functools.cache
def _population_columns(columns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    import sqlglot
    from sqlglot import exp

    from jingzhun.screening.catalogue.base import POPULATIONS

    by_name = dict(columns)

    def column_sql(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column) and not node.table:
            return sqlglot.parse_one(by_name[node.name], dialect="duckdb")
        return node

    added = []
    for key, (condition, _zh, _en) in POPULATIONS.items():
        if columns_read(condition) <= set(by_name):
            tree = sqlglot.parse_one(condition, dialect="duckdb").transform(column_sql)
            added.append((population_column(key), f"({tree.sql(dialect='duckdb')})"))
    return tuple(added)


def _select(columns: list[tuple[str, str]], source: str, joins: tuple[tuple[str, str, bool], ...],
            wanted: set[str] | None, populations: Populations = None) -> str:
    """``SELECT`` the ``wanted`` columns (all when None) ``FROM source`` with the joins they read
    (and those that may never be left out), for the units of ``populations`` (None: every unit)."""
    by_name = dict(columns)
    kept = [(name, sql) for name, sql in columns if wanted is None or name in wanted]
    where = "" if populations is None else "WHERE " + " OR ".join(
        by_name[population_column(key)] for key in sorted(populations))
    clauses = _joins_read([*kept, ("", where)], joins)
    select = ",\n  ".join(sql if sql.endswith(f".{name}") else f"{sql} AS {name}" for name, sql in kept)
    return f"SELECT\n  {select}\nFROM {source}\n" + "\n".join(clauses) + f"\n{where}\n"


def person_sql(year: int, param_columns: list[str], wanted: set[str] | None = None,
               populations: Populations = None) -> str:
    """``person_f`` (its ``wanted`` columns, the members of ``populations``) in two selects: the
    members of the population joined with their records, then the checks and the shared counts."""
    members = _with_populations(person_member_columns(year))
    columns = [*person_columns(year, param_columns),
               *[(name, f"m.{name}") for name, _ in members if name.startswith(population_column(""))]]
    kept = [(name, sql) for name, sql in columns if wanted is None or name in wanted]
    joins = _joins_read(kept, PERSON_JOINS)
    member_wanted = set(re.findall(r"\bm\.([a-z_0-9]+)", " ".join([*(sql for _, sql in kept), *joins])))
    inner = _select(members, "person_base p", MEMBER_JOINS, member_wanted, populations)
    return _select(kept, f"({inner}) m", PERSON_JOINS, None)


# Every join below is column = column: the record-by-record engine then joins by hash, as the
# vectorised ones do; expressions and year filters are computed once in these base tables.
PERSON_BASE_SQL = "SELECT *, UPPER(SUBSTR(id_number, 1, 18)) AS id_base FROM persons WHERE status = 'active'"
HOUSEHOLD_BASE_SQL = "SELECT *, SUBSTR(area_code, 1, 6) AS county6 FROM households"
# ID numbers held by more than one member, phones used by more than one household (small tables:
# joining them costs far less than joining a count for every member).
ID_COUNTS_SQL = "SELECT id_base, COUNT(*) AS same_id FROM person_base GROUP BY id_base HAVING COUNT(*) > 1"
# Households are counted only for the phones of more than one member (a plain count first: far
# cheaper than counting distinct households for every phone).
PHONE_COUNTS_SQL = """
SELECT p.phone, COUNT(DISTINCT p.household_number) AS phone_households
FROM person_base p
JOIN (SELECT phone FROM person_base WHERE COALESCE(phone, '') <> '' GROUP BY phone HAVING COUNT(*) > 1) shared
  ON shared.phone = p.phone
GROUP BY p.phone HAVING COUNT(DISTINCT p.household_number) > 1
"""


def department_flags_sql() -> str:
    """One row per ID number found in a department's list (``department_matches``), one 0/1 column
    per source."""
    flags = ", ".join(f"MAX(CASE WHEN source = '{s}' THEN 1 ELSE 0 END) AS dept_{s}" for s in DEPARTMENT_SOURCES)
    return (f"SELECT id_base, {flags} FROM (SELECT UPPER(SUBSTR(id_number, 1, 18)) AS id_base, source "
            "FROM department_matches) m GROUP BY id_base")


def member_aggregate_sql(aggregates: list[Aggregate], source: str = "person_f", populations: Populations = None
                         ) -> str:
    """The ``aggregates`` per household over the members of ``source``, those of households in
    ``populations`` only (None: every household)."""
    where = "" if populations is None else "WHERE " + " OR ".join(
        population_column(key) for key in sorted(populations)) + " "
    return f"SELECT household_number,\n  {_select_list(aggregates)}\nFROM {source} {where}GROUP BY household_number"


def measure_aggregate_sql(year: int, aggregates: list[Aggregate] | None = None) -> str:
    chosen = MEASURE_AGGREGATES if aggregates is None else aggregates
    return (f"SELECT household_number,\n  {_select_list(chosen)}\n"
            f"FROM measures WHERE year = {year} GROUP BY household_number")


HOUSEHOLD_YEAR_COLUMNS = (
    "status", "identification_standard", "household_attribute", "main_cause", "other_cause_1", "other_cause_2",
    "identification_year", "exit_year", "monitoring_type", "elimination_method", "no_labour_guaranteed",
    "size_start", "size_end", "wage_income", "business_income", "property_income", "transfer_family_planning",
    "transfer_dibao", "transfer_tekun", "transfer_pension", "transfer_eco_compensation", "transfer_other",
    "transfer_income", "business_expense", "claims_income", "compliant_out_of_pocket", "total_income",
    "net_income", "per_capita_net_income", "arable_land_mu", "irrigated_land_mu", "forest_land_mu",
    "orchard_mu", "pasture_mu", "water_surface_mu", "grain_to_forest_mu", "in_cooperative", "led_by_enterprise",
    "production_electricity", "living_electricity", "broadcast_tv", "drinking_water_difficult",
    "drinking_water_safe", "water_source", "housing_area_m2", "house_structure", "is_dangerous_house",
    "danger_level", "renovation_year", "sanitary_toilet", "distance_to_road_km", "road_type", "fuel_type",
)


def household_columns(year: int, param_columns: list[str], member_columns: list[str],
                      member_alias: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The columns of ``household_f``: (name, SQL over the aliases of ``HOUSEHOLD_JOINS``); member
    aggregate ``c`` comes from ``member_alias[c]`` (default ``a``, the join of ``member_agg``)."""
    member_alias = member_alias or {}
    end_month = year * 12 + 11  # months are counted as year * 12 + (month − 1)
    return [
        ("household_key", "hy.household_number"), ("household_number", "hy.household_number"),
        ("area_code", "h.area_code"), ("county6", "h.county6"), ("year", "hy.year"),
        *[(c, f"hy.{c}") for c in HOUSEHOLD_YEAR_COLUMNS],
        ("risks_text", "COALESCE(hy.risks, '')"),
        ("monitoring_month", "CASE WHEN hy.monitoring_since IS NOT NULL "
                             "THEN YEAR(hy.monitoring_since) * 12 + MONTH(hy.monitoring_since) - 1 END"),
        ("eliminated_month", "CASE WHEN hy.risk_eliminated_on IS NOT NULL "
                             "THEN YEAR(hy.risk_eliminated_on) * 12 + MONTH(hy.risk_eliminated_on) - 1 END"),
        ("year_end_month", str(end_month)),
        ("household_phone", "h.phone"), ("member_count", "h.member_count"), ("is_relocated", "h.is_relocated"),
        ("pc_prev", "prev.per_capita_net_income"), ("net_prev", "prev.net_income"), ("status_prev", "prev.status"),
        *[(c, f"{member_alias.get(c, 'a')}.{c}" if c in ("head_sex", "spouse_sex")
           else f"COALESCE({member_alias.get(c, 'a')}.{c}, 0)") for c in member_columns],
        *[(a.name, "m.m_first_month" if a.name == "m_first_month" else f"COALESCE(m.{a.name}, 0)")
          for a in MEASURE_AGGREGATES],
        *[(c, f"pr.{c}") for c in param_columns],
    ]


HOUSEHOLD_JOINS = (
    ("h", "JOIN household_base h ON h.household_number = hy.household_number", False),
    ("a", "LEFT JOIN member_agg a ON a.household_number = hy.household_number", True),
    ("m", "LEFT JOIN measure_agg m ON m.household_number = hy.household_number", True),
    ("prev", "LEFT JOIN household_year_before prev ON prev.household_number = hy.household_number", True),
    ("pr", "LEFT JOIN params pr ON pr.county6 = h.county6", True),
)


def household_sql(year: int, param_columns: list[str], member_columns: list[str], wanted: set[str] | None = None,
                  populations: Populations = None, member_steps: dict[str, list[str]] | None = None) -> str:
    """``member_steps``: the member aggregate steps and the aggregates of each, when they are more
    than ``member_agg`` (``build_steps``); each is joined as ``a1``, ``a2``…"""
    joins, alias = HOUSEHOLD_JOINS, {}
    if member_steps:
        extra = []
        for i, (step, names) in enumerate(member_steps.items(), 1):
            extra.append((f"a{i}", f"LEFT JOIN {step} a{i} ON a{i}.household_number = hy.household_number", True))
            alias.update(dict.fromkeys(names, f"a{i}"))
        joins = (HOUSEHOLD_JOINS[0], *extra, *HOUSEHOLD_JOINS[2:])
    return _select(_with_populations(household_columns(year, param_columns, member_columns, alias)),
                   "household_year_now hy", joins, wanted, populations)


POOR = "status IN ('poor', 'pre_exit', 'returned')"
REGISTERED = "status IN ('poor', 'pre_exit', 'returned', 'exited', 'monitored', 'risk_eliminated')"


def _area_aggregates() -> str:
    return f"""COUNT(*) AS households, SUM(n_members) AS persons,
  SUM(CASE WHEN {POOR} THEN 1 ELSE 0 END) AS poor_households,
  SUM(CASE WHEN {POOR} THEN n_members ELSE 0 END) AS poor_persons,
  SUM(CASE WHEN {REGISTERED} THEN n_members ELSE 0 END) AS registered_persons,
  SUM(CASE WHEN status = 'monitored' THEN 1 ELSE 0 END) AS monitored_households,
  SUM(CASE WHEN status = 'monitored' THEN n_members ELSE 0 END) AS monitored_persons"""


def village_sql(year: int, param_columns: list[str]) -> str:
    params = "".join(f",\n  pr.{c}" for c in param_columns)
    return f"""
SELECT v.*, v.area_code AS village_key, {year} AS year, ay.standing, ay.exit_year AS area_exit_year,
  COALESCE(pop.population, v.persons) AS denominator,
  100.0 * CAST(v.poor_persons AS DOUBLE) / NULLIF(CAST(COALESCE(pop.population, v.persons) AS DOUBLE), 0) AS incidence{params}
FROM (SELECT area_code, county6, {_area_aggregates()} FROM household_f GROUP BY area_code, county6) v
LEFT JOIN area_year_now ay ON ay.code = v.area_code
LEFT JOIN populations pop ON pop.area_code = v.area_code
LEFT JOIN params pr ON pr.county6 = v.county6
"""


def county_sql(year: int, param_columns: list[str]) -> str:
    params = "".join(f",\n  pr.{c}" for c in param_columns)
    return f"""
SELECT c.*, c.county6 AS county_key, {year} AS year, ay.standing,
  ay.exit_year AS area_exit_year, COALESCE(pop.population, c.persons) AS denominator,
  100.0 * CAST(c.poor_persons AS DOUBLE) / NULLIF(CAST(COALESCE(pop.population, c.persons) AS DOUBLE), 0) AS incidence{params}
FROM (SELECT county6, CONCAT(county6, '000000') AS area_code, {_area_aggregates()} FROM household_f GROUP BY county6) c
LEFT JOIN area_year_now ay ON ay.code = c.area_code
LEFT JOIN populations pop ON pop.area_code = c.area_code
LEFT JOIN params pr ON pr.county6 = c.county6
"""


@dataclass(frozen=True)
class Step:
    name: str
    sql: str
    view: bool = False  # a cheap projection or filter: engines that can may keep it as a view


def columns_read(sql: str) -> set[str]:
    """The names of the columns an SQL expression or query reads."""
    return set(_columns_read(sql))


@functools.lru_cache(maxsize=4096)
def _columns_read(sql: str) -> frozenset[str]:
    import sqlglot
    from sqlglot import exp

    return frozenset(column.name for column in sqlglot.parse_one(sql, dialect="duckdb").find_all(exp.Column))


def _tables_read(sql: str) -> set[str]:
    import sqlglot
    from sqlglot import exp

    return {table.name for table in sqlglot.parse_one(sql, dialect="duckdb").find_all(exp.Table)}


PERSON_KEYS = {"id_number", "household_number", "area_code"}
HOUSEHOLD_KEYS = {"household_number", "area_code", "county6"}


def _units(reads: dict[str, Populations], available: set[str]) -> Populations:
    """The units any of ``reads`` is needed for (None: every unit, also when a population has no
    column among ``available``)."""
    units: frozenset[str] = frozenset()
    for populations in reads.values():
        if populations is None or any(population_column(key) not in available for key in populations):
            return None
        units |= populations
    return units


def build_steps(year: int, param_columns: list[str], member_aggregates: list[Aggregate],
                reads: dict[str, dict[str, Populations]] | None = None) -> list[Step]:
    """The feature tables in the order an engine materialises them.

    ``reads`` maps a feature table to the columns the rules read of it, each with the populations
    of the units it is read for (``runner.columns_needed``). Each table then holds only those
    columns (with its keys and what the tables built on it read) and, for ``person_f`` and
    ``household_f``, only the units of those populations; a member aggregate is computed only for
    the households it is read for, and a step nobody reads is left out (a catalogue of person and
    household rules builds neither village_f nor county_f, nor phone_counts when no rule reads
    phone_households). None: every column of every unit, for queries of one's own (measures,
    simulation)."""
    if reads is None:
        return _prune([
            *_base_steps(year),
            Step("person_f", person_sql(year, param_columns)),
            Step("member_agg", member_aggregate_sql(list(member_aggregates))),
            Step("measure_agg", measure_aggregate_sql(year)),
            Step("household_f", household_sql(year, param_columns, [a.name for a in member_aggregates])),
            Step("village_f", village_sql(year, param_columns)),
            Step("county_f", county_sql(year, param_columns)),
        ], set(FEATURE_TABLE.values()))
    targets = set(reads)
    household_reads = dict(reads.get("household_f", {}))
    if targets & {"village_f", "county_f"}:  # they count every household and its members
        targets.add("household_f")
        for column in columns_read(f"SELECT {_area_aggregates()}") | {"area_code", "county6"}:
            household_reads[column] = None
    person_names = {name for name, _ in [*person_columns(year, param_columns),
                                         *_with_populations(person_member_columns(year))]}
    household_items = _with_populations(household_columns(year, param_columns, [a.name for a in member_aggregates]))
    person_reads = reads.get("person_f", {})
    person_units = _units(person_reads, person_names)
    household_units = _units(household_reads, {name for name, _ in household_items})
    person_wanted = set(person_reads) | PERSON_KEYS
    household_wanted = set(household_reads) | HOUSEHOLD_KEYS
    # Member aggregates in at most two steps: those read for every household, and those read for
    # some populations only (over their members alone).
    groups: dict[Populations, list[Aggregate]] = {}
    for aggregate in member_aggregates:
        if aggregate.name in household_reads:
            units = _units({aggregate.name: household_reads[aggregate.name]}, person_names)
            groups.setdefault(units, []).append(aggregate)
    if len([units for units in groups if units is not None]) > 1:
        merged = frozenset().union(*[units for units in groups if units is not None])
        groups = {**({None: groups[None]} if None in groups else {}),
                  merged: [a for units, group in groups.items() if units is not None for a in group]}
    # A group reads its members from person_f (which then also holds the group's households and the
    # columns it reads) unless it is read for every household and person_f is not; else from a view
    # of its own: the members of its households, with its columns only.
    member_steps: dict[str, tuple[Populations, list[Aggregate]]] = {}
    member_views: list[Step] = []
    for units, group in groups.items():
        name = "member_agg" if units is None or len(groups) == 1 else "member_agg_some"
        member_steps[name] = (units, group)
        group_reads = {"household_number"}
        for aggregate in group:
            group_reads |= columns_read(f"SELECT {aggregate.expression()}")
        if "person_f" in targets and (person_units is None or units is not None):
            person_units = None if units is None or person_units is None else person_units | units
            person_wanted |= group_reads | {population_column(key) for key in units or ()}
            member_views.append(Step(name, member_aggregate_sql(group, "person_f", units)))
        else:
            view = name.replace("member_agg", "members")
            member_views.append(Step(view, person_sql(year, param_columns, group_reads, units), view=True))
            member_views.append(Step(name, member_aggregate_sql(group, view)))
    measures = [a for a in MEASURE_AGGREGATES if a.name in household_wanted]
    steps = [
        *_base_steps(year),
        Step("person_f", person_sql(year, param_columns, person_wanted, person_units)),
        *member_views,
        *([Step("measure_agg", measure_aggregate_sql(year, measures))] if measures else []),
        Step("household_f", household_sql(year, param_columns, [a.name for a in member_aggregates], household_wanted,
                                          household_units,
                                          {name: [a.name for a in group] for name, (_, group) in member_steps.items()})),
        Step("village_f", village_sql(year, [c for c in param_columns if c in reads.get("village_f", {})])),
        Step("county_f", county_sql(year, [c for c in param_columns if c in reads.get("county_f", {})])),
    ]
    return _prune(steps, targets)


def _base_steps(year: int) -> list[Step]:
    return [
        Step("person_base", PERSON_BASE_SQL, view=True),
        Step("household_base", HOUSEHOLD_BASE_SQL, view=True),
        Step("household_year_now", f"SELECT * FROM household_years WHERE year = {year}", view=True),
        Step("household_year_before", f"SELECT * FROM household_years WHERE year = {year - 1}", view=True),
        Step("person_year_now", f"SELECT * FROM person_years WHERE year = {year}", view=True),
        Step("area_year_now", f"SELECT * FROM area_years WHERE year = {year}", view=True),
        Step("id_counts", ID_COUNTS_SQL),
        Step("phone_counts", PHONE_COUNTS_SQL),
        Step("department_flags", department_flags_sql()),
    ]


def _prune(steps: list[Step], targets: set[str]) -> list[Step]:
    """The steps the ``targets`` read, directly or through other steps, in order."""
    needed = set(targets)
    for step in reversed(steps):
        if step.name in needed:
            needed |= _tables_read(step.sql)
    return [step for step in steps if step.name in needed]


FEATURE_TABLE = {"person": "person_f", "household": "household_f", "village": "village_f", "county": "county_f"}
# A unit's key in its table (person_key and household_key are the same columns under their own names).
UNIT_KEY = {"person": "id_number", "household": "household_number", "village": "village_key", "county": "county_key"}
