"""Cases of 4.9 monitoring process checks (year 2024; months counted from the date's month)."""

import datetime as dt

from jingzhun.screening.tests.builders import household, measure, member, snapshot
from jingzhun.screening.tests.cases import Case

# Monitored since January 2024: 11 months by the year's end.
MONITORED = {"status": "monitored", "monitoring_type": "edge", "monitoring_since": dt.date(2024, 1, 10),
             "risks": ["illness"], "per_capita_net_income": 6500.0}
# Eliminated by assistance in March 2024, after nine months of monitoring.
ELIMINATED = {"status": "risk_eliminated", "monitoring_type": "edge", "monitoring_since": dt.date(2023, 6, 1),
              "risk_eliminated_on": dt.date(2024, 3, 1), "elimination_method": "assisted", "risks": ["illness"],
              "per_capita_net_income": 8000.0}
INDUSTRY = measure("industry", developmental=True)
RISK_MEASURES = {"illness": "health", "schooling": "education", "disability": "disability", "housing": "housing",
                 "water": "water"}


def _monitored(measures=(), **changes):
    return lambda: snapshot(household(**{**MONITORED, **changes}, measures=list(measures)))


def _eliminated(measures=(), members=None, **changes):
    return lambda: snapshot(household(**{**ELIMINATED, **changes}, measures=list(measures), members=members))


def _dates(since, eliminated):
    return _eliminated([measure("health")], monitoring_since=since, risk_eliminated_on=eliminated)


CASES = {
    "Q49-01": Case(hit=_eliminated([measure("health")], risks=[]),
                   miss=_eliminated([measure("health")], risks=["illness"])),
    "Q49-02": Case(hit=_monitored(monitoring_since=dt.date(2024, 10, 5)),
                   miss=_monitored(monitoring_since=dt.date(2024, 11, 5))),
    "Q49-03": Case(hit=_monitored([measure("health", start=dt.date(2024, 3, 1))]),
                   miss=_monitored([measure("health", start=dt.date(2024, 2, 1))])),
    "Q49-04": Case(hit=_eliminated(), miss=_eliminated([measure("health")])),
    **{f"Q49-{5 + i:02d}": Case(hit=_eliminated([INDUSTRY], risks=[risk]),
                                miss=_eliminated([INDUSTRY, measure(kind)], risks=[risk]))
       for i, (risk, kind) in enumerate(RISK_MEASURES.items())},
    **{f"Q49-{10 + i:02d}": Case(hit=_monitored([INDUSTRY], risks=[risk]),
                                 miss=_monitored([INDUSTRY, measure(kind)], risks=[risk]))
       for i, (risk, kind) in enumerate(RISK_MEASURES.items())},
    # Six months by the year's end from June, five from July.
    "Q49-15": Case(hit=_monitored([measure("health")], monitoring_since=dt.date(2024, 6, 1)),
                   miss=_monitored([measure("health")], monitoring_since=dt.date(2024, 7, 1))),
    "Q49-16": Case(hit=_monitored([measure("dibao", safety_net=True)]),
                   miss=_monitored([measure("dibao", safety_net=True), INDUSTRY])),
    "Q49-17": Case(hit=_monitored([measure("health"), measure("skills_training", developmental=True)]),
                   miss=_monitored([measure("health"), measure("employment", developmental=True)])),
    "Q49-18": Case(hit=_monitored([measure("health"), measure("industry", developmental=True, status="planned")]),
                   miss=_monitored([measure("health"), measure("industry", developmental=True, status="done")])),
    "Q49-19": Case(
        hit=_eliminated([measure("health")], members=[member(relation="head", age=70),
                                                      member(relation="spouse", sex="2", age=68)]),
        miss=_eliminated([measure("health")], members=[member(relation="head", age=70),
                                                       member(relation="spouse", sex="2", age=68,
                                                              labour_ability="weak")]),
    ),
    "Q49-20": Case(hit=_dates(dt.date(2024, 3, 10), dt.date(2024, 4, 20)),
                   miss=_dates(dt.date(2024, 3, 10), dt.date(2024, 5, 1))),
    "Q49-21": Case(hit=_dates(dt.date(2023, 12, 1), dt.date(2024, 5, 1)),
                   miss=_dates(dt.date(2023, 12, 1), dt.date(2024, 6, 1))),
    "Q49-22": Case(hit=_dates(dt.date(2024, 5, 1), dt.date(2024, 4, 30)),
                   miss=_dates(dt.date(2024, 5, 1), dt.date(2024, 5, 15))),
}
