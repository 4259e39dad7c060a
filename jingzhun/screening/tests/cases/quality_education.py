"""Cases of 4.7 education plausibility: a child (or young adult) of the default couple, one year
inside or outside each band."""

from jingzhun.screening.tests.builders import household, measure, member, snapshot
from jingzhun.screening.tests.cases import Case


def _family(**child):
    """The default couple with one child described by ``child`` (member fields)."""
    return snapshot(household(members=[member(relation="head", sex="1", age=45, phone="13800138000"),
                                       member(relation="spouse", sex="2", age=43),
                                       member(relation="son", sex="1", **child)]))


def _student(age, school):
    return lambda: _family(age=age, school_status=school, education="")


CASES = {
    "Q47-01": Case(hit=_student(14, "senior"), miss=_student(15, "senior")),
    "Q47-02": Case(hit=_student(20, "primary"), miss=_student(19, "primary")),
    "Q47-03": Case(hit=_student(15, "primary"), miss=_student(14, "primary")),
    "Q47-04": Case(hit=_student(11, "junior"), miss=_student(12, "junior")),
    "Q47-05": Case(hit=_student(21, "vocational"), miss=_student(20, "vocational")),
    "Q47-06": Case(hit=_student(17, "undergraduate"), miss=_student(18, "undergraduate")),
    "Q47-07": Case(
        hit=lambda: _family(age=17, school_status="", education="college"),
        miss=lambda: _family(age=18, school_status="", education="college"),
    ),
    "Q47-08": Case(hit=_student(19, "postgraduate"), miss=_student(20, "postgraduate")),
    "Q47-09": Case(hit=_student(7, "preschool"), miss=_student(6, "preschool")),
    "Q47-10": Case(
        hit=lambda: _family(age=22, school_status="", education="primary"),
        miss=lambda: _family(age=23, school_status="", education="primary"),
    ),
    "Q47-11": Case(
        hit=lambda: _family(age=10, school_status="primary", education="primary"),
        miss=lambda: _family(age=10, school_status="primary", education=""),
    ),
    "Q47-12": Case(
        hit=lambda: _family(age=30, school_status="", education=""),
        miss=lambda: _family(age=30, school_status="", education="junior"),
    ),
    "Q47-13": Case(
        hit=lambda: _family(age=10, school_status="", education="", out_of_school_reason="因病"),
        miss=lambda: _family(age=10, school_status="", education="", out_of_school_reason="因病", health="serious"),
    ),
    "Q47-14": Case(
        hit=lambda: snapshot(household(members=[member(relation="head", age=45),
                                                member(relation="son", age=17, school_status="vocational")],
                                       measures=[measure("industry", developmental=True)])),
        miss=lambda: snapshot(household(members=[member(relation="head", age=45),
                                                 member(relation="son", age=17, school_status="vocational")],
                                        measures=[measure("industry", developmental=True), measure("education")])),
    ),
}
