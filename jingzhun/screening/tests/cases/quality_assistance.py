import datetime as dt

from jingzhun.screening.tests.builders import YEAR, household, measure, member, resident_id, snapshot
from jingzhun.screening.tests.cases import Case

# A household monitored since January (risk not eliminated) and one whose risk was eliminated.
MONITORED = {"status": "monitored", "monitoring_type": "edge", "monitoring_since": dt.date(YEAR, 1, 10),
             "risks": ["illness"]}
ELIMINATED = {"status": "risk_eliminated", "monitoring_type": "edge", "monitoring_since": dt.date(YEAR - 1, 3, 1),
              "risks": ["illness"], "elimination_method": "assisted", "risk_eliminated_on": dt.date(YEAR, 6, 1)}


def family(**head_changes):
    """The default couple and son, with fields of the head changed."""
    return [member(relation="head", sex="1", age=45, **head_changes), member(relation="spouse", sex="2", age=43),
            member(relation="son", sex="1", age=10)]


def elderly(**spouse_changes):
    """Two members, neither able to work (70 and 68: 无劳动力)."""
    return [member(relation="head", sex="1", age=70), member(relation="spouse", sex="2", age=68, **spouse_changes)]


def disability_cert(suffix: str) -> dict:
    """A member identified by a 20-character 残疾人证号 (the ID plus category and grade)."""
    birth = dt.date(YEAR - 40, 3, 15)
    return member(relation="head", sex="1", age=40, health="disabled", labour_ability="weak", id_type="disability_cert",
                  id_number=resident_id(birth, "1", 77) + suffix)


