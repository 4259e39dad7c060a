import datetime as dt

from jingzhun.screening.tests.builders import household, member, snapshot
from jingzhun.screening.tests.cases import Case

MONITORED = {"status": "monitored", "monitoring_type": "edge", "monitoring_since": dt.date(2024, 1, 10)}


def members(*extra, head=None, spouse=None):
    """Head (45) and spouse (43), both working and healthy, and the ``extra`` members."""
    return [member(relation="head", sex="1", age=45, phone="13800138000", **(head or {})),
            member(relation="spouse", sex="2", age=43, **(spouse or {})), *extra]


def son(age=10, **changes):
    return member(relation="son", sex="1", age=age, **changes)


def monitored(risks, people=None, **changes):
    return snapshot(household(**MONITORED, risks=risks, members=people if people is not None else members(son()),
                              **changes))


def elderly(relation, sex, age, **changes):
    return member(relation=relation, sex=sex, age=age, **changes)


CASES = {
    "Q43-01": Case(hit=lambda: snapshot(household(main_cause="1")),
                   miss=lambda: snapshot(household(main_cause="1", members=members(son(health="chronic"))))),
    "Q43-02": Case(hit=lambda: snapshot(household(main_cause="2")),
                   miss=lambda: snapshot(household(main_cause="2", members=members(son(health="disabled"))))),
    "Q43-03": Case(hit=lambda: snapshot(household(main_cause="3", size_end=2, members=members())),
                   miss=lambda: snapshot(household(main_cause="3", members=members(son())))),
    "Q43-04": Case(hit=lambda: monitored(["disability"]),
                   miss=lambda: monitored(["disability"], members(son(health="disabled")))),
    "Q43-05": Case(hit=lambda: monitored(["illness"]), miss=lambda: monitored(["illness"], members(son(health="chronic")))),
    "Q43-06": Case(
        hit=lambda: monitored(["illness"], members(son(health="chronic")), compliant_out_of_pocket=0.0),
        miss=lambda: monitored(["illness"], members(son(health="chronic")), compliant_out_of_pocket=1.0),
    ),
    # An old couple: no labour (70) and lost labour (68); the miss gives the wife half labour.
    "Q43-07": Case(
        hit=lambda: monitored(["unstable_work"], [elderly("head", "1", 70), elderly("spouse", "2", 68, labour_ability="lost")]),
        miss=lambda: monitored(["unstable_work"], [elderly("head", "1", 70), elderly("spouse", "2", 68, labour_ability="weak")]),
    ),
    "Q43-08": Case(
        hit=lambda: monitored(["lack_labour"], members(spouse={"labour_ability": "weak"})),
        miss=lambda: monitored(["lack_labour"], members(spouse={"labour_ability": "lost"})),
    ),
    # One able-bodied member of three (33 %) is above a quarter; one of four (25 %) is not.
    "Q43-09": Case(
        hit=lambda: monitored(["lack_labour"], [member(relation="head", sex="1", age=45, phone="13800138000"),
                                                elderly("spouse", "2", 70), son()]),
        miss=lambda: monitored(["lack_labour"], [member(relation="head", sex="1", age=45, phone="13800138000"),
                                                 elderly("spouse", "2", 70), son(), elderly("father", "1", 92)]),
    ),
    # Four persons, three able-bodied (75 %) — more than half; two (50 %) is not.
    "Q43-10": Case(
        hit=lambda: monitored(["lack_labour"], members(son(20), member(relation="daughter", sex="2", age=10))),
        miss=lambda: monitored(["lack_labour"], members(son(20, labour_ability="weak"),
                                                        member(relation="daughter", sex="2", age=10))),
    ),
    "Q43-11": Case(hit=lambda: monitored(["schooling"], members()), miss=lambda: monitored(["schooling"], members(son()))),
    "Q43-12": Case(hit=lambda: monitored(["illness"], drinking_water_safe=False),
                   miss=lambda: monitored(["illness", "water"], drinking_water_safe=False)),
    "Q43-13": Case(
        hit=lambda: monitored(["disaster"], members(son(resident_medical_insurance=False))),
        miss=lambda: monitored(["disaster", "illness"], members(son(resident_medical_insurance=False))),
    ),
    "Q43-14": Case(hit=lambda: monitored(["illness"], is_dangerous_house=True, danger_level="D"),
                   miss=lambda: monitored(["illness", "housing"], is_dangerous_house=True, danger_level="D")),
    "Q43-15": Case(
        hit=lambda: monitored(["illness"], members(son(school_status=""))),
        miss=lambda: monitored(["illness", "schooling"], members(son(school_status=""))),
    ),
}
