"""``jingzhun measures`` and ``jingzhun simulate``: numbers worked out by hand, on a snapshot directory
and on the database (scoped to the account's areas), and every bad input refused with exit 2 and a
message naming the option and the reason."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from jingzhun.registry.tests.factories import member as registry_member
from jingzhun.registry.tests.factories import register
from jingzhun.screening.tests.builders import household, member, snapshot
from jingzhun.testing.personas import COUNTY, OTHER_VILLAGE, VILLAGE_A, VILLAGE_B

V1, V2 = "441426100201", "441426100202"


def _one(income: float, *, status: str = "exited", village: str = V1, size: int = 1, **changes):
    members = [member(relation="head", age=50), *[member(relation="son", age=30) for _ in range(size - 1)]]
    return household(status=status, per_capita_net_income=income, village=village, members=members, **changes)


def run(name: str, *args: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``jingzhun <name> args``."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err, verbosity=0)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def ok_json(name: str, *args: str) -> dict:
    code, out, err = run(name, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def refused(name: str, *args: str) -> str:
    code, out, err = run(name, *args)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    return err


# --- a hand-built snapshot ----------------------------------------------------------------------

# 2020, poverty line 4,000. Village 1: a poor household of 2 at 2,000 and a household of 2 at 10,000.
# Village 2: a poor household of 1 at 3,000 in a dangerous house without safe water.
@pytest.fixture
def measures_dir(tmp_path: Path) -> Path:
    shot = snapshot(_one(2000, status="poor", size=2), _one(10000, size=2),
                    _one(3000, status="poor", village=V2, is_dangerous_house=True, drinking_water_safe=False),
                    year=2020, populations=[{"area_code": V1, "population": 40}])
    return shot.write(tmp_path / "measures")


# 2024, monitoring line 6,000 (MON-01: exited and other households below it, not monitored).
@pytest.fixture
def sweep_dir(tmp_path: Path) -> Path:
    shot = snapshot(_one(5999), _one(6500, size=2), _one(7200), _one(7000, status="monitored"),
                    _one(6100, village=V2))
    return shot.write(tmp_path / "sweep")


def by_area(document: dict) -> dict[str, dict]:
    return {row["area"]: row for row in document["areas"]}


def test_measures_on_a_snapshot_by_village(measures_dir):
    document = ok_json("measures", "--year", "2020", "--snapshot", str(measures_dir), "--by", "village")
    rows = by_area(document)
    v1, v2, total = rows[V1], rows[V2], document["total"]
    assert (v1["households"], v1["persons"], v1["poor_persons"]) == (2, 4, 2)
    assert v1["incidence"] == pytest.approx(50.0) and v1["denominator_source"] == "registry"
    assert v1["P0"] == pytest.approx(0.5)
    assert v1["P1"] == pytest.approx(0.5 * 0.5)  # gap (4000 − 2000) / 4000 for half the persons
    assert v1["P2"] == pytest.approx(0.5 * 0.25)
    assert (v2["P0"], v2["P1"], v2["P2"]) == pytest.approx((1.0, 0.25, 0.0625))
    # Alkire–Foster, k = 0.4 of 5 equal dimensions: village 1's poor household lacks income only (0.2).
    assert v1["H"] == 0.0 and v1["M0"] == 0.0
    # Village 2's household: income, housing and water, 3 of 5.
    assert (v2["H"], v2["A"], v2["M0"]) == pytest.approx((1.0, 0.6, 0.6))
    assert v2["M1"] == pytest.approx(0.2 * 0.25 + 0.2 + 0.2)  # the income gap weighs 0.25
    assert v2["M2"] == pytest.approx(0.2 * 0.0625 + 0.2 + 0.2)
    assert v2["censored"] == pytest.approx({"income": 1.0, "education": 0.0, "medical": 0.0, "housing": 1.0,
                                            "water": 1.0})
    assert v2["contribution"]["housing"] == pytest.approx(100 / 3)
    assert v2["share_of_m0"] == pytest.approx(100.0)
    assert total["P0"] == pytest.approx(3 / 5) and total["incidence"] == pytest.approx(60.0)
    assert total["H"] == pytest.approx(1 / 5) and total["M0"] == pytest.approx(0.6 / 5)
    assert document["k"] == 0.4 and [d["key"] for d in document["dimensions"]][:2] == ["income", "education"]


def test_measures_by_township_as_csv_and_table(measures_dir):
    code, out, err = run("measures", "--year", "2020", "--snapshot", str(measures_dir), "--by", "township",
                         "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["area"] for r in rows] == ["441426100000", ""]  # the township, then the total
    assert float(rows[0]["P0"]) == pytest.approx(0.6) and float(rows[0]["h_water"]) == pytest.approx(0.2)
    assert float(rows[0]["contribution_income"]) == pytest.approx(100 / 3)
    code, out, err = run("measures", "--year", "2020", "--snapshot", str(measures_dir), "--by", "village")
    assert code == 0, err
    line = next(line for line in out.splitlines() if V1 in line)
    assert "50.00" in line and "0.5000" in line and "0.2500" in line and "0.1250" in line


def test_measures_denominator_from_the_population_table(measures_dir):
    rows = by_area(ok_json("measures", "--year", "2020", "--snapshot", str(measures_dir), "--by", "village",
                           "--denominator", "population"))
    assert rows[V1]["incidence"] == pytest.approx(100 * 2 / 40) and rows[V1]["denominator_source"] == "population"
    # Village 2 has no population figure: its registered persons.
    assert rows[V2]["incidence"] == pytest.approx(100.0) and rows[V2]["denominator_source"] == "registry"
    registry = by_area(ok_json("measures", "--year", "2020", "--snapshot", str(measures_dir), "--by", "village"))
    assert registry[V1]["incidence"] == pytest.approx(50.0)


def test_measures_with_a_dimension_file_and_k(measures_dir, tmp_path):
    spec = {"k": 0.5, "dimensions": [
        {"key": "income", "name_zh": "收入", "name_en": "Income", "deprived_sql": "per_capita_net_income < poverty_line",
         "gap_sql": "(poverty_line - per_capita_net_income) / poverty_line", "weight": 2},
        {"key": "housing", "name_zh": "住房", "name_en": "Housing", "deprived_sql": "COALESCE(is_dangerous_house, FALSE)"},
    ]}
    path = tmp_path / "dims.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    document = ok_json("measures", "--year", "2020", "--snapshot", str(measures_dir), "--by", "village",
                       "--dimensions", str(path))
    rows = by_area(document)
    # Income weighs 2/3 ≥ k = 0.5: village 1's poor household is poor now; village 2's has both.
    assert rows[V1]["H"] == pytest.approx(0.5) and rows[V1]["A"] == pytest.approx(2 / 3)
    assert rows[V2]["A"] == pytest.approx(1.0)
    assert document["k"] == 0.5
    # --k overrides the file's cutoff: at 0.8 only village 2's household (income and housing) is poor.
    strict = by_area(ok_json("measures", "--year", "2020", "--snapshot", str(measures_dir), "--by", "village",
                             "--dimensions", str(path), "--k", "0.8"))
    assert strict[V1]["H"] == 0.0 and strict[V2]["H"] == 1.0
    # The default dimensions with k = 0.2 (union): income alone makes village 1's household poor.
    union = by_area(ok_json("measures", "--year", "2020", "--snapshot", str(measures_dir), "--by", "village",
                            "--k", "0.2"))
    assert union[V1]["H"] == pytest.approx(0.5)


def test_measures_area_of_a_snapshot_and_out_file(measures_dir, tmp_path):
    out = tmp_path / "m.json"
    code, stdout, err = run("measures", "--year", "2020", "--snapshot", str(measures_dir), "--area", V2,
                            "--format", "json", "--out", str(out))
    assert code == 0, err
    assert str(out) in stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    assert list(by_area(document)) == [V2] and document["total"]["households"] == 1
    assert document["level"] == "village"  # the default below a village is the village itself


@pytest.mark.parametrize(("args", "expected"), [
    (["--area", "441426100299"], "No household of the snapshot lies in area 441426100299"),
    (["--area", "4414x"], "--area: 4414x is not an area code"),
    (["--area", V1, "--by", "county"], "--by: The level County is above the area"),
    (["--by", "street"], "--by: Unknown level street"),
    (["--k", "1.5"], "--k: k = 1.5"),
    (["--denominator", "census"], "--denominator: Unknown denominator census"),
    (["--line", "dibao"], "--line: Unknown line dibao"),
    (["--format", "xml"], "--format: Unknown format xml"),
], ids=["area-not-in-snapshot", "area-malformed", "level-above-area", "level-unknown", "k", "denominator",
        "line", "format"])
def test_measures_bad_usage(measures_dir, args, expected):
    err = refused("measures", "--year", "2020", "--snapshot", str(measures_dir), *args)
    assert expected in err


def test_measures_bad_usage_without_data_options(tmp_path, measures_dir):
    assert "Give --user NAME" in refused("measures", "--year", "2020")
    assert "not both" in refused("measures", "--year", "2020", "--snapshot", str(measures_dir), "--user", "x")
    assert "The snapshot is of 2020, not 2021" in refused("measures", "--year", "2021", "--snapshot",
                                                          str(measures_dir))
    assert "Cannot read the snapshot" in refused("measures", "--year", "2020", "--snapshot", str(tmp_path / "none"))
    assert "--out: The folder" in refused("measures", "--year", "2020", "--snapshot", str(measures_dir),
                                          "--out", str(tmp_path / "no" / "such" / "m.json"))


def test_measures_population_denominator_needs_figures(tmp_path):
    directory = snapshot(_one(2000, status="poor"), year=2020).write(tmp_path / "nopop")
    err = refused("measures", "--year", "2020", "--snapshot", str(directory), "--denominator", "population")
    assert "--denominator: There are no population figures for this area" in err


@pytest.mark.parametrize(("content", "expected"), [
    ('{"dimensions": [{"key": "income", "name_zh": "收入", "name_en": "Income", "deprived_sql": "x > 0", '
     '"weigth": 2}]}', "dims.json: dimension income: unknown key weigth"),
    ('{"dimensions": [{"key": "income", "name_zh": "收入", "name_en": "Income", '
     '"deprived_sql": "per_capita_net_incme < poverty_line"}]}',
     "dims.json: dimension income: the SQL cannot be evaluated"),
    ('{"dimensions": [{"key": "water", "name_zh": "饮水", "name_en": "Water"}]}',
     "dims.json: dimension water: deprived_sql is missing or empty"),
    ('{"dimensions": [{"key": "a", "name_zh": "甲", "name_en": "A", "deprived_sql": "TRUE", "weight": -1}]}',
     "dims.json: dimension a: the weight must be a positive number, not -1"),
    ('{"k": 0, "dimensions": [{"key": "a", "name_zh": "甲", "name_en": "A", "deprived_sql": "TRUE"}]}',
     "dims.json: k = 0"),
    ('{"k": 0.4, "dimensions": [', "dims.json: not valid JSON"),
    ('{"k": 0.4}', 'dims.json: the file needs a non-empty list "dimensions"'),
], ids=["unknown-key", "bad-sql", "missing-sql", "weight", "k", "syntax", "no-dimensions"])
def test_measures_bad_dimension_file(measures_dir, tmp_path, content, expected):
    path = tmp_path / "dims.json"
    path.write_text(content, encoding="utf-8")
    err = refused("measures", "--year", "2020", "--snapshot", str(measures_dir), "--dimensions", str(path))
    assert f"--dimensions: {expected}" in err


def test_measures_dimension_file_missing_or_of_another_kind(measures_dir, tmp_path):
    assert "the file does not exist" in refused("measures", "--year", "2020", "--snapshot", str(measures_dir),
                                                "--dimensions", str(tmp_path / "none.json"))
    (tmp_path / "dims.yaml").write_text("k: 1", encoding="utf-8")
    assert "dims.yaml: a dimension set is a .json or .toml file" in refused(
        "measures", "--year", "2020", "--snapshot", str(measures_dir), "--dimensions", str(tmp_path / "dims.yaml"))
    (tmp_path / "dims.toml").write_text('k = 0.4\n[[dimensions]]\nkey = "Water"\nname_zh = "饮水"\n'
                                        'name_en = "Water"\ndeprived_sql = "TRUE"\n', encoding="utf-8")
    assert "dims.toml: dimension Water: the key may hold only" in refused(
        "measures", "--year", "2020", "--snapshot", str(measures_dir), "--dimensions", str(tmp_path / "dims.toml"))


# --- simulate on a snapshot ---------------------------------------------------------------------


def test_sweep_on_a_snapshot(sweep_dir):
    document = ok_json("simulate", "--year", "2024", "--snapshot", str(sweep_dir), "--by", "village",
                       "--parameter", "monitoring_line", "--from", "5000", "--to", "7500", "--step", "500")
    assert document["rule"] == "MON-01" and document["values"] == [5000, 5500, 6000, 6500, 7000, 7500]
    assert document["current"] == {"441426": 6000.0}
    totals = {row["value"]: row for row in document["totals"]}
    assert totals[6000]["units"] == 1 and totals[6000]["enter"] == 0 and totals[6000]["leave"] == 0
    assert totals[5000]["units"] == 0 and totals[5000]["leave"] == 1
    # 7,000: 5,999, 6,500 (2 persons) and 6,100 (village 2); the monitored household never counts.
    assert (totals[7000]["units"], totals[7000]["persons"], totals[7000]["enter"]) == (3, 4, 2)
    assert totals[7500]["units"] == 4
    cells = {(r["area"], r["value"]): r for r in document["areas"]}
    assert cells[(V2, 7000.0)]["units"] == 1 and cells[(V1, 7000.0)]["units"] == 2
    assert cells[(V1, 7000.0)]["enter_persons"] == 2


def test_sweep_table_marks_the_value_in_force(sweep_dir):
    code, out, err = run("simulate", "--year", "2024", "--snapshot", str(sweep_dir), "--parameter",
                         "monitoring_line", "--from", "5500", "--to", "6500", "--step", "500")
    assert code == 0, err
    assert "6,000 *" in out  # the value in force
    assert "441426100000" in out and V1 not in out  # a whole-county snapshot: by township by default


def test_compare_on_a_snapshot(sweep_dir, tmp_path):
    (tmp_path / "a.json").write_text('{"monitoring_line": 6000}', encoding="utf-8")
    (tmp_path / "b.toml").write_text("monitoring_line = 7300\n", encoding="utf-8")
    document = ok_json("simulate", "--year", "2024", "--snapshot", str(sweep_dir), "--by", "village",
                       "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.toml"))
    rows = by_area(document)
    assert (rows[V1]["units_a"], rows[V1]["units_b"], rows[V1]["b_not_a"], rows[V1]["a_not_b"]) == (1, 3, 2, 0)
    assert rows[V1]["b_not_a_persons"] == 3
    assert (rows[V2]["units_a"], rows[V2]["units_b"]) == (0, 1)
    assert document["set_b"] == {"monitoring_line": 7300.0}


@pytest.mark.parametrize(("args", "expected"), [
    (["--rule", "XX-9", "--parameter", "monitoring_line", "--from", "1", "--to", "2", "--step", "1"],
     "--rule: Unknown rule XX-9."),
    (["--rule", "EXIT-V-01", "--parameter", "monitoring_line", "--from", "1", "--to", "2", "--step", "1"],
     "--rule: Rule EXIT-V-01 cannot be simulated"),
    (["--parameter", "poverty_line", "--from", "1", "--to", "2", "--step", "1"],
     "--parameter: Rule MON-01 does not read the parameter poverty_line; it reads: monitoring_line."),
    (["--parameter", "monitoring_line", "--from", "6000", "--to", "9000", "--step", "0"],
     "--step: The step must be above 0, not 0."),
    (["--parameter", "monitoring_line", "--from", "6000", "--to", "9000", "--step", "-100"],
     "--step: The step must be above 0, not -100."),
    (["--parameter", "monitoring_line", "--from", "6000", "--to", "9000", "--step", "5"],
     "--step: From 6000 to 9000 in steps of 5 makes 601 values, more than 400"),
    (["--parameter", "monitoring_line", "--from", "9000", "--to", "6000", "--step", "100"],
     "--to: The last value (6000) is below the first (9000)."),
    (["--parameter", "monitoring_line", "--from", "6000", "--step", "100"], "--to: Give the value"),
    (["--from", "6000", "--to", "7000", "--step", "100"], "--parameter: Give the parameter to vary (monitoring_line)"),
], ids=["unknown-rule", "not-simulable", "parameter-not-read", "step-zero", "step-negative", "too-many",
        "reversed", "missing-to", "missing-parameter"])
def test_simulate_bad_usage(sweep_dir, args, expected):
    err = refused("simulate", "--year", "2024", "--snapshot", str(sweep_dir), *args)
    assert expected in err


def test_compare_bad_files(sweep_dir, tmp_path):
    (tmp_path / "a.json").write_text('{"monitoring_line": 6000}', encoding="utf-8")
    (tmp_path / "b.json").write_text('{"monitoring_line": 7000, "poverty_line": 1}', encoding="utf-8")
    (tmp_path / "c.json").write_text('{"monitoring_line": "high"}', encoding="utf-8")
    (tmp_path / "d.json").write_text('{"monitoring_line": ', encoding="utf-8")
    base = ["--year", "2024", "--snapshot", str(sweep_dir), "--compare", str(tmp_path / "a.json")]
    assert ("--compare: b.json: rule MON-01 does not read the parameter poverty_line"
            in refused("simulate", *base, str(tmp_path / "b.json")))
    assert "--compare: c.json: monitoring_line must be a number, not high" in refused(
        "simulate", *base, str(tmp_path / "c.json"))
    assert "--compare: d.json: not valid JSON" in refused("simulate", *base, str(tmp_path / "d.json"))
    assert "--compare: " in refused("simulate", *base, str(tmp_path / "none.json"))
    assert "not both" in refused("simulate", *base, str(tmp_path / "a.json"), "--parameter", "monitoring_line")


# --- on the database, within the account's areas ---------------------------------------------------

POOR = {"status": "poor", "identification_standard": "1", "household_attribute": "general_poor", "main_cause": "1"}


def _register(actor, village: str, persons: int, wage: int, status: str = "general"):
    members = [registry_member("head"), *[registry_member("son") for _ in range(persons - 1)]]
    year_data = {**(POOR if status == "poor" else {"status": status}), "wage_income": str(wage)}
    return register(actor, area_code=village, members=members, year=2024, year_data=year_data)


def build_registry(personas):
    """2024 (poverty line 4,000, monitoring line 6,000). Village A: a poor household of 2 at 2,000 per
    person, one of 2 at 10,000 and one of 1 at 5,000; village B: a poor household of 1 at 3,000 and one
    of 1 at 6,500; in the other county a poor household at 500 and one at 5,500."""
    officer = personas.county_officer
    _register(officer, VILLAGE_A, 2, 4000, "poor")
    _register(officer, VILLAGE_A, 2, 20000)
    _register(officer, VILLAGE_A, 1, 5000)
    _register(officer, VILLAGE_B, 1, 3000, "poor")
    _register(officer, VILLAGE_B, 1, 6500)
    _register(personas.other_county_officer, OTHER_VILLAGE, 1, 500, "poor")
    _register(personas.other_county_officer, OTHER_VILLAGE, 1, 5500)
    return personas


@pytest.fixture
def registry(personas):
    return build_registry(personas)


@pytest.mark.django_db
def test_measures_on_the_database_for_a_county_officer(registry):
    document = ok_json("measures", "--year", "2024", "--user", "county", "--by", "village")
    rows = by_area(document)
    assert set(rows) == {VILLAGE_A, VILLAGE_B}  # nothing of the other county
    assert (rows[VILLAGE_A]["households"], rows[VILLAGE_A]["persons"], rows[VILLAGE_A]["poor_persons"]) == (3, 5, 2)
    assert rows[VILLAGE_A]["incidence"] == pytest.approx(40.0)
    assert (rows[VILLAGE_A]["P0"], rows[VILLAGE_A]["P1"]) == pytest.approx((2 / 5, 2 / 5 * 0.5))
    assert (rows[VILLAGE_B]["P0"], rows[VILLAGE_B]["P1"], rows[VILLAGE_B]["P2"]) == pytest.approx(
        (0.5, 0.5 * 0.25, 0.5 * 0.0625))
    assert document["total"]["households"] == 5 and document["total"]["P0"] == pytest.approx(3 / 7)
    # The default level below a county is the township.
    township = ok_json("measures", "--year", "2024", "--user", "county")
    assert [row["area"] for row in township["areas"]] == ["441426100000"]


@pytest.mark.django_db
def test_simulate_on_the_database_for_a_county_officer(registry):
    document = ok_json("simulate", "--year", "2024", "--user", "county", "--by", "village",
                       "--parameter", "monitoring_line", "--from", "5000", "--to", "7000", "--step", "1000")
    totals = {row["value"]: row for row in document["totals"]}
    assert (totals[5000]["units"], totals[5000]["leave"]) == (0, 1)
    assert totals[6000]["units"] == 1  # the household at 5,000; not the other county's at 5,500
    assert (totals[7000]["units"], totals[7000]["enter"]) == (2, 1)
    assert {r["area"] for r in document["areas"]} == {VILLAGE_A, VILLAGE_B}


@pytest.mark.django_db
def test_the_database_is_read_only_inside_the_account_s_areas(registry):
    out_of_scope = refused("measures", "--year", "2024", "--user", "other_county", "--area", COUNTY)
    missing = refused("measures", "--year", "2024", "--user", "other_county", "--area", "441426109000")
    assert "--area: The area does not exist or is not in the account's areas." in out_of_scope
    assert out_of_scope == missing  # the same words whether absent or outside the account's areas
    assert "--area: The area does not exist" in refused(
        "simulate", "--year", "2024", "--user", "village_a", "--area", VILLAGE_B, "--parameter", "monitoring_line",
        "--from", "5000", "--to", "7000", "--step", "1000")
    assert "--user: No active account nobody" in refused("measures", "--year", "2024", "--user", "nobody")
    # The other county's officer sees the other county only.
    other = ok_json("measures", "--year", "2024", "--user", "other_county", "--by", "village")
    assert list(by_area(other)) == [OTHER_VILLAGE] and other["total"]["P0"] == pytest.approx(0.5)


@pytest.mark.django_db
def test_a_year_without_records_is_refused(registry):
    assert "--year: No household of this area has a record for 2019." in refused(
        "measures", "--year", "2019", "--user", "county")
