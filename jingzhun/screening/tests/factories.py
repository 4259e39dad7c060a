"""Factories for screening tests on the database: department files (CSV in any encoding, XLSX),
department lists loaded through the service, and a small registry screened through the service.

(``builders.py`` makes in-memory snapshots for the rule tests; these go through the database.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from jingzhun.screening.services import (
    DepartmentLoad,
    department_list_load,
    screening_execute,
    screening_start,
)
from jingzhun.testing.personas import COUNTY

YEAR = 2024


def department_csv(path: Path, rows: Sequence[Sequence[Any]], *, header: Sequence[str] = ("身份证号", "姓名", "说明"),
                   encoding: str = "utf-8") -> Path:
    """Write ``header`` and ``rows`` as CSV in ``encoding`` (``gbk``, ``utf-8-sig``, …)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def department_xlsx(path: Path, rows: Sequence[Sequence[Any]], *,
                    header: Sequence[str] = ("id_number", "detail")) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def load_list(actor: Any, tmp_path: Path, id_numbers: Sequence[str], *, source: str = "vehicles",
              area: str = COUNTY, year: int = YEAR, name: str = "list.csv") -> DepartmentLoad:
    """Load a list of ``id_numbers`` (each with a detail) through the service."""
    path = department_csv(tmp_path / name, [(n, "某人", f"粤M{i:05d}") for i, n in enumerate(id_numbers, 1)])
    return department_list_load(actor=actor, source=source, area=area, year=year, path=path)


def screen(actor: Any, *, groups: Sequence[str] = (), area_code: str = COUNTY, year: int = YEAR) -> Any:
    """Start and execute a run (in this thread); returns the finished run."""
    run = screening_start(actor=actor, year=year, area_code=area_code, groups=list(groups))
    return screening_execute(run.pk)
