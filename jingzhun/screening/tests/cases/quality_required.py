import datetime as dt

from jingzhun.screening.tests.builders import household, member, snapshot
from jingzhun.screening.tests.cases import Case

MONITORED = {"status": "monitored", "monitoring_type": "edge", "monitoring_since": dt.date(2024, 1, 10),
             "risks": ["illness"]}


def with_head(**changes):
    """The default household with its head (45, working, phone) changed."""
    head = {"relation": "head", "sex": "1", "age": 45, "phone": "13800138000", **changes}
    return snapshot(household(members=[member(**head),
                                       member(relation="spouse", sex="2", age=43),
                                       member(relation="son", sex="1", age=10)]))


def with_member(**changes):
    """The default household with a daughter added."""
    return snapshot(household(members=[member(relation="head", sex="1", age=45, phone="13800138000"),
                                       member(relation="spouse", sex="2", age=43),
                                       member(relation="daughter", sex="2", **changes)]))


def without_year_record():
    lost = member(relation="son", sex="1", age=10)
    lost["year"]["id_number"] = "another person"  # the member-year row belongs to nobody of the household
    return snapshot(household(members=[member(relation="head", sex="1", age=45, phone="13800138000"),
                                       member(relation="spouse", sex="2", age=43), lost]))


def field(number, column, empty, filled, **extra):
    return f"Q42-{number:02d}", Case(hit=lambda: snapshot(household(**{column: empty}, **extra)),
                                     miss=lambda: snapshot(household(**{column: filled}, **extra)))


CASES = dict([
    field(9, "main_cause", "", "7"),
    field(12, "identification_standard", "", "1"),
    field(13, "production_electricity", None, False),
    field(14, "in_cooperative", None, False),
    field(15, "distance_to_road_km", None, 0.0),
    field(16, "road_type", "", "earth"),
    field(17, "housing_area_m2", None, 90.0),
    field(18, "living_electricity", None, True),
    field(19, "drinking_water_difficult", None, False),
    field(20, "drinking_water_safe", None, True),
    field(21, "fuel_type", "", "firewood"),
    field(22, "sanitary_toilet", None, False),
    field(23, "is_dangerous_house", None, False),
    field(24, "arable_land_mu", None, 0.0),
    field(25, "forest_land_mu", None, 0.0),
    field(26, "grain_to_forest_mu", None, 0.0),
    field(27, "orchard_mu", None, 0.0),
    field(28, "pasture_mu", None, 0.0),
    field(29, "water_surface_mu", None, 0.0),
    field(31, "monitoring_since", None, dt.date(2024, 1, 10), **{k: v for k, v in MONITORED.items()
                                                                  if k != "monitoring_since"}),
    field(32, "wage_income", None, 0.0, **MONITORED),
    field(33, "risks", [], ["illness"], **{k: v for k, v in MONITORED.items() if k != "risks"}),
])

CASES.update({
    "Q42-01": Case(hit=without_year_record, miss=lambda: snapshot(household())),
    "Q42-02": Case(hit=lambda: with_head(ethnicity=""), miss=lambda: with_head(ethnicity="01")),
    "Q42-03": Case(hit=lambda: with_head(education=""), miss=lambda: with_head(education="primary")),
    # Aged 23 (the last age the school status is required) with nothing said about schooling; 24 misses.
    "Q42-04": Case(hit=lambda: with_member(age=23, education=""), miss=lambda: with_member(age=24, education="")),
    "Q42-05": Case(hit=lambda: with_head(health=""), miss=lambda: with_head(health="healthy")),
    "Q42-06": Case(hit=lambda: with_member(age=65, labour_ability=""),
                   miss=lambda: with_member(age=66, labour_ability="")),
    "Q42-07": Case(hit=lambda: with_head(resident_pension_insurance=None, employee_pension_insurance=None),
                   miss=lambda: with_head(resident_pension_insurance=False, employee_pension_insurance=None)),
    "Q42-08": Case(hit=lambda: with_head(serious_illness_insurance=None),
                   miss=lambda: with_head(serious_illness_insurance=False)),
    "Q42-10": Case(hit=lambda: snapshot(household(main_cause="7", other_cause_1="7")),
                   miss=lambda: snapshot(household(main_cause="7", other_cause_1="9"))),
    "Q42-11": Case(hit=lambda: snapshot(household(other_cause_1="9", other_cause_2="9")),
                   miss=lambda: snapshot(household(other_cause_1="9", other_cause_2="10"))),
    "Q42-30": Case(hit=lambda: with_head(phone=""),
                   miss=lambda: snapshot(household(household_phone="13800138000", members=[
                       member(relation="head", sex="1", age=45), member(relation="spouse", sex="2", age=43),
                       member(relation="son", sex="1", age=10)]))),
})
