"""Synthetic 建档立卡 registry: realistic, deterministic for a seed, streamed in bounded memory.

Everything is drawn with numpy, village by village. Each village has its own random stream
(``SeedSequence([seed, village index])``), so the output does not depend on how villages are
grouped into chunks. ID numbers are unique by construction: a counter per (county, birth date,
sex) hands out the three-digit order code, in village order.

Tables (columns named like the model fields):
  areas(code, name, level, parent_code)
  households(household_number, area_code, group_name, address, phone, bank_name, bank_account, ...)
  persons(household_number, name, sex, id_type, id_number, birth_date, relation, ...)
  household_years(household_number, year, status, causes, income block, conditions...)
  person_years(id_number, year, health, labour_ability, education, school_status, work...)
No Django here: the generator runs without a database.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from jingzhun.areas import codes

REFERENCE_DATE = dt.date(2024, 6, 30)
EPOCH = dt.date(1900, 1, 1)
DAYS = (dt.date(2030, 1, 1) - EPOCH).days
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = np.array(list("10X98765432"))
XLSX_MAX_ROWS = 1_048_575

TOWN_NAMES = ["大柘", "仁居", "东石", "八尺", "差干", "河头", "中行", "上举", "泗水", "长田", "热柘", "石正", "坝头", "黄畲", "新圩", "龙文", "岩前", "三圳", "南礤", "梅南", "丙村", "雁洋", "松源", "隆文"]
VILLAGE_WORDS = ["黄花", "石正", "高峰", "新联", "长岭", "竹园", "坪上", "塘背", "横岗", "下坝", "罗庄", "田心", "锡坑", "桥头", "水口", "岭背", "大坪", "龙岗", "梅子", "青溪", "铁坑", "樟坑", "茶亭", "丰光", "双溪", "黄沙", "石磜", "湖洋", "寨下", "上坪", "中心", "联丰", "太平", "新光", "和平", "东风", "红星", "金竹", "良田", "柏树"]


# --- code lists used (must match registry/codelists.json) -------------------------------------------
# Relations: index into REL, with implied sex (1 male, 2 female, 0 free).
REL = np.array(["head", "spouse", "son", "daughter", "daughter_in_law", "grandson", "granddaughter", "father", "mother"])
REL_SEX = np.array([0, 0, 1, 2, 2, 1, 2, 1, 2])
H, SP, SON, DAU, DIL, GS, GD, FA, MO = range(9)
# Household templates: (relations, head age low, head age high); chosen by household size.
TEMPLATES: dict[int, list[tuple[tuple[int, ...], int, int, float]]] = {
    1: [((H,), 60, 88, 0.7), ((H,), 25, 59, 0.3)],
    2: [((H, SP), 58, 85, 0.65), ((H, SON), 40, 70, 0.2), ((H, DAU), 40, 70, 0.15)],
    3: [((H, SP, SON), 35, 60, 0.5), ((H, SP, DAU), 35, 60, 0.35), ((H, SON, GS), 60, 80, 0.15)],
    4: [((H, SP, SON, DAU), 32, 52, 0.45), ((H, SP, SON, SON), 32, 52, 0.2), ((H, SP, SON, MO), 35, 55, 0.2),
        ((H, SP, GS, GD), 55, 75, 0.15)],
    5: [((H, SP, SON, DAU, MO), 35, 52, 0.4), ((H, SP, SON, DIL, GS), 50, 68, 0.4), ((H, SP, SON, DAU, DAU), 33, 48, 0.2)],
    6: [((H, SP, SON, DIL, GS, GD), 50, 68, 0.6), ((H, SP, SON, DAU, FA, MO), 35, 50, 0.4)],
    7: [((H, SP, SON, DIL, GS, GD, MO), 48, 62, 0.7), ((H, SP, SON, DIL, GS, GS, GD), 50, 66, 0.3)],
}
SIZE_P = np.array([0.13, 0.24, 0.23, 0.2, 0.12, 0.06, 0.02])  # sizes 1..7, mean ≈ 3.1


def _flatten_templates() -> tuple[np.ndarray, ...]:
    rels, starts, lengths, lows, highs, sizes, probs = [], [], [], [], [], [], []
    for size, options in TEMPLATES.items():
        for relations, low, high, p in options:
            starts.append(len(rels))
            rels.extend(relations)
            lengths.append(len(relations))
            lows.append(low)
            highs.append(high)
            sizes.append(size)
            probs.append(p)
    return (np.array(rels), np.array(starts), np.array(lengths), np.array(lows), np.array(highs),
            np.array(sizes), np.array(probs))


T_REL, T_START, T_LEN, T_LOW, T_HIGH, T_SIZE, T_PROB = _flatten_templates()
TEMPLATES_BY_SIZE = {s: np.flatnonzero(s == T_SIZE) for s in TEMPLATES}


@dataclass(frozen=True)
class Village:
    index: int  # global village index (drives the random stream)
    code: str
    name: str
    persons: int  # target number of persons


@dataclass
class Plan:
    """The area tree to fill: real counties, synthetic townships and villages with NBS-rule codes."""

    areas: list[tuple[str, str, int, str | None]] = field(default_factory=list)
    villages: list[Village] = field(default_factory=list)


def reference_counties() -> list[tuple[str, str, str]]:
    """(code, name, parent name) of the real counties in the cpca data file (no database needed)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the cpca package (area reference data) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8") as handle:
        rows = {r["adcode"]: r["name"] for r in csv.DictReader(handle) if codes.is_area_code(r["adcode"])}
    out = []
    for code, name in sorted(rows.items()):
        if codes.level_of(code) == codes.COUNTY and name != "市辖区" and not name.endswith("区"):
            out.append((code, name, rows.get(code[:4] + "00000000", "")))
    return out


