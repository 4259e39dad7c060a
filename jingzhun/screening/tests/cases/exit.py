from jingzhun.screening.tests.builders import VILLAGE, household, member, snapshot
from jingzhun.screening.tests.cases import Case

POOR = {"status": "poor", "identification_year": 2016, "exit_year": None}


def _village(poor: int, total: int, standing: str = "poor", *, year: int = 2024, village: str = VILLAGE):
    """``total`` one-person households of which ``poor`` are poor; the village's standing."""
    homes = [household(status="poor" if i < poor else "general", village=village,
                       members=[member(relation="head", age=50)]) for i in range(total)]
    area_years = [{"code": village, "year": year, "standing": standing, "exit_year": None},
                  {"code": village[:6] + "000000", "year": year, "standing": standing, "exit_year": None}]
    return snapshot(*homes, area_years=area_years, year=year)


CASES = {
    "EXIT-H-01": Case(
        hit=lambda: snapshot(household(**POOR, per_capita_net_income=4000.01), year=2020),
        miss=lambda: snapshot(household(**POOR, per_capita_net_income=4000.0), year=2020),
    ),
    "EXIT-H-02": Case(
        hit=lambda: snapshot(household(**POOR, per_capita_net_income=4000.01, drinking_water_safe=False), year=2020),
        miss=lambda: snapshot(household(**POOR, per_capita_net_income=4000.01), year=2020),
    ),
    # 2 % in 广东 (not western): 1 poor of 50 is 2.0 % (not below), 1 of 51 is 1.96 %.
    "EXIT-V-01": Case(hit=lambda: _village(1, 51), miss=lambda: _village(1, 50)),
    "EXIT-V-02": Case(hit=lambda: _village(1, 50), miss=lambda: _village(1, 51)),
    "EXIT-C-01": Case(hit=lambda: _village(1, 51), miss=lambda: _village(1, 50)),
    "EXIT-C-02": Case(hit=lambda: _village(1, 50), miss=lambda: _village(1, 51)),
}
