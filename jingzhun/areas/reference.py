"""Reference province/city/county codes and names, read from the ``cpca`` package's data file.

cpca ships ``resources/adcodes.csv`` (GB/T 2260 codes padded to 12 digits, with names); we read the
file without importing cpca itself (which would build its address matcher). Origin: see README.
"""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Iterator
from pathlib import Path

from jingzhun.areas import codes


def reference_file() -> Path:
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The cpca package (area reference data) is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def reference_rows() -> Iterator[tuple[str, str, int]]:
    """Yield (code, name, level) for every province, city and county, parents before children."""
    with reference_file().open(encoding="utf-8") as handle:
        rows = [(r["adcode"], r["name"]) for r in csv.DictReader(handle) if codes.is_area_code(r["adcode"])]
    rows.sort(key=lambda r: (codes.level_of(r[0]), r[0]))
    for code, name in rows:
        yield code, name, codes.level_of(code)
