"""Synthetic 建档立卡 registry: realistic, deterministic for a seed, streamed in bounded memory.

Everything is drawn with numpy, village by village. Each village has its own random stream
(``SeedSequence([seed, village index])``), so the output does not depend on how villages are
grouped into chunks. ID numbers are unique by construction: a counter per (county, birth date,
sex) hands out the three-digit order code, in village order.

Tables (columns named like the model fields):
  areas(code, name, level, parent_code)                      counties (real), townships, villages
  households(household_number, area_code, group_name, natural_village, address, phone, ...)
  persons(household_number, name, sex, id_type, id_number, birth_date, relation, ...)
  household_years(household_number, year, status, causes, income block, conditions...)
  person_years(id_number, year, health, labour_ability, education, school_status, work...)
No Django here: the generator runs without a database.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from jingzhun.areas import codes
from jingzhun.areas.reference import reference_file

EPOCH = dt.date(1900, 1, 1)
DAYS = (dt.date(2100, 1, 1) - EPOCH).days
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list("10X98765432"))
XLSX_MAX_ROWS = 1_048_575  # data rows per sheet (plus the header row)
DEFAULT_COUNTY = "441426000000"  # 广东省 梅州市 平远县

# Yearly lines (yuan per person and year): the national poverty line to 2020 (policy defaults.json)
# and the monitoring line afterwards; incomes grow ~7 % a year (rural per-capita income).
POVERTY_LINE = {2013: 2736, 2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}
MONITORING_LINE = 6000


def income_line(year: int) -> int:
    """The line a household's net income per person is judged against in ``year``."""
    if year <= 2020:
        return POVERTY_LINE.get(year, 2736 if year < 2013 else 4000)
    return MONITORING_LINE


def growth(year: int) -> float:
    return float(1.07 ** (year - 2024))


# Real townships of 平远县 (all 镇); other counties get generated names.
REAL_TOWNSHIPS = {
    "441426": ["大柘镇", "仁居镇", "东石镇", "八尺镇", "差干镇", "河头镇", "中行镇", "上举镇", "泗水镇", "长田镇",
               "热柘镇", "石正镇"],
}
# Place-name syllables of south China villages (客家 / 粤 flavour): first + second + 村.
PLACE_FIRST = list("黄石高新长竹坪塘横下上罗田锡桥水岭大龙梅青铁樟茶丰双湖寨中联太和东红金良柏南北西安福富兴"
                   "坑坝松林杨柯蕉柚莲荷凤鹤鸡马牛羊猫虎狮白乌沙泥岩洞溪河江湾洲圳埔围厦楼仓墩岗坳畲礤径")
PLACE_SECOND = list("坑坪岭塘田背口寨岗坝湖洋溪山坳径围墩圳埔洞湾洲下头尾心坡尾塅丘")
NATURAL_VILLAGE_SUFFIX = ["屋", "屋", "围", "坑", "塘", "排", "背", "坪"]

# --- code lists used (must match registry/codelists.json) -------------------------------------------
# Relations: index into REL, with implied sex (1 male, 2 female, 0 free).
REL = np.array(["head", "spouse", "son", "daughter", "daughter_in_law", "grandson", "granddaughter", "father", "mother"])
REL_SEX = np.array([0, 0, 1, 2, 2, 1, 2, 1, 2])
H, SP, SON, DAU, DIL, GS, GD, FA, MO = range(9)
CH, GC = 9, 10  # template placeholders: a child (son or daughter), a grandchild (grandson or granddaughter)
# Household templates by size: (relations, head age low, head age high, weight, P(head is a man)).
TEMPLATES: dict[int, list[tuple[tuple[int, ...], int, int, float, float]]] = {
    1: [((H,), 62, 92, 0.7, 0.45), ((H,), 28, 61, 0.3, 0.8)],
    2: [((H, SP), 58, 88, 0.6, 0.93), ((H, CH), 40, 78, 0.25, 0.5), ((H, MO), 30, 58, 0.05, 0.9),
        ((H, SP), 24, 40, 0.1, 0.93)],
    3: [((H, SP, CH), 30, 58, 0.55, 0.93), ((H, SP, GC), 55, 76, 0.15, 0.93), ((H, SP, MO), 35, 60, 0.1, 0.93),
        ((H, CH, CH), 40, 62, 0.1, 0.5), ((H, SON, DIL), 48, 75, 0.1, 0.4)],
    4: [((H, SP, CH, CH), 32, 55, 0.5, 0.94), ((H, SP, CH, MO), 35, 58, 0.15, 0.94), ((H, SP, SON, DIL), 50, 68, 0.1, 0.94),
        ((H, SP, GC, GC), 55, 76, 0.1, 0.94), ((H, SP, CH, FA), 34, 52, 0.05, 0.94), ((H, SON, DIL, GC), 58, 82, 0.1, 0.45)],
    5: [((H, SP, CH, CH, MO), 35, 55, 0.3, 0.94), ((H, SP, SON, DIL, GC), 50, 70, 0.45, 0.94),
        ((H, SP, CH, CH, CH), 33, 50, 0.25, 0.94)],
    6: [((H, SP, SON, DIL, GC, GC), 50, 70, 0.6, 0.95), ((H, SP, CH, CH, FA, MO), 35, 52, 0.2, 0.95),
        ((H, SP, CH, CH, CH, MO), 35, 52, 0.2, 0.95)],
    7: [((H, SP, SON, DIL, GC, GC, MO), 48, 64, 0.5, 0.95), ((H, SP, SON, DIL, GC, GC, GC), 50, 68, 0.3, 0.95),
        ((H, SP, CH, CH, CH, FA, MO), 36, 50, 0.2, 0.95)],
}
SIZE_P = np.array([0.13, 0.24, 0.23, 0.2, 0.12, 0.06, 0.02])  # sizes 1..7, mean ≈ 3.2


