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
  monitoring_type and main_cause, and every policy parameter column.

``household_f`` — one row per household record of the year: the household-year fields, the
household fields (phone, member_count, is_relocated), ``pc_prev`` and ``net_prev`` (last year's net
income per person and in all), ``risks_text`` (the risk codes, searchable with LIKE '%"code"%'),
the member aggregates of ``MEMBER_AGGREGATES`` (and those the rule modules add), the measure
aggregates of ``MEASURE_AGGREGATES``, monitoring months, and the parameters.

``village_f`` / ``county_f`` — per village (area_code) and county (county6): households, persons,
poor households and persons, registered persons, incidence (%) over the configured denominator,
standing (poor / exited) when the snapshot has it, and the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

from jingzhun.registry import idcard

# Lists of other departments an ID number may be found in (domain §4.12); see catalogue.exclusion.
DEPARTMENT_SOURCES = ("public_employees", "vehicles", "town_property", "business_registry", "village_cadres")
DIGITS = "'0123456789'"


def digit(expr: str, position: int) -> str:
    """The digit at 1-based ``position`` of ``expr`` as a number, −1 when it is not a digit."""
    return f"(INSTR({DIGITS}, SUBSTR({expr}, {position}, 1)) - 1)"


def number(expr: str, start: int, length: int) -> str:
    """The digits ``start``..``start+length-1`` read as a number (no CAST: portable and never fails)."""
    terms = [f"{digit(expr, start + i)} * {10 ** (length - 1 - i)}" for i in range(length)]
    return "(" + " + ".join(terms) + ")"


def _id_digits(expr: str) -> str:
    return "(" + " + ".join(f"CASE WHEN {digit(expr, i)} >= 0 THEN 1 ELSE 0 END" for i in range(1, 18)) + ")"


def _id_checksum_ok(expr: str) -> str:
    total = " + ".join(f"{digit(expr, i + 1)} * {w}" for i, w in enumerate(idcard.WEIGHTS))
    return f"(SUBSTR('{idcard.CHECK_CHARS}', (({total}) % 11) + 1, 1) = UPPER(SUBSTR({expr}, 18, 1)))"


@dataclass(frozen=True)
class Aggregate:
    """A member (or measure) aggregate of ``household_f``: ``SUM(CASE WHEN condition THEN 1 ELSE 0 END)``
    unless ``sql`` gives the whole aggregate."""

    name: str
    condition: str = ""
    sql: str = ""

    def expression(self) -> str:
        return self.sql or f"SUM(CASE WHEN {self.condition} THEN 1 ELSE 0 END)"


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


def person_sql(year: int, param_columns: list[str]) -> str:
    params = ", ".join(f"pr.{c}" for c in param_columns)
    pid = "p.id_number"
    full = "p.id_len >= 18 AND p.id_digits = 17"
    return f"""
SELECT
  {pid} AS person_key, p.household_number, h.area_code, h.county6,
  p.name, p.sex, p.id_type, {pid} AS id_number, p.relation, p.ethnicity, p.political_status, p.phone,
  p.is_soldier,
  YEAR(p.birth_date) AS birth_year, {year} - YEAR(p.birth_date) AS age,
  p.id_len, p.id_digits,
  CASE WHEN {full} THEN {_id_checksum_ok(pid)} END AS id_check_ok,
  CASE WHEN {full} THEN {number(pid, 7, 4)} = YEAR(p.birth_date) AND {number(pid, 11, 2)} = MONTH(p.birth_date)
       AND {number(pid, 13, 2)} = DAY(p.birth_date) END AS id_birth_ok,
  CASE WHEN {full} THEN ({digit(pid, 17)} % 2 = 1) = (p.sex = '1') END AS id_sex_ok,
  SUBSTR({pid}, 1, 6) = '999999' AS id_placeholder,
  d.same_id, ph.phone_households,
  y.id_number IS NOT NULL AS has_year,
  y.health, y.labour_ability, y.education, y.school_status, y.out_of_school_reason, y.work_place, y.work_months,
  y.resident_medical_insurance, y.employee_medical_insurance, y.serious_illness_insurance,
  y.resident_pension_insurance, y.employee_pension_insurance, y.commercial_medical_insurance,
  y.dibao, y.tekun, y.public_welfare_post, y.public_welfare_months,
  hy.status, hy.monitoring_type, hy.main_cause, hy.year,
  {", ".join(f"COALESCE(dm.dept_{source}, 0) AS dept_{source}" for source in DEPARTMENT_SOURCES)},
  {params}
FROM person_base p
JOIN household_base h ON h.household_number = p.household_number
JOIN household_year_now hy ON hy.household_number = p.household_number
LEFT JOIN person_year_now y ON y.id_number = p.id_number
LEFT JOIN id_counts d ON d.id_base = p.id_base
LEFT JOIN phone_counts ph ON ph.phone = p.phone
LEFT JOIN department_flags dm ON dm.id_base = p.id_base
LEFT JOIN params pr ON pr.county6 = h.county6
"""


# Every join below is column = column: the record-by-record engine then joins by hash, as the
# vectorised ones do; expressions and year filters are computed once in these base tables.
# The ID number's length and digit count are computed here once per member and read three times below.
PERSON_BASE_SQL = ("SELECT *, UPPER(SUBSTR(id_number, 1, 18)) AS id_base, LENGTH(id_number) AS id_len, "
                   f"{_id_digits('id_number')} AS id_digits FROM persons WHERE status = 'active'")
