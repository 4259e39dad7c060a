"""Data quality 4.10 — land and distance plausibility (domain §4.10).

Nationally (R5-10, ≈2017): arable land per person above ``th_q410_arable_pp_max`` (50 亩), forest per
person above ``th_q410_forest_pp_max`` (70 亩), or a distance to the village's main road above
``th_q410_road_km_max`` (50 km) are implausible. 贵州 from 2023 (R2 5_14_001–014) checks every area of
the household against a range — 耕地 / 牧草地 / 水面 0–``th_q410_gz_land_max`` (100 亩), 林地 / 退耕还林 /
林果 0–``th_q410_gz_forest_max`` (200 亩) — and the distance against ``th_q410_gz_road_km_max`` (5 km).
A negative area or distance is wrong anywhere: that check applies in every region.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhun.screening.catalogue.base import Kind, Rule, Scope, Severity, Value
from jingzhun.screening.catalogue.thresholds import threshold

GROUP = "quality.land"
REGISTERED = ("registered",)
GUIZHOU = ("52",)
GZ_YEARS = (2023, None)

THRESHOLDS = [
    threshold("th_q410_arable_pp_max", _("Screening: arable land per person at most (mu)"), "50", "national",
              "R5-10 (人均耕地 > 50 亩)"),
    threshold("th_q410_forest_pp_max", _("Screening: forest land per person at most (mu)"), "70", "national",
              "R5-10 (人均林地 > 70 亩)"),
    threshold("th_q410_road_km_max", _("Screening: distance to the village main road at most (km)"), "50", "national",
              "R5-10 (与村主干路距离 > 50 km)"),
    threshold("th_q410_gz_land_max", _("Screening: arable, pasture or water surface per household at most (mu)"),
              "100", "provincial", "R2 5_14_001–014 (贵州 2023: 耕地/牧草地/水面 0–100 亩)"),
    threshold("th_q410_gz_forest_max", _("Screening: forest, grain-to-forest or orchard land per household at most "
                                         "(mu)"),
              "200", "provincial", "R2 5_14_001–014 (贵州 2023: 林地/退耕还林/林果 0–200 亩)"),
    threshold("th_q410_gz_road_km_max", _("Screening: distance to the village main road at most (km, strict)"), "5",
              "provincial", "R2 5_14_001–014 (贵州 2023: 与村主干路距离 > 5 km)"),
]

PER_PERSON = "{column} / NULLIF(n_members, 0)"
MEMBERS = Value("members", "n_members")

# column, zh, en, threshold of the 贵州 range
AREAS = (
    ("arable_land_mu", "耕地面积", "arable land", "th_q410_gz_land_max"),
    ("pasture_mu", "牧草地面积", "pasture", "th_q410_gz_land_max"),
    ("water_surface_mu", "水面面积", "water surface", "th_q410_gz_land_max"),
    ("forest_land_mu", "林地面积", "forest land", "th_q410_gz_forest_max"),
    ("grain_to_forest_mu", "退耕还林面积", "grain-to-forest land", "th_q410_gz_forest_max"),
    ("orchard_mu", "林果面积", "orchard", "th_q410_gz_forest_max"),
)
NEGATIVE_FLAGS = {column: (zh, en) for column, zh, en, _max in AREAS}
NEGATIVE_FLAGS["distance_to_road_km"] = ("与村主干路距离", "distance to the main road")
NEGATIVE_SQL = " OR ".join(f"{column} < 0" for column in NEGATIVE_FLAGS)
NEGATIVE_LIST = "CONCAT(" + ", ".join(f"CASE WHEN {column} < 0 THEN '{column},' ELSE '' END"
                                      for column in NEGATIVE_FLAGS) + ")"


def _per_person(seq: str, column: str, zh: str, en: str, limit: str) -> Rule:
    per_person = PER_PERSON.format(column=column)
    return Rule(
        id=f"Q410-{seq}", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        refs="R5-10", name_zh=f"人均{zh}过大", name_en=f"Too much {en} per person",
        when=f"{per_person} > {limit}",
        values=(Value("area", column), MEMBERS, Value("per_person", per_person), Value("max", limit)),
        message_zh=f"{zh} {{area}} 亩，{{members}} 人，人均 {{per_person}} 亩，超过 {{max}} 亩",
        message_en=f"{en.capitalize()} {{area}} mu for {{members}} person(s): {{per_person}} mu per person, "
                   f"more than {{max}}",
    )


def _guizhou(seq: str, column: str, zh: str, en: str, limit: str) -> Rule:
    return Rule(
        id=f"Q410-{seq}", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        years=GZ_YEARS, regions=GUIZHOU, refs="R2 5_14_001–014",
        name_zh=f"{zh}超出合理范围", name_en=f"{en.capitalize()} out of range",
        when=f"{column} > {limit}",
        values=(Value("area", column), Value("max", limit)),
        message_zh=f"{zh} {{area}} 亩，超过 {{max}} 亩", message_en=f"{en.capitalize()} {{area}} mu, more than {{max}}",
    )


RULES = [
    _per_person("01", "arable_land_mu", "耕地", "arable land", "th_q410_arable_pp_max"),
    _per_person("02", "forest_land_mu", "林地", "forest land", "th_q410_forest_pp_max"),
    Rule(
        id="Q410-03", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        refs="R5-10", name_zh="与村主干路距离过远", name_en="Too far from the village main road",
        when="distance_to_road_km > th_q410_road_km_max",
        values=(Value("km", "distance_to_road_km"), Value("max", "th_q410_road_km_max")),
        message_zh="与村主干路距离 {km} 公里，超过 {max} 公里",
        message_en="Distance to the village main road {km} km, more than {max} km",
    ),
    Rule(
        id="Q410-04", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.ERROR, population=REGISTERED,
        refs="R2 5_14_001–014 (negative values; impossible anywhere)",
        name_zh="土地面积或距离为负数", name_en="Negative land area or distance",
        when=f"({NEGATIVE_SQL})",
        values=(Value("fields", NEGATIVE_LIST, Kind.FLAGS, flags=NEGATIVE_FLAGS),),
        message_zh="{fields}为负数", message_en="Negative value of: {fields}",
    ),
    *[_guizhou(f"{5 + i:02d}", column, zh, en, limit) for i, (column, zh, en, limit) in enumerate(AREAS)],
    Rule(
        id="Q410-11", group=GROUP, scope=Scope.HOUSEHOLD, severity=Severity.WARNING, population=REGISTERED,
        years=GZ_YEARS, regions=GUIZHOU, refs="R2 5_14_001–014",
        name_zh="与村主干路距离超出合理范围", name_en="Distance to the main road out of range",
        when="distance_to_road_km > th_q410_gz_road_km_max",
        values=(Value("km", "distance_to_road_km"), Value("max", "th_q410_gz_road_km_max")),
        message_zh="与村主干路距离 {km} 公里，超过 {max} 公里",
        message_en="Distance to the village main road {km} km, more than {max} km",
    ),
]
