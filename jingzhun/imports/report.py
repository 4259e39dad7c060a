"""The validation report as XLSX: the problems, and the rejected rows with an error column, ready to
be fixed and imported again. Written to a temporary file and renamed, so it is never half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import xlsxwriter

from jingzhun.core.tables import neutralise
from jingzhun.imports.validate import CheckedFile


def write_report(checked: CheckedFile, path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(handle)
    workbook = xlsxwriter.Workbook(temporary, {"constant_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#FDE8E8"})
    problems_sheet = workbook.add_worksheet("问题清单 Problems")
    problems_sheet.write_row(0, 0, ["行号 Row", "列 Column", "值 Value", "原因 Reason", "Reason (English)", "代码 Code"], bold)
    for index, problem in enumerate(sorted(checked.problems, key=lambda p: (p.row, p.column)), start=1):
        problems_sheet.write_row(index, 0, [problem.row, problem.column, neutralise(problem.value),
                                            problem.text("zh-hans"), problem.text("en"), problem.code])
    problems_sheet.set_column(0, 0, 8)
    problems_sheet.set_column(1, 2, 22)
    problems_sheet.set_column(3, 4, 60)
    rejected = workbook.add_worksheet("被拒绝的行 Rejected rows")
    header = ["错误 Errors", *[str(h) if h is not None else "" for h in checked.header]]
    rejected.write_row(0, 0, header, bold)
    by_row: dict[int, list[str]] = {}
    for problem in checked.problems:
        by_row.setdefault(problem.row, []).append(f"{problem.column}：{problem.text('zh-hans')}")
    rejected_rows = sorted({row for group in checked.rejected_households for row in group.rows})
    numbers_of = {row: group.number for group in checked.rejected_households for row in group.rows}
    out_row = 1
    for row in rejected_rows:
        errors = by_row.get(row) or [f"户编号 {numbers_of[row]}：同户其他行有错误，整户未导入"]
        cells: list[Any] = checked.raw_rows.get(row, [])
        rejected.write_row(out_row, 0, ["；".join(errors), *[neutralise(_plain(c)) for c in cells]])
        out_row += 1
    workbook.close()
    os.replace(temporary, path)
    path.chmod(0o644)
    return path


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, int | float) else str(value)
