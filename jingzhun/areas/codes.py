"""Pure rules of the 12-digit statistical area code (统计用区划代码); no Django here.

Layout: 2 province + 2 city + 2 county (GB/T 2260) + 3 township + 3 village.
Township digits: 001–099 街道, 100–199 镇, 200–399 乡, 400–599 政企合一单位 (NBS rules, domain §1.1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

PROVINCE, CITY, COUNTY, TOWNSHIP, VILLAGE = 1, 2, 3, 4, 5
LEVEL_PREFIX_LENGTH = {PROVINCE: 2, CITY: 4, COUNTY: 6, TOWNSHIP: 9, VILLAGE: 12}
CODE_RE = re.compile(r"^\d{12}$")

TOWNSHIP_KINDS = (
    (1, 99, "subdistrict"),  # 街道
    (100, 199, "town"),  # 镇
    (200, 399, "township"),  # 乡
    (400, 599, "enterprise"),  # 政企合一单位
)


def is_area_code(code: str) -> bool:
    return bool(CODE_RE.match(code or ""))


def level_of(code: str) -> int:
    """Level of a 12-digit code, read from where its trailing zeros begin."""
    if not is_area_code(code):
        raise ValueError(f"not a 12-digit area code: {code!r}")
    if code[9:] != "000":
        return VILLAGE
    if code[6:9] != "000":
        return TOWNSHIP
    if code[4:6] != "00":
        return COUNTY
    if code[2:4] != "00":
        return CITY
    return PROVINCE


def prefix_of(code: str) -> str:
    """The significant digits of a code: everything below it starts with this prefix."""
    return code[: LEVEL_PREFIX_LENGTH[level_of(code)]]


def code_range(code: str) -> tuple[str, str]:
    """Inclusive range of 12-digit codes at or below ``code`` (index-friendly on every database)."""
    prefix = prefix_of(code)
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


def parent_candidates(code: str) -> list[str]:
    """Codes that may be the parent, nearest first (a county may hang directly off its province)."""
    level = level_of(code)
    out = []
    for lvl in range(level - 1, 0, -1):
        out.append(code[: LEVEL_PREFIX_LENGTH[lvl]].ljust(12, "0"))
    return out


def region_chain(code: str | None) -> list[str | None]:
    """``code``, then the codes that may be above it nearest first, then None (the nation)."""
    return [code, *parent_candidates(code), None] if code else [None]


def nearest_regional(rows: Iterable[T], code: str | None, *, region: Callable[[T], str | None],
                     year: Callable[[T], int]) -> T | None:
    """Of ``rows`` keyed by region (None for the national row), take those of the region nearest to
    ``code`` on the way up that has any, and of them the one with the latest year. None if none."""
    rows = list(rows)
    for level_code in region_chain(code):
        candidates = [r for r in rows if region(r) == level_code]
        if candidates:
            return max(candidates, key=year)
    return None


def township_kind(code: str) -> str | None:
    number = int(code[6:9])
    for low, high, kind in TOWNSHIP_KINDS:
        if low <= number <= high:
            return kind
    return None


def county_code6(code: str) -> str:
    return code[:6]
