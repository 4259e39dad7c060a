"""Cases of 4.8 两不愁三保障: the default exited household with one guarantee broken, and beside it
the guarantee restored (or the household monitored, for the 2021+ "not monitored" checks).

Members are built with their 2024 ages: in a 2020 snapshot everybody is four years younger."""

import datetime as dt

from jingzhun.screening.tests.builders import household, member, snapshot
from jingzhun.screening.tests.cases import Case

UNSTABLE = {"status": "monitored", "monitoring_type": "unstable_exited", "monitoring_since": dt.date(2024, 3, 1),
            "risks": ["illness"]}
ELIMINATED = {"status": "risk_eliminated", "monitoring_type": "edge", "monitoring_since": dt.date(2023, 1, 10),
              "risk_eliminated_on": dt.date(2023, 9, 1), "elimination_method": "assisted", "risks": ["illness"]}


def _members(**child):
    """The default couple and a son (2024 age 10 unless ``child`` says otherwise)."""
    return [member(relation="head", sex="1", age=45, phone="13800138000"), member(relation="spouse", sex="2", age=43),
            member(relation="son", sex="1", **{"age": 10, **child})]


def _couple(**spouse):
    return [member(relation="head", sex="1", age=45, phone="13800138000"),
            member(relation="spouse", sex="2", age=43, **spouse), member(relation="son", sex="1", age=10)]


def _at(year, **changes):
    return lambda: snapshot(household(**changes), year=year)


CASES = {
    "Q48-01": Case(hit=_at(2020, per_capita_net_income=3999.99), miss=_at(2020, per_capita_net_income=4000.0)),
    # 2024 age 14 is 10 in 2020.
    "Q48-02": Case(
        hit=lambda: snapshot(household(members=_members(age=14, school_status="", education="")), year=2020),
        miss=lambda: snapshot(household(members=_members(age=14, school_status="primary", education="")), year=2020),
    ),
    "Q48-03": Case(hit=_at(2020, is_dangerous_house=True, danger_level="C"), miss=_at(2020, is_dangerous_house=False)),
    "Q48-04": Case(hit=_at(2020, drinking_water_safe=False), miss=_at(2020, drinking_water_safe=True)),
    "Q48-05": Case(
        hit=lambda: snapshot(household(main_cause="1", members=_couple(serious_illness_insurance=False)), year=2020),
        miss=lambda: snapshot(household(main_cause="1", members=_couple(serious_illness_insurance=True)), year=2020),
    ),
    "Q48-06": Case(hit=_at(2024, housing_area_m2=0.0), miss=_at(2024, housing_area_m2=1.0)),
    "Q48-07": Case(hit=_at(2024, is_dangerous_house=True, danger_level="D"),
                   miss=_at(2024, is_dangerous_house=True, danger_level="D", **UNSTABLE)),
    "Q48-08": Case(hit=_at(2024, drinking_water_difficult=True),
                   miss=_at(2024, drinking_water_difficult=True, **UNSTABLE)),
    "Q48-09": Case(
        hit=lambda: snapshot(household(members=_couple(serious_illness_insurance=False))),
        miss=lambda: snapshot(household(members=_couple(serious_illness_insurance=False), **UNSTABLE)),
    ),
    "Q48-10": Case(
        hit=lambda: snapshot(household(members=_couple(resident_medical_insurance=False))),
        miss=lambda: snapshot(household(members=_couple(resident_medical_insurance=False,
                                                        employee_medical_insurance=True))),
    ),
    "Q48-11": Case(
        hit=lambda: snapshot(household(members=_members(age=12, school_status="", education=""))),
        miss=lambda: snapshot(household(members=_members(age=12, school_status="", education="", health="disabled",
                                                         out_of_school_reason="因残"))),
    ),
    "Q48-12": Case(hit=_at(2024, living_electricity=False), miss=_at(2024, living_electricity=True)),
    "Q48-13": Case(hit=_at(2024, is_dangerous_house=True, danger_level="C", **ELIMINATED),
                   miss=_at(2024, is_dangerous_house=False, **ELIMINATED)),
    "Q48-14": Case(hit=_at(2024, drinking_water_safe=False, **ELIMINATED),
                   miss=_at(2024, drinking_water_safe=True, **ELIMINATED)),
    "Q48-15": Case(
        hit=lambda: snapshot(household(members=_members(age=16, school_status="", education=""), **ELIMINATED)),
        miss=lambda: snapshot(household(members=_members(age=17, school_status="", education=""), **ELIMINATED)),
    ),
    "Q48-16": Case(
        hit=lambda: snapshot(household(members=_couple(resident_medical_insurance=False), **ELIMINATED)),
        miss=lambda: snapshot(household(members=_couple(resident_medical_insurance=True), **ELIMINATED)),
    ),
}
