"""Poverty measures of a snapshot by area, and the policy simulation, on households whose answer is
known by hand."""

from __future__ import annotations

import pytest

from jingzhun.screening.poverty import poverty_measures
from jingzhun.screening.simulate import SimulationError, compare, sweep
from jingzhun.screening.tests.builders import household, member, snapshot

VILLAGE_2 = "441426100202"


def _one(income: float, *, status: str = "exited", village: str = "441426100201", size: int = 1, **changes):
    members = [member(relation="head", age=50), *[member(relation="son", age=30) for _ in range(size - 1)]]
    return household(status=status, per_capita_net_income=income, village=village, members=members, **changes)


def test_sweep_counts_households_entering_per_value():
    shot = snapshot(_one(5999), _one(6500, size=2), _one(7200), _one(7000, status="monitored"),
                    _one(6100, village=VILLAGE_2))
    result = sweep(shot, parameter="monitoring_line", start=5000, stop=7500, step=500, level=12)
    totals = {row["value"]: row for row in result.totals.to_dicts()}
    assert totals[6000.0]["units"] == 1 and totals[6000.0]["enter"] == 0  # the line in force
    assert totals[5000.0]["units"] == 0 and totals[5000.0]["leave"] == 1
    # 7,000: 5,999, 6,500 (2 persons) and 6,100 (other village); the monitored household never counts.
    assert totals[7000.0]["units"] == 3 and totals[7000.0]["persons"] == 4 and totals[7000.0]["enter"] == 2
    assert totals[7500.0]["units"] == 4
    by_area = {(r["area"], r["value"]): r["units"] for r in result.table.to_dicts()}
    assert by_area[("441426100202", 7000.0)] == 1 and by_area[("441426100201", 7000.0)] == 2


def test_compare_two_parameter_sets():
    shot = snapshot(_one(5999), _one(6500, size=2), _one(7200), _one(7400, village=VILLAGE_2))
    table = compare(shot, set_a={"monitoring_line": 6000}, set_b={"monitoring_line": 7300}, level=12)
    rows = {r["area"]: r for r in table.to_dicts()}
    assert rows["441426100201"]["units_a"] == 1 and rows["441426100201"]["units_b"] == 3
    assert rows["441426100201"]["b_not_a"] == 2 and rows["441426100201"]["b_not_a_persons"] == 3
    assert rows["441426100202"]["units_b"] == 0 and rows["441426100201"]["a_not_b"] == 0


def test_simulation_refuses_what_it_cannot_do():
    shot = snapshot(_one(5999))
    with pytest.raises(SimulationError):
        sweep(shot, parameter="poverty_line", start=1, stop=2, step=1)  # MON-01 does not read it
    with pytest.raises(SimulationError):
        sweep(shot, parameter="monitoring_line", start=6000, stop=9000, step=1)  # 3,001 values
    with pytest.raises(SimulationError):
        sweep(shot, parameter="monitoring_line", start=6000, stop=9000, step=100, rule_id="EXIT-V-01")


def test_measures_by_area_match_hand_computation():
    # Village 1: a poor household of 2 at 2,000 (line 4,000 in 2020) and a non-poor one of 2 at 10,000.
    # Village 2: a poor household of 1 at 3,000 in a dangerous house without safe water.
    shot = snapshot(_one(2000, status="poor", size=2), _one(10000, size=2),
                    _one(3000, status="poor", village=VILLAGE_2, is_dangerous_house=True, drinking_water_safe=False),
                    year=2020)
    report = poverty_measures(shot, level=12, line="poverty_line")
    rows = {r["area"]: r for r in report.by_area.to_dicts()}
    assert rows["441426100201"]["incidence"] == pytest.approx(50.0)
    assert rows["441426100201"]["P0"] == pytest.approx(0.5)
    assert rows["441426100201"]["P1"] == pytest.approx(0.5 * 0.5)  # gap (4000 − 2000) / 4000, half the persons
    assert rows["441426100202"]["P2"] == pytest.approx(0.25 ** 2)
    # Alkire–Foster, k = 0.4 of 5 dimensions: only village 2's household is deprived in ≥ 2 (income,
    # housing, water: 3/5).
    assert rows["441426100201"]["H"] == pytest.approx(0.0)
    assert rows["441426100202"]["H"] == pytest.approx(1.0) and rows["441426100202"]["A"] == pytest.approx(0.6)
    assert abs(report.poverty.H - 1 / 5) < 1e-9  # persons: 1 of 5
    assert report.total["incidence"] == pytest.approx(60.0) and report.denominator == "registry"


def test_incidence_with_a_population_table():
    shot = snapshot(_one(2000, status="poor", size=2), _one(10000, size=2), year=2020,
                    populations=[{"area_code": "441426100201", "population": 40}])
    report = poverty_measures(shot, level=12)
    assert report.by_area.to_dicts()[0]["incidence"] == pytest.approx(5.0)
    assert report.denominator == "population table"