HOUSEHOLD_BASE_SQL = "SELECT *, SUBSTR(area_code, 1, 6) AS county6 FROM households"
ID_COUNTS_SQL = "SELECT id_base, COUNT(*) AS same_id FROM person_base GROUP BY id_base"
PHONE_COUNTS_SQL = """
SELECT phone, COUNT(DISTINCT household_number) AS phone_households
FROM person_base WHERE COALESCE(phone, '') <> '' GROUP BY phone
"""


def department_flags_sql() -> str:
    """One row per ID number found in a department's list (``department_matches``), one 0/1 column
    per source."""
    flags = ", ".join(f"MAX(CASE WHEN source = '{s}' THEN 1 ELSE 0 END) AS dept_{s}" for s in DEPARTMENT_SOURCES)
    return (f"SELECT id_base, {flags} FROM (SELECT UPPER(SUBSTR(id_number, 1, 18)) AS id_base, source "
            "FROM department_matches) m GROUP BY id_base")


def member_aggregate_sql(aggregates: list[Aggregate]) -> str:
    return f"SELECT household_number,\n  {_select_list(aggregates)}\nFROM person_f GROUP BY household_number"


def measure_aggregate_sql(year: int) -> str:
    return (f"SELECT household_number,\n  {_select_list(MEASURE_AGGREGATES)}\n"
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


def household_sql(year: int, param_columns: list[str], member_columns: list[str]) -> str:
    hy = ", ".join(f"hy.{c}" for c in HOUSEHOLD_YEAR_COLUMNS)
    members = ", ".join(f"COALESCE(a.{c}, 0) AS {c}" if c not in ("head_sex", "spouse_sex") else f"a.{c}"
                        for c in member_columns)
    measures = ", ".join(f"COALESCE(m.{a.name}, 0) AS {a.name}" if a.name != "m_first_month" else "m.m_first_month"
                         for a in MEASURE_AGGREGATES)
    params = ", ".join(f"pr.{c}" for c in param_columns)
    end_month = year * 12 + 11  # months are counted as year * 12 + (month − 1)
    return f"""
SELECT
  hy.household_number AS household_key, hy.household_number, h.area_code, h.county6,
  hy.year, {hy},
  COALESCE(hy.risks, '') AS risks_text,
  CASE WHEN hy.monitoring_since IS NOT NULL
       THEN YEAR(hy.monitoring_since) * 12 + MONTH(hy.monitoring_since) - 1 END AS monitoring_month,
  CASE WHEN hy.risk_eliminated_on IS NOT NULL
       THEN YEAR(hy.risk_eliminated_on) * 12 + MONTH(hy.risk_eliminated_on) - 1 END AS eliminated_month,
  {end_month} AS year_end_month,
  h.phone AS household_phone, h.member_count, h.is_relocated,
  prev.per_capita_net_income AS pc_prev, prev.net_income AS net_prev, prev.status AS status_prev,
  {members},
  {measures},
  {params}
FROM household_year_now hy
JOIN household_base h ON h.household_number = hy.household_number
LEFT JOIN member_agg a ON a.household_number = hy.household_number
LEFT JOIN measure_agg m ON m.household_number = hy.household_number
LEFT JOIN household_year_before prev ON prev.household_number = hy.household_number
LEFT JOIN params pr ON pr.county6 = h.county6
"""


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
    params = ", ".join(f"pr.{c}" for c in param_columns)
    return f"""
SELECT v.*, v.area_code AS village_key, {year} AS year, ay.standing, ay.exit_year AS area_exit_year,
  COALESCE(pop.population, v.persons) AS denominator,
  100.0 * CAST(v.poor_persons AS DOUBLE) / NULLIF(CAST(COALESCE(pop.population, v.persons) AS DOUBLE), 0) AS incidence,
  {params}
FROM (SELECT area_code, county6, {_area_aggregates()} FROM household_f GROUP BY area_code, county6) v
LEFT JOIN area_year_now ay ON ay.code = v.area_code
LEFT JOIN populations pop ON pop.area_code = v.area_code
LEFT JOIN params pr ON pr.county6 = v.county6
"""


def county_sql(year: int, param_columns: list[str]) -> str:
    params = ", ".join(f"pr.{c}" for c in param_columns)
    return f"""
SELECT c.*, c.county6 AS county_key, {year} AS year, ay.standing,
  ay.exit_year AS area_exit_year, COALESCE(pop.population, c.persons) AS denominator,
  100.0 * CAST(c.poor_persons AS DOUBLE) / NULLIF(CAST(COALESCE(pop.population, c.persons) AS DOUBLE), 0) AS incidence,
  {params}
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


def build_steps(year: int, param_columns: list[str], member_aggregates: list[Aggregate]) -> list[Step]:
    """The feature tables in the order an engine materialises them."""
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
        Step("person_f", person_sql(year, param_columns)),
        Step("member_agg", member_aggregate_sql(member_aggregates)),
        Step("measure_agg", measure_aggregate_sql(year)),
        Step("household_f", household_sql(year, param_columns, [a.name for a in member_aggregates])),
        Step("village_f", village_sql(year, param_columns)),
        Step("county_f", county_sql(year, param_columns)),
    ]


FEATURE_TABLE = {"person": "person_f", "household": "household_f", "village": "village_f", "county": "county_f"}
UNIT_KEY = {"person": "person_key", "household": "household_key", "village": "village_key", "county": "county_key"}
