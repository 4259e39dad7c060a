import datetime as dt

from jingzhun.screening.tests.builders import YEAR, household, measure, snapshot
from jingzhun.screening.tests.cases import Case

# National defaults for 2024: monitoring line 6,000 yuan; thresholds 100,000 / 4,000 / 100 / 20,000 yuan.
MONITORED = {"status": "monitored", "monitoring_type": "edge", "monitoring_since": dt.date(YEAR, 1, 10),
             "risks": ["illness"]}
ELIMINATED = {"status": "risk_eliminated", "monitoring_type": "edge", "monitoring_since": dt.date(YEAR - 1, 3, 1),
              "risks": ["illness"], "elimination_method": "assisted", "risk_eliminated_on": dt.date(YEAR, 6, 1)}

CASES = {
    "Q46-01": Case(
        hit=lambda: snapshot(household(per_capita_net_income=0.0)),
        miss=lambda: snapshot(household(per_capita_net_income=0.01)),
    ),
    "Q46-02": Case(
        hit=lambda: snapshot(household(per_capita_net_income=None)),
        miss=lambda: snapshot(household(per_capita_net_income=0.0)),
    ),
    "Q46-03": Case(
        hit=lambda: snapshot(household(per_capita_net_income=100000.01)),
        miss=lambda: snapshot(household(per_capita_net_income=100000.0)),
    ),
    "Q46-04": Case(
        hit=lambda: snapshot(household(business_income=8000.0, business_expense=0.0)),
        miss=lambda: snapshot(household(business_income=8000.0, business_expense=0.01)),
    ),
    "Q46-05": Case(
        hit=lambda: snapshot(household(**MONITORED, wage_income=99.99)),
        miss=lambda: snapshot(household(**MONITORED, wage_income=100.0)),
    ),
    "Q46-06": Case(
        hit=lambda: snapshot(household(per_capita_net_income=3999.99)),
        miss=lambda: snapshot(household(per_capita_net_income=4000.0)),
    ),
    "Q46-07": Case(
        hit=lambda: snapshot(household(**MONITORED, per_capita_net_income=20000.01)),
        miss=lambda: snapshot(household(**{**MONITORED, "monitoring_since": dt.date(YEAR - 1, 12, 20)},
                                        per_capita_net_income=20000.01)),
    ),
    "Q46-08": Case(
        hit=lambda: snapshot(household(per_capita_net_income=5999.99)),
        miss=lambda: snapshot(household(per_capita_net_income=6000.0)),
    ),
    "Q46-09": Case(
        hit=lambda: snapshot(household(**ELIMINATED, per_capita_net_income=5999.99)),
        miss=lambda: snapshot(household(**ELIMINATED, per_capita_net_income=6000.0)),
    ),
    "Q46-10": Case(
        hit=lambda: snapshot(household(**ELIMINATED, business_income=0.0, business_expense=0.0,
                                       measures=[measure("industry", developmental=True)])),
        miss=lambda: snapshot(household(**ELIMINATED, business_income=0.01, business_expense=0.0,
                                        measures=[measure("industry", developmental=True)])),
    ),
    "Q46-11": Case(
        hit=lambda: snapshot(household(**ELIMINATED, transfer_income=0.0,
                                       measures=[measure("dibao", safety_net=True),
                                                 measure("disability", safety_net=True)])),
        miss=lambda: snapshot(household(**ELIMINATED, transfer_income=0.01,
                                        measures=[measure("dibao", safety_net=True),
                                                  measure("disability", safety_net=True)])),
    ),
}
