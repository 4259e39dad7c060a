import datetime as dt
import hashlib
import json
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from jingzhun.registry import idcard
from jingzhun.registry.income import derive_income
from jingzhun.synthetic.generator import plan_areas, write_registry

CODELISTS = json.loads((Path(idcard.__file__).with_name("codelists.json")).read_text(encoding="utf-8"))
CODES = {key: {item["code"] for item in spec["items"]} for key, spec in CODELISTS.items()}
RELATION_SEX = {item["code"]: item.get("sex") for item in CODELISTS["relation"]["items"]}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen")
    write_registry(persons=3000, seed=11, out=out)
    return out


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.glob("*.parquet"))}


def test_same_seed_same_bytes_and_chunking_does_not_matter(generated, tmp_path):
    write_registry(persons=3000, seed=11, out=tmp_path / "again", chunk_persons=700)
    assert _digest(generated) != {}
    same = {k: pl.read_parquet(generated / k).equals(pl.read_parquet(tmp_path / "again" / k)) for k in _digest(generated)}
    assert all(same.values()), same
    write_registry(persons=3000, seed=11, out=tmp_path / "third")
    assert _digest(tmp_path / "third") == _digest(generated)
    write_registry(persons=3000, seed=12, out=tmp_path / "other")
    assert _digest(tmp_path / "other") != _digest(generated)


def test_ids_valid_unique_and_match_birth_and_sex(generated):
    persons = pl.read_parquet(generated / "persons.parquet")
    assert persons.height == 3000
    assert persons["id_number"].n_unique() == persons.height
    assert idcard.checksum_ok_vectorised(persons["id_number"]).all()
    for row in persons.sample(200, seed=1).iter_rows(named=True):
        check = idcard.check_resident_id(row["id_number"])
        assert check.error is None
        assert check.birth_date == row["birth_date"] and check.sex == row["sex"]
        assert row["id_number"].startswith("441426")


def test_household_structure_and_codes(generated):
    persons = pl.read_parquet(generated / "persons.parquet")
    heads = persons.filter(pl.col("relation") == "head").group_by("household_number").len()
    households = pl.read_parquet(generated / "households.parquet")
    assert heads.height == households.height and heads["len"].max() == 1
    for row in persons.iter_rows(named=True):
        implied = RELATION_SEX[row["relation"]]
        if implied in ("1", "2"):
            assert row["sex"] == implied
    spouses = persons.filter(pl.col("relation") == "spouse").join(
        persons.filter(pl.col("relation") == "head"), on="household_number", suffix="_head")
    assert (spouses["sex"] != spouses["sex_head"]).all()
    assert set(persons["relation"]) <= CODES["relation"]
    assert set(persons["ethnicity"]) <= CODES["ethnicity"]
    sizes = persons.group_by("household_number").len()
    assert 2.5 < sizes["len"].mean() < 3.8
    assert households.join(sizes, on="household_number").filter(pl.col("member_count") != pl.col("len")).height == 0
    assert persons["phone"].filter(persons["phone"] != "").str.contains(r"^1[3-9]\d{9}$").all()


