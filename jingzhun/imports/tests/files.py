"""Import files for tests, written by the tests themselves in every supported format."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

from jingzhun.registry.tests.factories import valid_id
from jingzhun.testing.personas import VILLAGE_A

HEADER = ["户编号", "行政区划代码", "所在组", "联系电话", "姓名", "证件号码", "与户主关系", "民族", "年度", "户状态",
          "主要致贫原因", "其他致贫原因", "工资性收入", "生产经营性收入", "生产经营性支出", "健康状况", "劳动技能"]


def household_rows(number: str = "HH0001", area: str = VILLAGE_A, *, size: int = 3, surname: str = "王",
                   year: int = 2024) -> list[list[Any]]:
    """Rows of one valid household (head, spouse, children) in HEADER order."""
    head = valid_id(dt.date(1965, 3, 1), "1")
    rows = [[number, area, "一组", "13800138000", f"{surname}大山", head, "户主", "汉族", year, "贫困户（未脱贫）",
             "因病", "缺技术", "8000", "3000", "500", "患有大病", "普通劳动力"],
            [number, area, "一组", "13800138000", "李秀英", valid_id(dt.date(1967, 7, 9), "2"), "配偶", "汉族", year,
             "贫困户（未脱贫）", "因病", "缺技术", "8000", "3000", "500", "健康", "普通劳动力"]]
    for index in range(size - 2):
        rows.append([number, area, "一组", "13800138000", f"{surname}小{index}", valid_id(dt.date(2005 + index, 1, 2), "1"),
                     "之子", "汉族", year, "贫困户（未脱贫）", "因病", "缺技术", "8000", "3000", "500", "健康", "无劳动力"])
    return rows


def write_xlsx(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write_string(index, column, str(value)) if isinstance(value, str) else sheet.write(index, column, value)
    book.close()
    return path


def write_csv(path: Path, rows: list[list[Any]], *, encoding: str = "utf-8", header: list[str] = HEADER) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
