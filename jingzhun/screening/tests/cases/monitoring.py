import datetime as dt

from jingzhun.screening.tests.builders import household, measure, snapshot
from jingzhun.screening.tests.cases import Case

# Monitoring line 2024 (national default): 6,000 yuan; drop 30 %; out-of-pocket 100 % of last year's income.
MONITORED = {"status": "monitored", "monitoring_type": "edge", "monitoring_since": dt.date(2024, 1, 10),
             "risks": ["illness"], "per_capita_net_income": 6500.0}
HEALTH = [measure("health")]

CASES = {
    "MON-01": Case(
        hit=lambda: snapshot(household(per_capita_net_income=5999.99)),
        miss=lambda: snapshot(household(per_capita_net_income=6000.0)),
    ),
    "MON-02": Case(
        hit=lambda: snapshot(household(compliant_out_of_pocket=30000.01, previous={"net_income": 30000.0})),
        miss=lambda: snapshot(household(compliant_out_of_pocket=30000.0, previous={"net_income": 30000.0})),
    ),
    "MON-03": Case(
        hit=lambda: snapshot(household(per_capita_net_income=6999.0, previous={"per_capita_net_income": 10000.0})),
        miss=lambda: snapshot(household(per_capita_net_income=7000.0, previous={"per_capita_net_income": 10000.0})),
    ),
    "MON-04": Case(
        hit=lambda: snapshot(household(risks=["disaster"])),
        miss=lambda: snapshot(household(risks=["housing"])),
    ),
    # Monitored since January: 11 months at the year's end (≥ 6); one health measure.
    "MON-05": Case(
        hit=lambda: snapshot(household(**MONITORED, measures=HEALTH)),
        miss=lambda: snapshot(household(**MONITORED)),
    ),
    "MON-06": Case(
        hit=lambda: snapshot(household(**{**MONITORED, "monitoring_since": dt.date(2024, 7, 1)}, measures=HEALTH)),
        miss=lambda: snapshot(household(**{**MONITORED, "monitoring_since": dt.date(2024, 6, 1)}, measures=HEALTH)),
    ),
}