def test_yearly_records_codes_causes_and_income(generated):
    years = pl.read_parquet(generated / "household_years.parquet")
    person_years = pl.read_parquet(generated / "person_years.parquet")
    persons = pl.read_parquet(generated / "persons.parquet")
    assert set(years["year"]) == {2023, 2024}
    for column, list_key in [("status", "household_status"), ("main_cause", "poverty_cause"),
                             ("other_cause_1", "poverty_cause"), ("household_attribute", "household_attribute")]:
        assert set(years[column]) - {""} <= CODES[list_key], column
    for column, list_key in [("health", "health"), ("labour_ability", "labour_ability"), ("school_status", "school_status"),
                             ("education", "education"), ("work_place", "work_place")]:
        assert set(person_years[column]) - {""} <= CODES[list_key], column
    registered = years.filter(pl.col("main_cause") != "")
    assert registered.height > 0
    assert registered.filter((pl.col("other_cause_1") == pl.col("main_cause")) | (pl.col("other_cause_2") == pl.col("main_cause"))
                             | ((pl.col("other_cause_2") != "") & (pl.col("other_cause_1") == pl.col("other_cause_2")))).height == 0
    # 因病 only where a member is ill; 因残 only where one is disabled.
    members = person_years.filter(pl.col("year") == 2024).join(persons.select("id_number", "household_number"), on="id_number")
    ill = set(members.filter(pl.col("health").is_in(["chronic", "serious"]))["household_number"])
    disabled = set(members.filter(pl.col("health") == "disabled")["household_number"])
    assert set(registered.filter(pl.col("main_cause") == "1")["household_number"]) <= ill
    assert set(registered.filter(pl.col("main_cause") == "2")["household_number"]) <= disabled
    # Students are not labourers; children under 16 have no labour ability.
    ages = persons.select("id_number", ((dt.date(2024, 6, 30) - pl.col("birth_date")).dt.total_days() // 365).alias("age"))
    young = members.join(ages, on="id_number").filter(pl.col("age") < 16)
    assert set(young["labour_ability"]) == {"none"}
    # Totals equal what the services would derive from the items.
    for row in years.sample(100, seed=3).iter_rows(named=True):
        derived = derive_income({k: str(v) for k, v in row.items() if isinstance(v, float)}, row["size_end"])
        assert float(derived["net_income"]) == pytest.approx(row["net_income"], abs=0.011)
        assert float(derived["per_capita_net_income"]) == pytest.approx(row["per_capita_net_income"], abs=0.011)


def test_csv_and_xlsx_formats(tmp_path):
    write_registry(persons=400, seed=5, out=tmp_path / "csv", fmt="csv")
    persons = pl.read_csv(tmp_path / "csv" / "persons.csv", schema_overrides={"id_number": pl.String, "household_number": pl.String})
    assert persons.height == 400 and persons["id_number"].str.len_chars().min() == 18
    write_registry(persons=300, seed=5, out=tmp_path / "xlsx", fmt="xlsx")
    sheet = load_workbook(tmp_path / "xlsx" / "persons.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "household_number" and len(rows) == 301


def test_xlsx_refuses_more_rows_than_a_sheet_holds(tmp_path):
    with pytest.raises(ValueError, match="XLSX"):
        write_registry(persons=600_000, seed=1, out=tmp_path, fmt="xlsx")


def test_more_code_lists_and_flags(generated):
    years = pl.read_parquet(generated / "household_years.parquet")
    person_years = pl.read_parquet(generated / "person_years.parquet")
    persons = pl.read_parquet(generated / "persons.parquet")
    for frame, column, list_key in [
        (years, "house_structure", "house_structure"), (years, "water_source", "water_source"),
        (years, "fuel_type", "fuel_type"), (years, "road_type", "road_type"), (years, "monitoring_type", "monitoring_type"),
        (years, "elimination_method", "elimination_method"), (years, "danger_level", "danger_level"),
        (years, "identification_standard", "identification_standard"), (person_years, "dibao", "assistance_status"),
        (person_years, "tekun", "assistance_status"), (persons, "sex", "sex"), (persons, "id_type", "id_type"),
        (persons, "political_status", "political_status"), (persons, "status", "member_status"),
    ]:
        assert set(frame[column]) - {""} <= CODES[list_key], column
    risks = {r for value in years["risks"] for r in json.loads(value)}
    assert risks and risks <= CODES["risk_type"]
    assert set(years.filter(pl.col("exit_year") > 0)["exit_year"]) <= set(range(2016, 2021))
    assert set(years["status"]) >= {"exited", "general", "monitored"}
    monitored = years.filter(pl.col("status") == "monitored")
    assert monitored["monitoring_since"].null_count() == 0 and (monitored["monitoring_type"] != "").all()
    # 因学 only with a member at senior school or above.
    members = person_years.filter(pl.col("year") == 2024).join(persons.select("id_number", "household_number"), on="id_number")
    students = set(members.filter(pl.col("school_status").is_in(["senior", "vocational", "higher_vocational", "undergraduate"]))["household_number"])
    for column in ("main_cause", "other_cause_1", "other_cause_2"):
        assert set(years.filter(pl.col(column) == "3")["household_number"]) <= students
    # School-age children are at school, at the right level.
    ages = persons.select("id_number", ((dt.date(2024, 6, 30) - pl.col("birth_date")).dt.total_days() // 365).alias("age"))
    kids = members.join(ages, on="id_number")
    assert set(kids.filter(pl.col("age").is_between(7, 10))["school_status"]) <= {"primary", ""}
    assert set(kids.filter(pl.col("age").is_between(13, 13))["school_status"]) <= {"junior", ""}
    insured = person_years["resident_medical_insurance"] | person_years["employee_medical_insurance"]
    assert 0.93 < insured.mean() < 0.99
    older = kids.filter(pl.col("age") >= 70)
    younger = kids.filter(pl.col("age").is_between(20, 40))
    assert (older["health"] != "healthy").mean() > 2 * (younger["health"] != "healthy").mean()


def test_area_codes_follow_the_nbs_rules(generated):
    areas = pl.read_parquet(generated / "areas.parquet")
    townships = areas.filter(pl.col("level") == 4)
    villages = areas.filter(pl.col("level") == 5)
    assert townships["code"].str.slice(6, 3).cast(pl.Int32).is_between(100, 399).all()
    assert townships["code"].str.ends_with("000").all()
    assert villages["code"].str.slice(9, 3).cast(pl.Int32).is_between(200, 399).all()
    assert (villages["code"].str.slice(0, 9) + "000" == villages["parent_code"]).all()
    assert areas.filter(pl.col("level") == 3)["code"].to_list() == ["441426000000"]
    households = pl.read_parquet(generated / "households.parquet")
    assert set(households["area_code"]) <= set(villages["code"])


def test_large_layouts_spread_over_counties_of_one_province():
    plan = plan_areas(persons=1_200_000, county="441426")
    counties = sorted({v.code[:6] for v in plan.villages})
    assert len(counties) > 1 and all(c.startswith("44") for c in counties)
    assert sum(v.persons for v in plan.villages) == 1_200_000
    assert len({v.code for v in plan.villages}) == len(plan.villages)


def test_poor_households_mostly_below_the_line_before_2021(tmp_path):
    write_registry(persons=3000, seed=2, year=2019, out=tmp_path)
    years = pl.read_parquet(tmp_path / "household_years.parquet").filter(pl.col("year") == 2018)
    poor = years.filter(pl.col("status") == "poor")
    exited = years.filter(pl.col("status") == "exited")
    assert poor.height > 0 and exited.height > 0
    assert 0.6 < (poor["per_capita_net_income"] < 2995).mean() < 0.98
    assert (exited["per_capita_net_income"] < 2995).mean() < 0.1
