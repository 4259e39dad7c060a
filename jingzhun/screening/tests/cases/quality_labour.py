import datetime as dt

from jingzhun.screening.tests.builders import YEAR, household, measure, member, resident_id, snapshot
from jingzhun.screening.tests.cases import Case

ELIMINATED = {"status": "risk_eliminated", "monitoring_type": "edge", "monitoring_since": dt.date(YEAR - 1, 3, 1),
              "risks": ["unstable_work"], "elimination_method": "assisted", "risk_eliminated_on": dt.date(YEAR, 6, 1)}
IDLE = {"work_place": "none", "work_months": None}
POST = {"public_welfare_post": "护林员", "public_welfare_months": 12}


def one(**changes):
    """A household of one member (the head) with ``changes``."""
    return snapshot(household(members=[member(**changes)]))


def with_child(**changes):
    """The default couple and a son whose fields are ``changes`` (age included)."""
    return snapshot(household(members=[member(relation="head", sex="1", age=45),
                                       member(relation="spouse", sex="2", age=43),
                                       member(relation="son", sex="1", **changes)]))


def idle_family(**spouse_changes):
    """Head and spouse of working age, neither working nor holding a post."""
    return [member(relation="head", sex="1", age=45, **IDLE),
            member(relation="spouse", sex="2", age=43, **{**IDLE, **spouse_changes})]


def elderly(**spouse_changes):
    return [member(relation="head", sex="1", age=70), member(relation="spouse", sex="2", age=68, **spouse_changes)]


def limb_disabled(suffix: str, labour: str):
    birth = dt.date(YEAR - 40, 3, 15)
    return one(age=40, health="disabled", labour_ability=labour, id_type="disability_cert",
               id_number=resident_id(birth, "1", 88) + suffix)


CASES = {
    "Q45-01": Case(
        hit=lambda: with_child(age=15, labour_ability="weak"),
        miss=lambda: with_child(age=16, labour_ability="weak", school_status=""),
    ),
    "Q45-02": Case(
        hit=lambda: with_child(age=16, school_status="senior", labour_ability="weak"),
        miss=lambda: with_child(age=16, school_status="senior", labour_ability="none"),
    ),
    "Q45-03": Case(
        hit=lambda: one(age=60, labour_ability="ordinary"),
        miss=lambda: one(age=59, labour_ability="ordinary"),
    ),
    "Q45-04": Case(
        hit=lambda: one(age=59, labour_ability="lost", **IDLE),
        miss=lambda: one(age=60, labour_ability="lost", **IDLE),
    ),
    "Q45-05": Case(
        hit=lambda: one(age=30, labour_ability="weak"),
        miss=lambda: one(age=30, labour_ability="weak", health="chronic"),
    ),
    # 残疾人证 ...42: 肢体二级; ...43: 肢体三级.
    "Q45-06": Case(
        hit=lambda: limb_disabled("42", "ordinary"),
        miss=lambda: limb_disabled("43", "ordinary"),
    ),
    "Q45-07": Case(
        hit=lambda: one(work_months=13),
        miss=lambda: one(work_months=12),
    ),
    "Q45-08": Case(
        hit=lambda: one(work_place="outside", work_months=0),
        miss=lambda: one(work_place="outside", work_months=1),
    ),
    "Q45-09": Case(
        hit=lambda: one(work_place="none", work_months=1),
        miss=lambda: one(work_place="none", work_months=0),
    ),
    "Q45-10": Case(
        hit=lambda: one(age=50, health="serious", labour_ability="lost", work_place="township", work_months=2),
        miss=lambda: one(age=50, health="serious", labour_ability="weak", work_place="township", work_months=2),
    ),
    "Q45-11": Case(
        hit=lambda: snapshot(household(members=idle_family(), wage_income=0.01)),
        miss=lambda: snapshot(household(members=idle_family(**POST), wage_income=0.01)),
    ),
    "Q45-12": Case(
        hit=lambda: snapshot(household(wage_income=0.0)),
        miss=lambda: snapshot(household(wage_income=0.01)),
    ),
    "Q45-13": Case(
        hit=lambda: snapshot(household(**ELIMINATED, wage_income=0.0, measures=[measure("employment")])),
        miss=lambda: snapshot(household(**ELIMINATED, wage_income=0.01, measures=[measure("employment")])),
    ),
    "Q45-14": Case(
        hit=lambda: with_child(age=17, school_status="senior", labour_ability="none", work_place="county",
                               work_months=2),
        miss=lambda: with_child(age=17, school_status="senior", labour_ability="none", work_place="none"),
    ),
    "Q45-15": Case(
        hit=lambda: with_child(age=15, work_place="county", work_months=2),
        miss=lambda: with_child(age=16, work_place="county", work_months=2),
    ),
    "Q45-16": Case(
        hit=lambda: one(work_place="province", **POST),
        miss=lambda: one(work_place="county", **POST),
    ),
    "Q45-17": Case(
        hit=lambda: one(public_welfare_post="", public_welfare_months=1),
        miss=lambda: one(public_welfare_post="", public_welfare_months=0),
    ),
    "Q45-18": Case(
        hit=lambda: one(public_welfare_post="保洁员", public_welfare_months=None),
        miss=lambda: one(public_welfare_post="保洁员", public_welfare_months=1),
    ),
    "Q45-19": Case(
        hit=lambda: one(public_welfare_post="保洁员", public_welfare_months=13),
        miss=lambda: one(public_welfare_post="保洁员", public_welfare_months=12),
    ),
    "Q45-20": Case(
        hit=lambda: with_child(age=15, **POST),
        miss=lambda: with_child(age=16, **POST),
    ),
    "Q45-21": Case(
        hit=lambda: one(age=70, labour_ability="weak", **POST),
        miss=lambda: one(age=69, labour_ability="weak", **POST),
    ),
    "Q45-22": Case(
        hit=lambda: one(public_welfare_post="护林员、保洁员、护路员", public_welfare_months=12),
        miss=lambda: one(public_welfare_post="护林员、保洁员", public_welfare_months=12),
    ),
    "Q45-23": Case(
        hit=lambda: one(age=62, labour_ability="lost", **POST),
        miss=lambda: one(age=62, labour_ability="weak", **POST),
    ),
    "Q45-24": Case(
        hit=lambda: snapshot(household(members=elderly(), measures=[measure("welfare_post", developmental=True)])),
        miss=lambda: snapshot(household(members=elderly(labour_ability="weak"),
                                        measures=[measure("welfare_post", developmental=True)])),
    ),
    "Q45-25": Case(
        hit=lambda: snapshot(household(members=idle_family(), measures=[measure("employment", developmental=True)])),
        miss=lambda: snapshot(household(members=idle_family(work_place="township", work_months=3),
                                        measures=[measure("employment", developmental=True)])),
    ),
    "Q45-26": Case(
        hit=lambda: one(age=30, education="college", **IDLE),
        miss=lambda: one(age=30, education="senior", **IDLE),
    ),
    "Q45-27": Case(
        hit=lambda: one(age=30, labour_ability="skilled", **IDLE),
        miss=lambda: one(age=30, labour_ability="ordinary", **IDLE),
    ),
}