CASES = {
    "Q44-01": Case(
        hit=lambda: snapshot(household(household_attribute="dibao_poor", transfer_dibao=3000.0)),
        miss=lambda: snapshot(household(household_attribute="dibao_poor", transfer_dibao=3000.0,
                                        members=family(dibao="rural"))),
    ),
    "Q44-02": Case(
        hit=lambda: snapshot(household(members=family(dibao="rural"))),
        miss=lambda: snapshot(household(members=family(dibao="none"))),
    ),
    # 五保户 with a labourer of 65 (the upper age); 66 is outside the band.
    "Q44-03": Case(
        hit=lambda: snapshot(household(household_attribute="wubao", transfer_tekun=5000.0,
                                       members=[member(age=65, labour_ability="ordinary", tekun="rural")])),
        miss=lambda: snapshot(household(household_attribute="wubao", transfer_tekun=5000.0,
                                        members=[member(age=66, labour_ability="ordinary", tekun="rural")])),
    ),
    "Q44-04": Case(
        hit=lambda: snapshot(household(transfer_dibao=3000.0, transfer_tekun=0.01)),
        miss=lambda: snapshot(household(transfer_dibao=3000.0, transfer_tekun=0.0)),
    ),
    "Q44-05": Case(
        hit=lambda: snapshot(household(transfer_dibao=0.01)),
        miss=lambda: snapshot(household(transfer_dibao=0.0)),
    ),
    "Q44-06": Case(
        hit=lambda: snapshot(household(household_attribute="dibao", members=family(dibao="rural"), transfer_dibao=0.0)),
        miss=lambda: snapshot(household(household_attribute="dibao", members=family(dibao="rural"),
                                        transfer_dibao=0.01)),
    ),
    "Q44-07": Case(
        hit=lambda: snapshot(household(household_attribute="tekun_poor", members=family(tekun="rural"),
                                       transfer_tekun=None)),
        miss=lambda: snapshot(household(household_attribute="tekun_poor", members=family(tekun="rural"),
                                        transfer_tekun=0.01)),
    ),
    "Q44-08": Case(
        hit=lambda: snapshot(household(household_attribute="wubao", transfer_tekun=5000.0)),
        miss=lambda: snapshot(household(household_attribute="wubao", transfer_tekun=5000.0,
                                        members=family(tekun="rural"))),
    ),
    "Q44-09": Case(
        hit=lambda: snapshot(household(members=family(dibao="urban"), transfer_dibao=0.0)),
        miss=lambda: snapshot(household(members=family(dibao="urban"), transfer_dibao=0.01)),
    ),
    "Q44-10": Case(
        hit=lambda: snapshot(household(members=family(tekun="rural"), transfer_tekun=0.0)),
        miss=lambda: snapshot(household(members=family(tekun="rural"), transfer_tekun=0.01)),
    ),
    "Q44-11": Case(
        hit=lambda: snapshot(household(**MONITORED, members=family(dibao="rural"), measures=[measure("health")])),
        miss=lambda: snapshot(household(**MONITORED, members=family(dibao="rural"),
                                        measures=[measure("health"), measure("dibao", safety_net=True)])),
    ),
    "Q44-12": Case(
        hit=lambda: snapshot(household(**MONITORED, members=family(tekun="rural"), measures=[measure("health")])),
        miss=lambda: snapshot(household(**MONITORED, members=family(tekun="rural"),
                                        measures=[measure("health"), measure("tekun", safety_net=True)])),
    ),
    "Q44-13": Case(
        hit=lambda: snapshot(household(**ELIMINATED, measures=[measure("dibao", safety_net=True)])),
        miss=lambda: snapshot(household(**ELIMINATED, members=family(dibao="rural"),
                                        measures=[measure("dibao", safety_net=True)])),
    ),
    "Q44-14": Case(
        hit=lambda: snapshot(household(**MONITORED, measures=[measure("tekun", safety_net=True)])),
        miss=lambda: snapshot(household(**MONITORED, members=family(tekun="urban"),
                                        measures=[measure("tekun", safety_net=True)])),
    ),
    # 残疾人证 ...41: 肢体一级; ...43: 肢体三级.
    "Q44-15": Case(
        hit=lambda: snapshot(household(**{**MONITORED, "risks": ["disability"]},
                                       members=[disability_cert("41"), member(relation="spouse", sex="2", age=43)])),
        miss=lambda: snapshot(household(**{**MONITORED, "risks": ["disability"]},
                                        members=[disability_cert("43"), member(relation="spouse", sex="2", age=43)])),
    ),
    "Q44-16": Case(
        hit=lambda: snapshot(household(**MONITORED, measures=[measure("disability", safety_net=True)])),
        miss=lambda: snapshot(household(**MONITORED, members=family(health="disabled"),
                                        measures=[measure("disability", safety_net=True)])),
    ),
    "Q44-17": Case(
        hit=lambda: snapshot(household(members=elderly())),
        miss=lambda: snapshot(household(members=elderly(dibao="rural"))),
    ),
    "Q44-18": Case(
        hit=lambda: snapshot(household(**MONITORED, members=elderly(dibao="rural"), no_labour_guaranteed=False)),
        miss=lambda: snapshot(household(**MONITORED, members=elderly(dibao="rural"), no_labour_guaranteed=True)),
    ),
    # Healthy, not at school, 18 to 59: 59 hits, 60 is outside.
    "Q44-19": Case(
        hit=lambda: snapshot(household(members=[member(age=59, tekun="rural", labour_ability="weak",
                                                       work_place="none", work_months=None)],
                                       transfer_tekun=5000.0)),
        miss=lambda: snapshot(household(members=[member(age=60, tekun="rural", labour_ability="weak",
                                                        work_place="none", work_months=None)],
                                        transfer_tekun=5000.0)),
    ),
    "Q44-20": Case(
        hit=lambda: snapshot(household(members=[member(age=62, tekun="rural", health="chronic", work_place="township",
                                                       work_months=3)], transfer_tekun=5000.0)),
        miss=lambda: snapshot(household(members=[member(age=62, tekun="rural", health="chronic", work_place="none",
                                                        work_months=None)], transfer_tekun=5000.0)),
    ),
}