def _flatten_templates() -> tuple[np.ndarray, ...]:
    rels, starts, lengths, lows, highs, sizes, probs, male = [], [], [], [], [], [], [], []
    for size, options in TEMPLATES.items():
        for relations, low, high, p, p_male in options:
            starts.append(len(rels))
            rels.extend(relations)
            lengths.append(len(relations))
            lows.append(low)
            highs.append(high)
            sizes.append(size)
            probs.append(p)
            male.append(p_male)
    return (np.array(rels), np.array(starts), np.array(lengths), np.array(lows), np.array(highs),
            np.array(sizes), np.array(probs), np.array(male))


T_REL, T_START, T_LEN, T_LOW, T_HIGH, T_SIZE, T_PROB, T_MALE = _flatten_templates()
TEMPLATES_BY_SIZE = {s: np.flatnonzero(s == T_SIZE) for s in TEMPLATES}


@dataclass(frozen=True)
class Village:
    index: int  # global village index (drives the random stream)
    code: str
    name: str
    full_name: str  # 平远县大柘镇黄花村 (for addresses)
    persons: int  # number of persons


@dataclass
class Plan:
    """The area tree to fill: real counties, synthetic townships and villages with NBS-rule codes."""

    areas: list[tuple[str, str, int, str | None]] = field(default_factory=list)
    villages: list[Village] = field(default_factory=list)


def reference_counties() -> list[tuple[str, str, str]]:
    """(code, name, parent code) of the real counties in the cpca data file (no database needed).
    Urban districts (区) are left out: the registry is rural."""
    with reference_file().open(encoding="utf-8") as handle:
        rows = {r["adcode"]: r["name"] for r in csv.DictReader(handle) if codes.is_area_code(r["adcode"])}
    out = []
    for code, name in sorted(rows.items()):
        if codes.level_of(code) == codes.COUNTY and name != "市辖区" and not name.endswith("区"):
            parent = next((p for p in codes.parent_candidates(code) if p in rows), None)
            out.append((code, name, parent or ""))
    return out