def plan_areas(*, persons: int, county: str = "441426000000", persons_per_village: int = 1000,
               villages_per_township: int = 12, townships_per_county: int = 14) -> Plan:
    """Villages enough for ``persons``, starting with ``county`` and taking further counties of the
    same province (then others) when one county is not enough."""
    all_counties = reference_counties()
    names = {c: n for c, n, _p in all_counties}
    if county not in names:
        raise ValueError(f"unknown county code {county}")
    province = county[:2]
    ordered = [county] + [c for c, _n, _p in all_counties if c != county and c.startswith(province)]
    ordered += [c for c, _n, _p in all_counties if not c.startswith(province)]
    n_villages = max(1, -(-persons // persons_per_village))
    base, extra = divmod(persons, n_villages)
    plan = Plan()
    village_index = 0
    for county_code in ordered:
        if village_index >= n_villages:
            break
        for t in range(townships_per_county):
            if village_index >= n_villages:
                break
            township_code = county_code[:6] + f"{100 + t:03d}" + "000"
            plan.areas.append((township_code, TOWN_NAMES[t % len(TOWN_NAMES)] + "镇", codes.TOWNSHIP, county_code))
            for v in range(villages_per_township):
                if village_index >= n_villages:
                    break
                code = township_code[:9] + f"{201 + v:03d}"
                word = VILLAGE_WORDS[(t * villages_per_township + v) % len(VILLAGE_WORDS)]
                name = word + "村"
                plan.areas.append((code, name, codes.VILLAGE, township_code))
                plan.villages.append(Village(village_index, code, name, base + (1 if village_index < extra else 0)))
                village_index += 1
    return plan


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
    """GB 11643 check characters for an (n, 17) array of digits."""
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


@dataclass
class Chunk:
    households: pa.Table
    persons: pa.Table
    household_years: pa.Table
    person_years: pa.Table


def _money(cents: np.ndarray) -> np.ndarray:
    return np.round(cents / 100.0, 2)


def generate_village(village: Village, *, seed: int, year: int, ids: IdAllocator) -> dict[str, dict[str, np.ndarray]]:
    """One village's households, members and their records for ``year - 1`` and ``year``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, village.index]))
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

    # Ages and sexes.
    head_age = rng.integers(T_LOW[template], T_HIGH[template] + 1)
    age = head_age[hh_of].astype(np.int64)
    gap = rng.integers(22, 33, n_p)
    age = np.select(
        [relation == SP, np.isin(relation, [SON, DAU, DIL]), np.isin(relation, [GS, GD]), np.isin(relation, [FA, MO])],
        [age + rng.integers(-4, 3, n_p), age - gap, age - gap - rng.integers(22, 31, n_p), age + gap],
        age,
    )
    age = np.clip(age, 0, 99)
    age = np.where(age < 0, rng.integers(0, 5, n_p), age)
    head_male = rng.random(n_h) < 0.86
    sex = np.where(REL_SEX[relation] > 0, REL_SEX[relation], 0)
    sex = np.where(relation == H, np.where(head_male[hh_of], 1, 2), sex)
    sex = np.where(relation == SP, np.where(head_male[hh_of], 2, 1), sex)
    birth_days = (np.datetime64(REFERENCE_DATE) - (age * 365.25).astype("timedelta64[D]")
                  - rng.integers(0, 365, n_p).astype("timedelta64[D]"))
    days_index = (birth_days - np.datetime64(EPOCH)).astype(np.int64)

    # Names: children and grandchildren take the head's surname when the head is a man.
    head_surname = SURNAMES[rng.choice(len(SURNAMES), size=n_h, p=SURNAME_P)]
    own_surname = SURNAMES[rng.choice(len(SURNAMES), size=n_p, p=SURNAME_P)]
    inherits = (relation == H) | (np.isin(relation, [SON, DAU, GS, GD, FA]) & head_male[hh_of])
    names = np.char.add(np.where(inherits, head_surname[hh_of], own_surname), _given_names(rng, sex))

    county6 = village.code[:6]
    order_codes = ids.allocate(county6, days_index, sex == 1)
    id_numbers = make_ids(county6, birth_days, order_codes)

    # Member attributes by age.
    u = rng.random((6, n_p))
    chronic = u[0] < np.clip(0.02 + 0.005 * age, 0, 0.45)
    serious = u[1] < 0.004 + 0.0004 * age
    disabled = u[2] < np.clip(0.02 + 0.0012 * age, 0, 0.15)
    health = np.select([disabled, serious, chronic], ["disabled", "serious", "chronic"], "healthy")
    school = np.select(
        [age <= 2, age <= 5, age <= 11, age <= 14, (age <= 17) & (u[3] < 0.6), (age <= 17) & (u[3] < 0.9),
         (age >= 18) & (age <= 21) & (u[3] < 0.3)],
        ["preschool_child", "preschool", "primary", "junior", "senior", "vocational", "higher_vocational"],
        "",
    )
    student = (school != "") & (age >= 3)
    working_age = (age >= 16) & (age < 65) & ~student
    labour = np.select(
        [~working_age, disabled & (u[4] < 0.6), disabled, (chronic | serious) & (u[4] < 0.4), u[4] < 0.15],
        ["none", "lost", "weak", "weak", "skilled"],
        "ordinary",
    )
    able = np.isin(labour, ["ordinary", "skilled"])
    education = np.where(
        school != "", "",
        np.select([age < 6, age >= 70, age >= 55, age >= 40, age >= 25],
                  ["", np.where(u[5] < 0.5, "illiterate", "primary"), np.where(u[5] < 0.6, "primary", "junior"),
                   np.where(u[5] < 0.7, "junior", "senior"), np.where(u[5] < 0.5, "junior", "senior")],
                  np.where(u[5] < 0.3, "senior", np.where(u[5] < 0.6, "college", "junior"))),
    )
    works_away = able & (rng.random(n_p) < 0.6)
    work_place = np.where(works_away, rng.choice(["county", "province", "outside", "township"], n_p, p=[0.25, 0.35, 0.35, 0.05]), "none")
    work_place = np.where(working_age, work_place, "")
    work_months = np.where(works_away, rng.integers(4, 13, n_p), 0)
    resident_medical = rng.random(n_p) < 0.96
    pension = (age >= 16) & (rng.random(n_p) < 0.85)

    # Household flags from members.
    def any_of(mask: np.ndarray) -> np.ndarray:
        return np.bincount(hh_of, weights=mask.astype(float), minlength=n_h) > 0

    ill_h = any_of(np.isin(health, ["chronic", "serious"]))
    disabled_h = any_of(health == "disabled")
    costly_student_h = any_of(np.isin(school, ["senior", "vocational", "higher_vocational"]))
    able_count = np.bincount(hh_of, weights=able.astype(float), minlength=n_h)

    # Status: registered (建档立卡) households are poorer; some are monitored now.
    hu = rng.random((6, n_h))
    risk_score = 0.08 + 0.12 * ill_h + 0.12 * disabled_h + 0.06 * costly_student_h + 0.1 * (able_count == 0)
    registered = hu[0] < risk_score
    monitored = (hu[1] < 0.08) & (registered | (hu[2] < 0.02))
    identification_year = np.where(registered, rng.choice([2014, 2015, 2016, 2017, 2018], n_h, p=[0.6, 0.1, 0.1, 0.1, 0.1]), 0)
    exit_year = np.where(registered, np.maximum(identification_year + 1, rng.choice([2016, 2017, 2018, 2019, 2020], n_h)), 0)
    if year <= 2020:
        status = np.where(registered & (exit_year > year), "poor", np.where(registered, "exited", "general"))
    else:
        status = np.where(monitored, "monitored", np.where(registered, "exited", "general"))
    monitoring_type = np.where(status == "monitored",
                               np.where(registered, "unstable_exited", np.where(hu[3] < 0.8, "edge", "sudden_hardship")), "")

    # Causes consistent with members (for registered households and monitored ones).
    has_cause = registered | (status == "monitored")
    main = np.select(
        [ill_h & (hu[4] < 0.85), disabled_h & (hu[4] < 0.9), costly_student_h & (hu[4] < 0.9), able_count == 0],
        ["1", "2", "3", "8"],
        rng.choice(["7", "9", "5", "10", "11", "6", "4"], n_h, p=[0.35, 0.3, 0.1, 0.08, 0.07, 0.05, 0.05]),
    )
    candidates = np.stack([
        np.where(ill_h, "1", ""), np.where(disabled_h, "2", ""), np.where(costly_student_h, "3", ""),
        np.where(able_count <= 1, "8", ""), np.where(hu[5] < 0.5, "7", ""), np.where(hu[5] >= 0.5, "9", ""),
    ], axis=1)
    candidates = np.where(candidates == main[:, None], "", candidates)
    others = [[c for c in row if c][:2] for row in candidates]  # small per-household lists
    other1 = np.array([o[0] if len(o) > 0 else "" for o in others], dtype=object).astype(str)
    other2 = np.array([o[1] if len(o) > 1 else "" for o in others], dtype=object).astype(str)
    main = np.where(has_cause, main, "")
    other1 = np.where(has_cause, other1, "")
    other2 = np.where(has_cause, other2, "")
    attribute = np.where(registered, rng.choice(["general_poor", "dibao_poor", "tekun_poor"], n_h, p=[0.7, 0.25, 0.05]), "")

    # Income (cents), by source. Wages from members working away; business from land.
    person_wage = np.where(works_away, work_months * rng.integers(2_000_00, 5_200_00, n_p), 0)
    person_wage += np.where(able & ~works_away & (rng.random(n_p) < 0.3), rng.integers(3_000_00, 15_000_00, n_p), 0)
    wage = np.bincount(hh_of, weights=person_wage, minlength=n_h).astype(np.int64)
    elderly = np.bincount(hh_of, weights=(age >= 60).astype(float), minlength=n_h)
    business = (rng.lognormal(8.3, 0.8, n_h) * 100).astype(np.int64) * (hu[2] < 0.85)
    expense = (business * rng.uniform(0.15, 0.45, n_h)).astype(np.int64)
    prop = np.where(hu[3] < 0.2, rng.integers(100_00, 3_000_00, n_h), 0)
    poor_boost = registered | (status == "monitored")
    dibao_h = (attribute == "dibao_poor") | (~registered & (hu[4] < 0.03))
    transfer_dibao = np.where(dibao_h, (sizes * rng.integers(2_400_00, 4_800_00, n_h)), 0)
    transfer_tekun = np.where(attribute == "tekun_poor", rng.integers(5_000_00, 9_000_00, n_h), 0)
    transfer_pension = (elderly * 1_560_00).astype(np.int64)
    transfer_eco = np.where(hu[5] < 0.3, rng.integers(50_00, 800_00, n_h), 0)
    transfer_fp = np.where(hu[0] > 0.97, 1_200_00, 0)
    transfer_other = np.where(poor_boost & (hu[1] < 0.5), rng.integers(200_00, 2_000_00, n_h), 0)
    # Registered households earn less on average.
    wage = np.where(poor_boost, (wage * rng.uniform(0.3, 0.9, n_h)).astype(np.int64), wage)
    transfer = transfer_fp + transfer_dibao + transfer_tekun + transfer_pension + transfer_eco + transfer_other
    oop = np.where(ill_h, rng.integers(0, 8_000_00, n_h), 0)  # 合规自付支出 of households with an ill member

    housing_area = np.round(rng.uniform(40, 180, n_h), 1)
    dangerous = rng.random(n_h) < 0.01
    hh = {
        "household_number": np.char.add(village.code, np.char.zfill((np.arange(n_h) + 1).astype(str), 4)),
        "area_code": np.full(n_h, village.code),
        "group_name": np.char.add(np.char.zfill(rng.integers(1, 13, n_h).astype(str), 2), "组"),
        "address": np.char.add(np.char.add(village.name, rng.integers(1, 13, n_h).astype(str)), "组"),
        "phone": _phones(rng, n_h),
        "bank_name": np.where(hu[0] < 0.9, "农村信用合作社", "中国邮政储蓄银行"),
        "bank_account": np.char.add("6217", np.char.zfill(rng.integers(0, 10**15, n_h).astype(str), 15)),
        "is_military_family": hu[1] > 0.99,
        "is_relocated": registered & (hu[2] > 0.95),
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
        "ethnicity": np.where(rng.random(n_p) < 0.995, "01", "22"),
        "political_status": np.where((age >= 18) & (rng.random(n_p) < 0.05), "party", "masses"),
        "phone": np.where(relation == H, hh["phone"][hh_of], np.where(works_away, _phones(rng, n_p), "")),
        "status": np.full(n_p, "active"),
    }
    years: dict[str, list] = {}
    person_years: dict[str, list] = {}
    for offset, record_year in ((1, year - 1), (0, year)):
        factor = 1.0 if offset == 0 else rng.uniform(0.8, 1.1, n_h)

        def scale(values: np.ndarray) -> np.ndarray:
            return (values * factor).astype(np.int64)  # noqa: B023 (used at once)

        w, b, e, pr = scale(wage), scale(business), scale(expense), scale(prop)
        tr = transfer
        net_y = w + b + pr + tr - e
        status_y = status if offset == 0 else np.where(status == "monitored", np.where(registered, "exited", "general"), status)
        block = {
            "household_number": hh["household_number"],
            "year": np.full(n_h, record_year),
            "status": status_y,
            "identification_standard": np.where(registered, "1", ""),
            "household_attribute": attribute,
            "main_cause": main,
            "other_cause_1": other1,
            "other_cause_2": other2,
            "identification_year": identification_year,
            "exit_year": exit_year,
            "monitoring_type": np.where(status_y == "monitored", monitoring_type, ""),
            "size_start": sizes,
            "size_end": sizes,
            "wage_income": _money(w),
            "business_income": _money(b),
            "property_income": _money(pr),
            "transfer_family_planning": _money(transfer_fp),
            "transfer_dibao": _money(transfer_dibao),
            "transfer_tekun": _money(transfer_tekun),
            "transfer_pension": _money(transfer_pension),
            "transfer_eco_compensation": _money(transfer_eco),
            "transfer_other": _money(transfer_other),
            "transfer_income": _money(tr),
            "business_expense": _money(e),
            "claims_income": np.zeros(n_h),
            "compliant_out_of_pocket": _money(oop),
            "total_income": _money(w + b + pr + tr),
            "net_income": _money(net_y),
            "per_capita_net_income": np.round(net_y / sizes / 100.0, 2),
            "arable_land_mu": np.round(rng.uniform(0, 6, n_h), 1),
            "forest_land_mu": np.round(rng.uniform(0, 20, n_h), 1),
            "living_electricity": np.ones(n_h, dtype=bool),
            "production_electricity": hu[3] < 0.95,
            "drinking_water_safe": hu[4] < 0.97,
            "drinking_water_difficult": hu[4] > 0.99,
            "housing_area_m2": housing_area,
            "house_structure": rng.choice(["brick_concrete", "concrete", "brick_wood", "earth"], n_h, p=[0.55, 0.25, 0.17, 0.03]),
            "is_dangerous_house": dangerous,
            "danger_level": np.where(dangerous, "C", ""),
            "sanitary_toilet": hu[5] < 0.85,
            "distance_to_road_km": np.round(rng.uniform(0, 3, n_h), 1),
            "road_type": np.where(hu[0] < 0.9, "hardened", "gravel"),
            "fuel_type": rng.choice(["electricity", "lpg_bottle", "firewood"], n_h, p=[0.45, 0.35, 0.2]),
        }
        for k, v in block.items():
            years.setdefault(k, []).append(v)
        person_block = {
            "id_number": id_numbers,
            "year": np.full(n_p, record_year),
            "health": health,
            "labour_ability": labour,
            "education": education,
            "school_status": school,
            "work_place": work_place,
            "work_months": work_months,
            "resident_medical_insurance": resident_medical,
            "employee_medical_insurance": np.zeros(n_p, dtype=bool),
            "serious_illness_insurance": resident_medical,
            "resident_pension_insurance": pension,
            "dibao": np.where(dibao_h[hh_of], "rural", "none"),
            "tekun": np.where((attribute == "tekun_poor")[hh_of] & (relation == H), "rural", "none"),
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
            arrays[name] = pa.array(values.astype("datetime64[D]"), type=pa.date32())
        else:
            arrays[name] = pa.array(values)
    return pa.table(arrays)


def generate(*, persons: int, seed: int, year: int = 2024, county: str = "441426000000",
             chunk_persons: int = 100_000) -> tuple[Plan, Iterator[dict[str, pa.Table]]]:
    """The area plan and an iterator of chunks ({table name: Arrow table}) covering ``persons``."""
    plan = plan_areas(persons=persons, county=county)
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
                   county: str = "441426000000", chunk_persons: int = 100_000,
                   progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Generate and write the registry to ``out``; returns row counts per table."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown format {fmt!r}; use parquet, csv or xlsx")
    if fmt == "xlsx" and persons * 2 > XLSX_MAX_ROWS:
        raise ValueError(f"{persons:,} persons (two years each) do not fit in one XLSX sheet; use parquet or csv")
    out.mkdir(parents=True, exist_ok=True)
    plan, chunks = generate(persons=persons, seed=seed, year=year, county=county, chunk_persons=chunk_persons)
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
        {"persons": persons, "seed": seed, "year": year, "county": county, "format": fmt, "rows": counts},
        ensure_ascii=False, indent=1), encoding="utf-8")
    return counts
