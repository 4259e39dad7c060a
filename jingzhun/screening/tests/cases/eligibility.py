from jingzhun.screening.tests.builders import household, snapshot
from jingzhun.screening.tests.cases import Case

# National line 2020: 4,000 yuan.
CASES = {
    "ELIG-01": Case(
        hit=lambda: snapshot(household(status="general", per_capita_net_income=3999.0), year=2020),
        miss=lambda: snapshot(household(status="general", per_capita_net_income=4000.0), year=2020),
    ),
    "ELIG-02": Case(
        hit=lambda: snapshot(household(status="general", per_capita_net_income=4000.0, is_dangerous_house=True),
                             year=2020),
        miss=lambda: snapshot(household(status="general", per_capita_net_income=3999.0, is_dangerous_house=True),
                              year=2020),
    ),
}
