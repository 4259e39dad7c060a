"""The two XLSX readers (calamine for ordinary sheets, openpyxl's streaming mode for large ones) give
the same rows, so the size of a file never changes what is imported."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter

from jingzhun.imports import readers
from jingzhun.imports.columns import cell_text
from jingzhun.imports.tests.files import HEADER, household_rows


def _workbook(path, *, inline_strings=False):  # type: ignore[no-untyped-def]
    # constant_memory writes strings inline in the sheet (as large exports do); otherwise shared.
    book = xlsxwriter.Workbook(str(path), {"constant_memory": inline_strings})
    sheet = book.add_worksheet()
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, [*HEADER, "出生日期", "是否现役军人", "备注"])
    rows = household_rows("HH0001") + household_rows("HH0002", surname="刘")
    for index, row in enumerate(rows, start=1):
        if index == 3:
            continue  # a blank row in the middle
        for column, value in enumerate(row):
            if value in ("", None):
                continue  # empty cells are absent from the XML
            if column in (12, 13, 14):
                sheet.write_number(index, column, float(value) + 0.5)
            elif isinstance(value, int):
                sheet.write_number(index, column, value)
            else:
                sheet.write_string(index, column, str(value))
        sheet.write_datetime(index, len(HEADER), dt.datetime(1970, 1, index), dates)  # noqa: DTZ001 (a calendar date)
        sheet.write_boolean(index, len(HEADER) + 1, index % 2 == 0)
        sheet.write_string(index, len(HEADER) + 2, "回车\r控制\x01 _x0041_")  # stored escaped as _xHHHH_
    sheet.write_string(len(rows) + 3, 0, "尾注 note")  # something after a gap of empty rows
    book.close()
    return path


def _texts(rows):  # type: ignore[no-untyped-def]
    out = []
    for number, cells in rows:
        texts = [cell_text(c) for c in cells]
        while texts and texts[-1] == "":
            texts.pop()
        if texts:
            out.append((number, texts))
    return out


@pytest.mark.parametrize("inline_strings", [False, True])
def test_streamed_and_calamine_xlsx_rows_are_the_same(tmp_path, inline_strings):
    path = _workbook(tmp_path / "两种读法.xlsx", inline_strings=inline_strings)
    fast = _texts(readers._xlsx_rows_calamine(path))
    streamed = _texts(readers._xlsx_rows_streamed(path))
    assert streamed == fast
    assert fast[0][0] == 1 and fast[-1][1] == ["尾注 note"] and fast[-1][0] == 10
    assert "1970-01-02" in fast[2][1] and "8000.5" in fast[1][1]
    assert "回车\r控制\x01 _x0041_" in streamed[1][1]


def test_large_sheets_are_streamed(tmp_path, monkeypatch):
    path = _workbook(tmp_path / "大.xlsx")
    used = []
    monkeypatch.setattr(readers, "_xlsx_rows_streamed", lambda p: used.append("streamed") or iter([(1, ["户编号"])]))
    monkeypatch.setattr(readers, "_xlsx_rows_calamine", lambda p: used.append("calamine") or iter([(1, ["户编号"])]))
    readers.open_table(path)
    monkeypatch.setattr(readers, "XLSX_STREAM_BYTES", 100)
    readers.open_table(path)
    assert used == ["calamine", "streamed"]


def test_a_broken_large_workbook_is_a_file_problem(tmp_path, monkeypatch):
    import zipfile

    path = _workbook(tmp_path / "坏.xlsx")
    broken = tmp_path / "坏了.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = content.replace(b"<sheetData>", b"<sheetData><<<")  # no longer parses
            target.writestr(item, content)
    monkeypatch.setattr(readers, "XLSX_STREAM_BYTES", 100)
    with pytest.raises(readers.FileProblem) as caught:
        list(readers.open_table(broken).rows)
    assert caught.value.code == "not_spreadsheet"
