"""Cases of 4.10 land and distance: the default three-person household with one area or distance just
above or at its limit (贵州 ranges: a village of 贵阳 in 2023)."""

from jingzhun.screening.tests.builders import household, snapshot
from jingzhun.screening.tests.cases import Case

GUIYANG = "520102100201"


def _home(**changes):
    return lambda: snapshot(household(**changes))


def _guizhou(**changes):
    return lambda: snapshot(household(village=GUIYANG, **changes), year=2023)


GZ_LIMITS = {"arable_land_mu": 100.0, "pasture_mu": 100.0, "water_surface_mu": 100.0, "forest_land_mu": 200.0,
             "grain_to_forest_mu": 200.0, "orchard_mu": 200.0}

CASES = {
    # Three members: 150.03 mu is 50.01 per person.
    "Q410-01": Case(hit=_home(arable_land_mu=150.03), miss=_home(arable_land_mu=150.0)),
    "Q410-02": Case(hit=_home(forest_land_mu=210.03), miss=_home(forest_land_mu=210.0)),
    "Q410-03": Case(hit=_home(distance_to_road_km=50.01), miss=_home(distance_to_road_km=50.0)),
    "Q410-04": Case(hit=_home(orchard_mu=-0.5, distance_to_road_km=-1.0), miss=_home(orchard_mu=0.0)),
    **{f"Q410-{5 + i:02d}": Case(hit=_guizhou(**{column: limit + 0.01}), miss=_guizhou(**{column: limit}))
       for i, (column, limit) in enumerate(GZ_LIMITS.items())},
    "Q410-11": Case(hit=_guizhou(distance_to_road_km=5.01), miss=_guizhou(distance_to_road_km=5.0)),
}