def _place_names(county6: str, count: int) -> list[str]:
    """``count`` distinct two-character place names, stable for a county (whatever the seed)."""
    rng = np.random.default_rng(int(county6))
    pairs = rng.permutation(len(PLACE_FIRST) * len(PLACE_SECOND))[:count]
    return [PLACE_FIRST[p // len(PLACE_SECOND)] + PLACE_SECOND[p % len(PLACE_SECOND)] for p in pairs]


def _split(total: int, parts: int, rng: np.random.Generator | None = None, sigma: float = 0.0) -> list[int]:
    """``total`` split into ``parts`` positive integers (evenly, or lognormally varied)."""
    weights = np.ones(parts) if rng is None else rng.lognormal(0.0, sigma, parts)
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(out - raw, kind="stable")[: total - int(out.sum())]] += 1
    return [int(x) for x in out]


def plan_areas(*, persons: int, county: str = DEFAULT_COUNTY, seed: int = 0, persons_per_village: int = 1500,
               villages_per_township: int = 15, townships_per_county: int = 14) -> Plan:
    """Villages enough for ``persons``, starting with ``county`` and taking further real counties of
    the same province (then of other provinces) when one county is not enough. Township codes follow
    the NBS rules (100–199 镇, 200–399 乡), village codes are 村委会 codes (201…)."""
    county = normalise_county(county)
    all_counties = reference_counties()
    names = {c: n for c, n, _p in all_counties}
    parents = {c: p for c, _n, p in all_counties}
    if county not in names:
        raise ValueError(f"unknown county code {county} (not a county in the reference data)")
    province = county[:2]
    ordered = [county] + [c for c, _n, _p in all_counties if c != county and c.startswith(province)]
    ordered += [c for c, _n, _p in all_counties if not c.startswith(province)]
    n_villages = max(1, -(-persons // persons_per_village))
    per_county = townships_per_county * villages_per_township
    if n_villages > per_county * len(ordered):
        raise ValueError("too many persons for the reference counties; raise persons_per_village")
    village_sizes = _split(persons, n_villages, np.random.default_rng(np.random.SeedSequence([seed, 0xA4EA])), 0.3)
    if min(village_sizes) < 1:
        village_sizes = _split(persons, n_villages)
    plan = Plan()
    village_index = 0
    for county_code in ordered:
        left = n_villages - village_index
        if left <= 0:
            break
        k = min(left, per_county)
        n_towns = -(-k // villages_per_township)
        real = REAL_TOWNSHIPS.get(county_code[:6], [])
        place = _place_names(county_code[:6], n_towns + k)
        plan.areas.append((county_code, names[county_code], codes.COUNTY, parents[county_code] or None))
        n_zhen = n_towns if real else max(1, round(n_towns * 0.75))
        for t, villages_here in enumerate(_split(k, n_towns)):
            if t < n_zhen:
                township_code = county_code[:6] + f"{100 + t:03d}000"
                township_name = real[t] if t < len(real) else place[t] + "镇"
            else:
                township_code = county_code[:6] + f"{200 + t - n_zhen:03d}000"
                township_name = place[t] + "乡"
            plan.areas.append((township_code, township_name, codes.TOWNSHIP, county_code))
            for v in range(villages_here):
                code = township_code[:9] + f"{201 + v:03d}"
                name = place[n_towns + village_index - (n_villages - left)] + "村"
                plan.areas.append((code, name, codes.VILLAGE, township_code))
                plan.villages.append(Village(village_index, code, name, names[county_code] + township_name + name,
                                             village_sizes[village_index]))
                village_index += 1
    return plan


def normalise_county(code: str) -> str:
    code = (code or "").strip()
    if len(code) == 6 and code.isdigit():
        code += "000000"
    if not codes.is_area_code(code) or codes.level_of(code) != codes.COUNTY:
        raise ValueError(f"not a county code: {code!r} (6 or 12 digits, e.g. 441426)")
    return code


def _name_pools() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from faker.providers.person.zh_CN import Provider

    surnames = np.array(list(Provider.last_names.keys()))
    weights = np.array(list(Provider.last_names.values()), dtype=float)
    return surnames, weights / weights.sum(), np.array(Provider.first_names_male), np.array(Provider.first_names_female)


SURNAMES, SURNAME_P, MALE_CHARS, FEMALE_CHARS = _name_pools()


def _given_names(rng: np.random.Generator, sex: np.ndarray) -> np.ndarray:
    n = len(sex)
    male = sex == 1
    first = np.where(male, MALE_CHARS[rng.integers(0, len(MALE_CHARS), n)], FEMALE_CHARS[rng.integers(0, len(FEMALE_CHARS), n)])
    second = np.where(male, MALE_CHARS[rng.integers(0, len(MALE_CHARS), n)], FEMALE_CHARS[rng.integers(0, len(FEMALE_CHARS), n)])
    two = (rng.random(n) < 0.7) & (np.char.str_len(first) == 1) & (np.char.str_len(second) == 1)
    return np.where(two, np.char.add(first, second), first)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    second = rng.integers(3, 10, n)
    rest = rng.integers(0, 10**9, n)
    return np.char.add(np.char.add("1", second.astype(str)), np.char.zfill(rest.astype(str), 9))


def check_characters(body17: np.ndarray) -> np.ndarray:
    """GB 11643 check characters for an (n, 17) array of digits (``idcard.make_resident_id``, vectorised)."""
    return CHECK_CHARS[(body17 * WEIGHTS).sum(axis=1) % 11]


class IdAllocator:
    """Hands out unique order codes per (county, birth day, sex), in generation order."""

    def __init__(self) -> None:
        self._counters: dict[str, np.ndarray] = {}

    def allocate(self, county6: str, days: np.ndarray, male: np.ndarray) -> np.ndarray:
        counter = self._counters.setdefault(county6, np.zeros(DAYS * 2, dtype=np.int32))
        keys = days.astype(np.int64) * 2 + male.astype(np.int64)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        new_group = np.ones(len(keys), dtype=bool)
        new_group[1:] = sorted_keys[1:] != sorted_keys[:-1]
        group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(keys)), 0))
        rank = np.arange(len(keys)) - group_start
        seq_sorted = counter[sorted_keys] + rank
        np.add.at(counter, sorted_keys, 1)
        seq = np.empty(len(keys), dtype=np.int64)
        seq[order] = seq_sorted
        if seq.max(initial=0) >= 499:
            raise RuntimeError("more than 499 people of one sex born on one day in one county")
        return seq * 2 + np.where(male, 1, 2)  # 001, 003… for men, 002, 004… for women


def make_ids(county6: str, births: np.ndarray, order_codes: np.ndarray) -> np.ndarray:
    dates = np.datetime_as_string(births, unit="D")
    ymd = np.char.replace(dates, "-", "")
    body = np.char.add(np.char.add(county6, ymd), np.char.zfill(order_codes.astype(str), 3))
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(-1, 17) - 48
    return np.char.add(body, check_characters(digits.astype(np.int64)))


def _money(cents: np.ndarray) -> np.ndarray:
    return np.asarray(cents, dtype=np.int64) / 100.0


def _per_capita_cents(net: np.ndarray, size: np.ndarray) -> np.ndarray:
    """net / size rounded half away from zero, in cents (what ``Decimal.quantize(ROUND_HALF_UP)`` gives)."""
    magnitude = (2 * np.abs(net) + size) // (2 * size)
    return np.sign(net) * magnitude


def _date_between(rng: np.random.Generator, low: np.ndarray | dt.date, high: np.ndarray | dt.date, n: int) -> np.ndarray:
    lo = np.asarray(np.datetime64(low, "D") if isinstance(low, dt.date) else low, dtype="datetime64[D]").astype(np.int64)
    hi = np.asarray(np.datetime64(high, "D") if isinstance(high, dt.date) else high, dtype="datetime64[D]").astype(np.int64)
    return (lo + (rng.random(n) * (np.maximum(hi - lo, 0) + 1)).astype(np.int64)).astype("datetime64[D]")


def _first_two(candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first two non-empty strings of each row ('' when fewer)."""
    order = np.argsort(candidates == "", axis=1, kind="stable")
    picked = np.take_along_axis(candidates, order[:, :2], axis=1)
    return picked[:, 0], picked[:, 1]


POSTS = np.array(["护林员", "保洁员", "护路员", "水管员", "村级协管员"])


def generate_village(village: Village, *, seed: int, year: int, ids: IdAllocator) -> dict[str, dict[str, np.ndarray]]:
    """One village's households, members and their records for ``year - 1`` and ``year``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, village.index]))
    reference = np.datetime64(dt.date(year, 6, 30), "D")
    # Households: sizes until the village's persons are reached.
    sizes = rng.choice(np.arange(1, 8), size=village.persons, p=SIZE_P)
    ends = np.cumsum(sizes)
    n_h = int(np.searchsorted(ends, village.persons) + 1)
    sizes = sizes[:n_h]
    sizes[-1] -= int(ends[n_h - 1] - village.persons)
    if sizes[-1] <= 0:
        sizes = sizes[:-1]
        n_h -= 1
    # Template per household, chosen among those of its size.
    template = np.empty(n_h, dtype=np.int64)
    for size, options in TEMPLATES_BY_SIZE.items():
        members = np.flatnonzero(sizes == size)
        if len(members):
            p = T_PROB[options] / T_PROB[options].sum()
            template[members] = rng.choice(options, size=len(members), p=p)
    sizes = T_LEN[template]
    n_p = int(sizes.sum())
    hh_of = np.repeat(np.arange(n_h), sizes)
    first_of = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(n_p) - first_of[hh_of]
    relation = T_REL[T_START[template][hh_of] + pos]
    u_sex = rng.random(n_p)
    relation = np.where(relation == CH, np.where(u_sex < 0.535, SON, DAU), relation)  # rural sex ratio ~115
    relation = np.where(relation == GC, np.where(u_sex < 0.53, GS, GD), relation)

    # Ages and sexes.
    head_age = rng.integers(T_LOW[template], T_HIGH[template] + 1)
    head_male = rng.random(n_h) < T_MALE[template]
    base = head_age[hh_of].astype(np.int64)
    spouse_gap = rng.integers(-1, 6, n_p)
    child_age = base - rng.integers(22, 35, n_p)
    grandchild_age = base - rng.integers(44, 62, n_p)
    age = np.select(
        [relation == SP, np.isin(relation, [SON, DAU, DIL]), np.isin(relation, [GS, GD]), np.isin(relation, [FA, MO])],
        [np.where(head_male[hh_of], base - spouse_gap, base + spouse_gap), child_age, grandchild_age,
         base + rng.integers(22, 33, n_p)],
        base,
    )
    age = np.where(age < 0, rng.integers(0, 6, n_p), age)
    age = np.where(age > 99, rng.integers(90, 100, n_p), age)
    sex = np.where(REL_SEX[relation] > 0, REL_SEX[relation], 0)
    sex = np.where(relation == H, np.where(head_male[hh_of], 1, 2), sex)
    sex = np.where(relation == SP, np.where(head_male[hh_of], 2, 1), sex)
    birth_days = reference - (age * 365.25).astype("timedelta64[D]") - rng.integers(0, 365, n_p).astype("timedelta64[D]")
    days_index = (birth_days - np.datetime64(EPOCH)).astype(np.int64)

    # Names: children and grandchildren take the head's surname when the head is a man.
    head_surname = SURNAMES[rng.choice(len(SURNAMES), size=n_h, p=SURNAME_P)]
    own_surname = SURNAMES[rng.choice(len(SURNAMES), size=n_p, p=SURNAME_P)]
    inherits = (relation == H) | (np.isin(relation, [SON, DAU, GS, GD, FA]) & head_male[hh_of])
    names = np.char.add(np.where(inherits, head_surname[hh_of], own_surname), _given_names(rng, sex))

    county6 = village.code[:6]
    order_codes = ids.allocate(county6, days_index, sex == 1)
    id_numbers = make_ids(county6, birth_days, order_codes)

    # Member attributes by age: illness and disability rise with age.
    u = rng.random((8, n_p))
    chronic = u[0] < np.clip(0.01 + 0.005 * age, 0, 0.45)
    serious = u[1] < 0.003 + 0.0004 * age
    disabled = u[2] < np.clip(0.015 + 0.0014 * age, 0, 0.16)
    health = np.select([disabled, serious, chronic], ["disabled", "serious", "chronic"], "healthy")
    school = np.select(
        [age <= 2, age <= 5, age <= 11, age <= 14, (age <= 17) & (u[3] < 0.55), (age <= 17) & (u[3] < 0.92),
         (age >= 18) & (age <= 21) & (u[3] < 0.25), (age >= 18) & (age <= 22) & (u[3] < 0.4)],
        ["preschool_child", "preschool", "primary", "junior", "senior", "vocational", "higher_vocational", "undergraduate"],
        "",
    )
    school = np.where(disabled & (age >= 6) & (age <= 15) & (u[4] < 0.3), "", school)  # some disabled children stay home
    out_of_school = np.where((school == "") & (age >= 6) & (age <= 15), "因残", "")
    student = (school != "") & (age >= 3)
    working_age = (age >= 16) & (age < 65) & ~student
    labour = np.select(
        [age < 16, student, age >= 75, disabled & (u[4] < 0.5), disabled, serious & (u[4] < 0.6),
         (chronic | serious | (age >= 65)) & (u[4] < 0.5), age >= 65, u[4] < 0.15],
        ["none", "none", "lost", "lost", "weak", "lost", "weak", "weak", "skilled"],
        "ordinary",
    )
    able = np.isin(labour, ["ordinary", "skilled"])
    education = np.where(
        school != "", "",
        np.select([age < 6, age >= 70, age >= 55, age >= 40, age >= 25],
                  ["", np.where(u[5] < 0.45, "illiterate", "primary"), np.where(u[5] < 0.55, "primary", "junior"),
                   np.where(u[5] < 0.65, "junior", "senior"), np.where(u[5] < 0.45, "junior", np.where(u[5] < 0.8, "senior", "college"))],
                  np.where(u[5] < 0.3, "senior", np.where(u[5] < 0.6, "college", np.where(u[5] < 0.75, "bachelor", "junior")))),
    )
    works_away = able & working_age & (u[6] < 0.62)
    works_local = able & working_age & ~works_away & (u[6] < 0.8)
    work_place = np.where(works_away, rng.choice(["county", "province", "outside"], n_p, p=[0.25, 0.4, 0.35]),
                          np.where(works_local, "township", "none"))
    work_place = np.where(working_age, work_place, "")
    work_months = np.where(works_away | works_local, rng.integers(4, 13, n_p), 0)
    employee_insured = works_away & (u[7] < 0.08)
    resident_medical = ~employee_insured & (rng.random(n_p) < 0.965)
    pension = (age >= 16) & ~student & ~employee_insured & (rng.random(n_p) < 0.88)

    # Household flags from members.
    def count_of(mask: np.ndarray) -> np.ndarray:
        return np.bincount(hh_of, weights=mask.astype(float), minlength=n_h).astype(np.int64)

    ill_h = count_of(np.isin(health, ["chronic", "serious"])) > 0
    seriously_ill_h = count_of(health == "serious") > 0
    disabled_h = count_of(health == "disabled") > 0
    costly_student_h = count_of(np.isin(school, ["senior", "vocational", "higher_vocational", "undergraduate"])) > 0
    able_count = count_of(able)
    elderly = count_of(age >= 60)
    sons, daughters = count_of(relation == SON), count_of(relation == DAU)
    hu = rng.random((10, n_h))

    # Status history: registered (建档立卡) 2014–2018, exited 2016–2020; monitoring from 2021.
    risk_score = 0.07 + 0.1 * ill_h + 0.12 * seriously_ill_h + 0.12 * disabled_h + 0.06 * costly_student_h \
        + 0.12 * (able_count == 0)
    registered = hu[0] < risk_score
    identification_year = np.where(registered, rng.choice([2014, 2015, 2016, 2017, 2018], n_h, p=[0.6, 0.12, 0.12, 0.1, 0.06]), 0)
    exit_year = np.where(registered, np.maximum(identification_year + 1,
                                                rng.choice([2016, 2017, 2018, 2019, 2020], n_h, p=[0.2, 0.25, 0.3, 0.2, 0.05])), 0)
    exit_year = np.minimum(exit_year, 2020)
    ever_monitored = np.where(registered, hu[1] < 0.05 + 0.1 * seriously_ill_h, hu[1] < 0.018 + 0.04 * seriously_ill_h)
    last_ref = np.datetime64(dt.date(year, 6, 30), "D")
    monitoring_since = _date_between(rng, dt.date(2021, 3, 1), dt.date(max(year, 2021), 6, 30), n_h)
    ever_monitored &= year >= 2021
    eliminated_on = monitoring_since + rng.integers(120, 900, n_h).astype("timedelta64[D]")
    eliminated = ever_monitored & (hu[2] < 0.7) & (eliminated_on <= last_ref)
    monitoring_type = np.where(registered, "unstable_exited", np.where(hu[3] < 0.78, "edge", "sudden_hardship"))
    elimination_method = np.where(hu[4] < 0.82, "assisted", "natural")

    # Causes (fixed per household) consistent with members: one main, at most two others, distinct.
    main = np.select(
        [ill_h & (hu[5] < 0.75), disabled_h & (hu[5] < 0.85), costly_student_h & (hu[5] < 0.85), able_count == 0],
        ["1", "2", "3", "8"],
        rng.choice(["7", "9", "5", "10", "11", "6", "4", "12"], n_h, p=[0.33, 0.3, 0.1, 0.08, 0.07, 0.05, 0.05, 0.02]),
    )
    candidates = np.stack([
        np.where(ill_h, "1", ""), np.where(disabled_h, "2", ""), np.where(costly_student_h, "3", ""),
        np.where(able_count <= 1, "8", ""), np.where(hu[6] < 0.4, "7", ""), np.where(hu[6] > 0.7, "9", ""),
    ], axis=1)
    candidates = np.where(candidates == main[:, None], "", candidates)
    other1, other2 = _first_two(np.where(hu[7][:, None] < 0.85, candidates, ""))
    risk_candidates = np.stack([
        np.where(ill_h, "illness", ""), np.where(disabled_h, "disability", ""), np.where(costly_student_h, "schooling", ""),
        np.where(able_count == 0, "lack_labour", ""),
        rng.choice(["unstable_work", "accident", "disaster", "industry_failure", "other"], n_h, p=[0.5, 0.2, 0.12, 0.1, 0.08]),
    ], axis=1)
    risk1, risk2 = _first_two(risk_candidates)
    risks = np.where(risk2 != "", np.char.add(np.char.add(np.char.add(np.char.add('["', risk1), '", "'), risk2), '"]'),
                     np.char.add(np.char.add('["', risk1), '"]'))
    tekun_h = (sizes == 1) & (able_count == 0) & (age[first_of] >= 60) & (hu[8] < 0.35)
    attribute = np.where(registered, np.where(tekun_h, "tekun_poor",
                                              np.where((able_count == 0) | (disabled_h & (hu[8] < 0.4)), "dibao_poor", "general_poor")),
                         np.where(hu[8] < 0.02, "dibao", ""))
    dibao_h = np.isin(attribute, ["dibao_poor", "dibao"])
    standard = "2" if county6.startswith("44") else "1"  # 广东 identified by its provincial line

    # Income composition (fixed per household): wages, farming and business, property.
    land = np.round(rng.uniform(0, 6, n_h), 1)
    wage_weight = np.bincount(hh_of, weights=np.where(works_away, work_months / 12.0, 0) + np.where(works_local, 0.45, 0),
                              minlength=n_h)
    business_weight = 0.2 + 0.05 * land + np.where(hu[9] < 0.06, 1.0, 0.0)  # a few run a shop or a farm
    property_weight = np.where(hu[9] > 0.8, 0.06, 0.0)
    total_weight = wage_weight + business_weight + property_weight
    expense_ratio = rng.uniform(0.15, 0.45, n_h)
    income_z = rng.standard_normal(n_h)
    pension_rate = rng.uniform(1_700, 2_300, n_h)
    dibao_rate = rng.uniform(2_400, 6_000, n_h)
    tekun_rate = rng.uniform(10_000, 15_000, n_h)
    eco = np.where(hu[9] < 0.3, rng.uniform(50, 800, n_h), 0)
    other_transfer = np.where((registered | ever_monitored) & (hu[7] < 0.5), rng.uniform(200, 2_000, n_h), 0)
    family_planning = (age[first_of] >= 60) & (hu[6] > 0.95)
    oop_base = np.where(ill_h, rng.uniform(0, 8_000, n_h), 0) + np.where(seriously_ill_h, rng.uniform(5_000, 30_000, n_h), 0)
    claims_share = np.where(ill_h & (hu[8] > 0.75), rng.uniform(0.1, 0.5, n_h), 0)

    dangerous = (hu[2] > 0.995) | (registered & (hu[2] > 0.99))
    renovated = registered & (hu[3] > 0.92)
    natural_names = np.array([w + (s if s not in w else "屋")
                              for w, s in zip(_place_names(village.code, 6), NATURAL_VILLAGE_SUFFIX[:6], strict=True)])
    natural_village = natural_names[rng.integers(0, len(natural_names), n_h)]
    group = rng.integers(1, 13, n_h)
    relocated = registered & (hu[4] > 0.95)
    hh = {
        "household_number": np.char.add(village.code, np.char.zfill((np.arange(n_h) + 1).astype(str), 4)),
        "area_code": np.full(n_h, village.code),
        "group_name": np.char.add(np.char.zfill(group.astype(str), 2), "组"),
        "natural_village": natural_village,
        "address": np.char.add(np.char.add(np.char.add(village.full_name, natural_village),
                                           rng.integers(1, 120, n_h).astype(str)), "号"),
        "phone": _phones(rng, n_h),
        "bank_name": rng.choice(["广东省农村信用社", "中国邮政储蓄银行", "中国农业银行"], n_h, p=[0.6, 0.25, 0.15])
        if county6.startswith("44") else rng.choice(["农村信用合作社", "中国邮政储蓄银行", "中国农业银行"], n_h, p=[0.6, 0.25, 0.15]),
        "bank_account": np.char.add("6217", np.char.zfill(rng.integers(0, 10**15, n_h).astype(str), 15)),
        "is_military_family": hu[1] > 0.99,
        "is_only_child": (sons + daughters == 1) & (hu[5] > 0.7),
        "is_two_daughters": (sons == 0) & (daughters == 2),
        "is_relocated": relocated,
        "relocation_mode": np.where(relocated, np.where(hu[6] < 0.7, "集中安置", "分散安置"), ""),
        "resettlement_address": np.where(relocated, np.char.add(village.full_name[: -len(village.name)], "安置小区"), ""),
        "head_name": names[first_of],
        "member_count": sizes,
    }
    persons = {
        "household_number": hh["household_number"][hh_of],
        "name": names,
        "sex": sex.astype(str),
        "id_type": np.full(n_p, "resident_id"),
        "id_number": id_numbers,
        "birth_date": birth_days.astype("datetime64[D]"),
        "relation": REL[relation],
        "ethnicity": np.where(rng.random(n_p) < 0.995, "01", rng.choice(["22", "13", "08", "03", "06"], n_p)),
        "political_status": np.select([(age >= 25) & (u[7] > 0.94), (age >= 14) & (age <= 28) & (u[7] < 0.25)],
                                      ["party", "league"], "masses"),
        "phone": np.where(relation == H, hh["phone"][hh_of], np.where(works_away | (working_age & (u[5] < 0.5)), _phones(rng, n_p), "")),
        "is_soldier": (sex == 1) & (age >= 18) & (age <= 24) & (u[6] > 0.997),
        "speaks_mandarin": np.where(age < 4, False, (age < 60) | (u[3] < 0.55)),
        "status": np.full(n_p, "active"),
    }
    post = registered[hh_of] & np.isin(labour, ["weak", "ordinary"]) & (age >= 40) & (age < 65) & (u[3] > 0.9)
    post_name = POSTS[rng.integers(0, len(POSTS), n_p)]
    years: dict[str, list] = {}
    person_years: dict[str, list] = {}
    for record_year in (year - 1, year):
        end_of_year = np.datetime64(dt.date(record_year, 12, 31), "D")
        registered_y = registered & (identification_year <= record_year)
        monitored_y = ever_monitored & (monitoring_since <= end_of_year)
        eliminated_y = monitored_y & eliminated & (eliminated_on <= end_of_year)
        if record_year <= 2020:
            status = np.where(registered_y, np.where(exit_year > record_year, "poor", "exited"), "general")
        else:
            status = np.select([eliminated_y, monitored_y, registered_y], ["risk_eliminated", "monitored", "exited"], "general")
        has_cause = registered_y | monitored_y
        # Net income per person by status, around the year's line; the composition makes up the rest.
        line = income_line(record_year)
        g = growth(record_year)
        median = np.select(
            [status == "poor", status == "monitored", status == "risk_eliminated", (status == "exited") & (record_year <= 2020),
             status == "exited"],
            [0.8 * line, 1.2 * line, 1.8 * line, 2.0 * line, 13_000 * g],
            16_000 * g,
        ) * np.where((able_count == 0) & np.isin(status, ["general", "exited"]), 0.6, 1.0)  # households without labour live on transfers and farming
        sigma = np.select([status == "general", status == "exited"], [0.5, 0.4], 0.3)
        per_capita = median * np.exp(sigma * (income_z + rng.normal(0, 0.15, n_h)))
        lifted = np.isin(status, ["exited", "risk_eliminated"]) & (per_capita < line) & (hu[9] < 0.97)
        per_capita = np.where(lifted, line * rng.uniform(1.05, 1.5, n_h), per_capita)
        target = per_capita * sizes * 100  # cents
        c = 100 * g
        t_pension = elderly * pension_rate * c
        t_dibao = np.where(dibao_h & has_cause | (attribute == "dibao"), sizes * dibao_rate * c, 0)
        t_tekun = np.where(attribute == "tekun_poor", tekun_rate * c, 0)
        t_fp = np.where(family_planning, 960 * c, 0)
        t_eco = eco * c
        t_other = np.where(has_cause, other_transfer * c, 0)
        transfers = t_pension + t_dibao + t_tekun + t_fp + t_eco + t_other
        # Below the line, transfers do not lift the household above it (that is why it is poor).
        cap = np.where(np.isin(status, ["poor", "monitored"]) & (transfers > 0.7 * target),
                       0.7 * target / np.maximum(transfers, 1), 1.0)
        t_pension, t_dibao, t_tekun, t_fp, t_eco, t_other = (
            np.round(t * cap) for t in (t_pension, t_dibao, t_tekun, t_fp, t_eco, t_other))
        transfers = t_pension + t_dibao + t_tekun + t_fp + t_eco + t_other
        market = np.maximum(target - transfers, target * rng.uniform(0.03, 0.1, n_h))
        remittance = np.where(able_count == 0, np.round(market * 0.6), 0)  # 赡养费 from children elsewhere
        t_other = t_other + remittance
        market = market - remittance
        wage = np.round(market * wage_weight / total_weight)
        business_net = market * business_weight / total_weight
        business = np.round(business_net / (1 - expense_ratio))
        expense = np.round(business - business_net)
        prop = np.round(market * property_weight / total_weight)
        transfer = t_pension + t_dibao + t_tekun + t_fp + t_eco + t_other
        total = wage + business + prop + transfer
        net = (total - expense).astype(np.int64)
        oop = np.round(oop_base * c / 100 * np.where(status == "monitored", 1.5, 1.0))
        block = {
            "household_number": hh["household_number"],
            "year": np.full(n_h, record_year),
            "status": status,
            "identification_standard": np.where(registered_y, standard, ""),
            "household_attribute": np.where(registered_y | (attribute == "dibao"), attribute, ""),
            "main_cause": np.where(has_cause, main, ""),
            "other_cause_1": np.where(has_cause, other1, ""),
            "other_cause_2": np.where(has_cause, other2, ""),
            "identification_year": np.where(registered_y, identification_year, 0),
            "exit_year": np.where(registered_y & (exit_year <= record_year), exit_year, 0),
            "monitoring_type": np.where(monitored_y, monitoring_type, ""),
            "monitoring_since": np.where(monitored_y, monitoring_since, np.datetime64("NaT")),
            "risks": np.where(monitored_y, risks, "[]"),
            "elimination_method": np.where(eliminated_y, elimination_method, ""),
            "risk_eliminated_on": np.where(eliminated_y, eliminated_on, np.datetime64("NaT")),
            "no_labour_guaranteed": has_cause & (able_count == 0) & (dibao_h | (attribute == "tekun_poor")),
            "size_start": sizes,
            "size_end": sizes,
            "wage_income": _money(wage),
            "business_income": _money(business),
            "property_income": _money(prop),
            "transfer_family_planning": _money(t_fp),
            "transfer_dibao": _money(t_dibao),
            "transfer_tekun": _money(t_tekun),
            "transfer_pension": _money(t_pension),
            "transfer_eco_compensation": _money(t_eco),
            "transfer_other": _money(t_other),
            "transfer_income": _money(transfer),
            "business_expense": _money(expense),
            "claims_income": _money(np.round(oop * claims_share)),
            "compliant_out_of_pocket": _money(oop),
            "total_income": _money(total),
            "net_income": _money(net),
            "per_capita_net_income": _money(_per_capita_cents(net, sizes)),
            "arable_land_mu": land,
            "irrigated_land_mu": np.round(land * rng.uniform(0.3, 1.0, n_h), 1),
            "forest_land_mu": np.where(hu[5] < 0.7, np.round(rng.uniform(0.5, 20, n_h), 1), 0),
            "orchard_mu": np.where(hu[6] < 0.15, np.round(rng.uniform(0.5, 5, n_h), 1), 0),
            "water_surface_mu": np.where(hu[7] > 0.95, np.round(rng.uniform(0.2, 3, n_h), 1), 0),
            "in_cooperative": hu[8] > 0.85,
            "led_by_enterprise": hu[8] < 0.08,
            "production_electricity": hu[3] < 0.97,
            "living_electricity": np.ones(n_h, dtype=bool),
            "broadcast_tv": hu[4] < 0.98,
            "drinking_water_difficult": hu[4] > 0.995,
            "drinking_water_safe": hu[4] < 0.985,
            "water_source": rng.choice(["tap", "protected_well", "unprotected_well", "surface", "other"], n_h,
                                       p=[0.76, 0.19, 0.03, 0.01, 0.01]),
            "housing_area_m2": np.round(20 + sizes * rng.uniform(22, 50, n_h), 1),
            "house_structure": rng.choice(["brick_concrete", "concrete", "brick_wood", "earth", "other"], n_h,
                                          p=[0.55, 0.27, 0.15, 0.02, 0.01]),
            "is_dangerous_house": dangerous,
            "danger_level": np.where(dangerous, np.where(hu[5] < 0.7, "C", "D"), ""),
            "renovation_year": np.where(renovated, rng.integers(2016, 2021, n_h), 0),
            "sanitary_toilet": hu[5] < 0.88,
            "distance_to_road_km": np.round(rng.exponential(0.6, n_h), 2),
            "road_type": np.where(hu[0] > 0.08, "hardened", np.where(hu[1] < 0.8, "gravel", "earth")),
            "fuel_type": rng.choice(["electricity", "lpg_bottle", "firewood", "natural_gas"], n_h, p=[0.42, 0.35, 0.2, 0.03]),
        }
        for k, v in block.items():
            years.setdefault(k, []).append(v)
        on_post = post & has_cause[hh_of]
        person_block = {
            "id_number": id_numbers,
            "year": np.full(n_p, record_year),
            "health": health,
            "labour_ability": labour,
            "education": education,
            "school_status": school,
            "out_of_school_reason": out_of_school,
            "work_place": work_place,
            "work_months": work_months,
            "resident_medical_insurance": resident_medical,
            "employee_medical_insurance": employee_insured,
            "serious_illness_insurance": resident_medical | employee_insured,
            "resident_pension_insurance": pension,
            "employee_pension_insurance": employee_insured,
            "commercial_medical_insurance": has_cause[hh_of] & (u[6] < 0.3),
            "dibao": np.where(dibao_h[hh_of] & (has_cause | (attribute == "dibao"))[hh_of], "rural", "none"),
            "tekun": np.where((attribute == "tekun_poor")[hh_of], "rural", "none"),
            "public_welfare_post": np.where(on_post, post_name, ""),
            "public_welfare_months": np.where(on_post, 12, 0),
        }
        for k, v in person_block.items():
            person_years.setdefault(k, []).append(v)
    return {
        "households": hh,
        "persons": persons,
        "household_years": {k: np.concatenate(v) for k, v in years.items()},
        "person_years": {k: np.concatenate(v) for k, v in person_years.items()},
    }


TABLES = ("households", "persons", "household_years", "person_years")


def _to_table(columns: dict[str, list[np.ndarray]]) -> pa.Table:
    arrays = {}
    for name, parts in columns.items():
        values = np.concatenate(parts)
        if values.dtype.kind == "U":
            arrays[name] = pa.array(values.tolist(), type=pa.string())
        elif values.dtype.kind == "M":
            arrays[name] = pa.array(values.astype("datetime64[D]"), type=pa.date32())  # NaT -> null
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


@dataclass(frozen=True)
class Layout:
    """How the persons are spread over villages, townships and counties."""

    persons_per_village: int = 1500
    villages_per_township: int = 15
    townships_per_county: int = 14


def generate(*, persons: int, seed: int, year: int = 2024, county: str = DEFAULT_COUNTY,
             chunk_persons: int = 100_000, layout: Layout | None = None) -> tuple[Plan, Iterator[dict[str, pa.Table]]]:
    """The area plan and an iterator of chunks ({table name: Arrow table}) covering ``persons``.
    Chunks hold whole villages; the data do not depend on ``chunk_persons``."""
    if persons <= 0:
        raise ValueError("persons must be positive")
    layout = layout or Layout()
    plan = plan_areas(persons=persons, county=county, seed=seed, persons_per_village=layout.persons_per_village,
                      villages_per_township=layout.villages_per_township,
                      townships_per_county=layout.townships_per_county)
    ids = IdAllocator()

    def chunks() -> Iterator[dict[str, pa.Table]]:
        buffer: dict[str, dict[str, list[np.ndarray]]] = {t: {} for t in TABLES}
        in_buffer = 0
        for village in plan.villages:
            data = generate_village(village, seed=seed, year=year, ids=ids)
            for table in TABLES:
                for k, v in data[table].items():
                    buffer[table].setdefault(k, []).append(v)
            in_buffer += village.persons
            if in_buffer >= chunk_persons:
                yield {t: _to_table(buffer[t]) for t in TABLES}
                buffer = {t: {} for t in TABLES}
                in_buffer = 0
        if in_buffer:
            yield {t: _to_table(buffer[t]) for t in TABLES}

    return plan, chunks()


def areas_table(plan: Plan) -> pa.Table:
    return pa.table({
        "code": [a[0] for a in plan.areas],
        "name": [a[1] for a in plan.areas],
        "level": [a[2] for a in plan.areas],
        "parent_code": [a[3] for a in plan.areas],
    })


class _Writer:
    def write(self, table_name: str, table: pa.Table) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class ParquetWriter(_Writer):
    def __init__(self, out: Path) -> None:
        import pyarrow.parquet as pq

        self._pq = pq
        self.out = out
        self.writers: dict[str, object] = {}

    def write(self, table_name: str, table: pa.Table) -> None:
        writer = self.writers.get(table_name)
        if writer is None:
            writer = self._pq.ParquetWriter(self.out / f"{table_name}.parquet", table.schema, compression="zstd")
            self.writers[table_name] = writer
        writer.write_table(table)  # type: ignore[attr-defined]

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()  # type: ignore[attr-defined]


class CsvWriter(_Writer):
    def __init__(self, out: Path) -> None:
        import pyarrow.csv as pacsv

        self._csv = pacsv
        self.out = out
        self.writers: dict[str, object] = {}

    def write(self, table_name: str, table: pa.Table) -> None:
        writer = self.writers.get(table_name)
        if writer is None:
            writer = self._csv.CSVWriter(self.out / f"{table_name}.csv", table.schema)
            self.writers[table_name] = writer
        writer.write_table(table)  # type: ignore[attr-defined]

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()  # type: ignore[attr-defined]


class XlsxWriter(_Writer):
    """One workbook per table, written row by row in constant memory."""

    def __init__(self, out: Path) -> None:
        import xlsxwriter

        self._xlsxwriter = xlsxwriter
        self.out = out
        self.books: dict[str, tuple[object, object, list[int]]] = {}

    def write(self, table_name: str, table: pa.Table) -> None:
        if table_name not in self.books:
            book = self._xlsxwriter.Workbook(str(self.out / f"{table_name}.xlsx"), {"constant_memory": True})
            sheet = book.add_worksheet(table_name)
            sheet.write_row(0, 0, table.column_names)
            self.books[table_name] = (book, sheet, [1])
        _book, sheet, row = self.books[table_name]
        if row[0] + table.num_rows > XLSX_MAX_ROWS + 1:
            raise ValueError(f"{table_name}: more than {XLSX_MAX_ROWS:,} rows do not fit in one XLSX sheet; use parquet or csv")
        for record in table.to_pylist():
            sheet.write_row(row[0], 0, [v.isoformat() if isinstance(v, dt.date) else v for v in record.values()])  # type: ignore[attr-defined]
            row[0] += 1

    def close(self) -> None:
        for book, _sheet, _row in self.books.values():
            book.close()  # type: ignore[attr-defined]


WRITERS: dict[str, Callable[[Path], _Writer]] = {"parquet": ParquetWriter, "csv": CsvWriter, "xlsx": XlsxWriter}


def write_registry(*, persons: int, seed: int, out: Path, fmt: str = "parquet", year: int = 2024,
                   county: str = DEFAULT_COUNTY, chunk_persons: int = 100_000, layout: Layout | None = None,
                   progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Generate and write the registry to ``out``; returns row counts per table."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; use parquet, csv or xlsx")
    if fmt == "xlsx" and persons * 2 > XLSX_MAX_ROWS:
        raise ValueError(
            f"XLSX: {persons:,} persons give {persons * 2:,} person-year rows, more than the {XLSX_MAX_ROWS:,} "
            f"rows an XLSX sheet holds; use --format parquet or csv / 超过 XLSX 单表行数上限，请改用 parquet 或 csv"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plan, chunks = generate(persons=persons, seed=seed, year=year, county=county, chunk_persons=chunk_persons,
                            layout=layout)
    writer = WRITERS[fmt](out)
    counts = dict.fromkeys(TABLES, 0)
    try:
        writer.write("areas", areas_table(plan))
        for chunk in chunks:
            for name, table in chunk.items():
                writer.write(name, table)
                counts[name] += table.num_rows
            if progress:
                progress(chunk["persons"].num_rows)
    finally:
        writer.close()
    counts["areas"] = len(plan.areas)
    (out / "manifest.json").write_text(json.dumps(
        {"persons": persons, "seed": seed, "year": year, "county": normalise_county(county), "format": fmt,
         "layout": vars(layout or Layout()), "rows": counts},
        ensure_ascii=False, indent=1), encoding="utf-8")
    return counts
