"""The import template, made from the column declaration: a data sheet whose code columns carry
drop-down lists, a sheet of code lists, and a sheet of instructions (zh-hans and en)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from jingzhun.imports.columns import COLUMNS
from jingzhun.registry import codelists

KIND_ZH = {"text": "文本", "code": "代码表（下拉选择）", "date": "日期 YYYY-MM-DD", "int": "整数", "money": "金额（元）",
           "decimal": "数字", "bool": "是/否", "causes": "代码表，最多两项，用“、”分隔"}
MAX_ROWS = 20_000


def write_template(path: Path | str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(handle)
    book = xlsxwriter.Workbook(temporary)
    header = book.add_format({"bold": True, "bg_color": "#FDECEC", "border": 1, "text_wrap": True})
    required = book.add_format({"bold": True, "bg_color": "#F8C9C9", "border": 1, "text_wrap": True})
    text = book.add_format({"num_format": "@"})
    data = book.add_worksheet("数据 Data")
    lists = book.add_worksheet("代码表 Codes")
    guide = book.add_worksheet("说明 Instructions")
    list_column = 0
    for position, column in enumerate(COLUMNS):
        data.write(0, position, column.zh, required if column.required else header)
        data.set_column(position, position, max(10, len(column.zh) * 2 + 2), text)
        if column.kind in ("code", "causes"):
            labels = [item["label_zh"] for item in codelists.codes_of(column.code_list).values()]
            lists.write(0, list_column, column.zh, header)
            for row, label in enumerate(labels, start=1):
                lists.write(row, list_column, label)
            if column.kind == "code" and labels:
                letter = xl_col_to_name(list_column)
                data.data_validation(1, position, MAX_ROWS, position, {
                    "validate": "list", "source": f"='代码表 Codes'!${letter}$2:${letter}${len(labels) + 1}",
                    "error_title": "不在代码表中", "error_message": f"请从下拉列表中选择“{column.zh}”的值。",
                })
            list_column += 1
    data.freeze_panes(1, 0)
    guide.write_row(0, 0, ["列名 Column", "English", "必填 Required", "类型 Type", "说明 Notes"], header)
    notes = {
        "household_number": "同一户的每个成员行填写相同的户编号；已登记的户按户编号更新。Same number on every member row.",
        "area_code": "12 位行政村代码。12-digit village code.",
        "id_number": "18 位身份证号码，或 20/22 位残疾人证号。18-digit ID, or 20/22-character disability certificate.",
        "relation": "每户有且只有一名户主。Exactly one 户主 per household.",
        "year": "年度信息所属年度；不填则用导入时选择的年度。",
        "other_causes": "最多两项，不能与主要致贫原因相同。At most two, different from the main cause.",
    }
    for row, column in enumerate(COLUMNS, start=1):
        guide.write_row(row, 0, [column.zh, column.key, "是" if column.required else "", KIND_ZH[column.kind],
                                 notes.get(column.key, "")])
    guide.set_column(0, 0, 28)
    guide.set_column(1, 1, 26)
    guide.set_column(3, 3, 26)
    guide.set_column(4, 4, 70)
    book.close()
    os.replace(temporary, path)
    path.chmod(0o644)
    return path
