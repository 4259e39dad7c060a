"""Small report tables as spreadsheets: XLSX, or CSV in UTF-8 (with BOM, for Excel) or GBK.

Cells a spreadsheet would read as a formula are neutralised (``registry.exports.neutralise``). The
caller audits the export and passes only rows the actor may see.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter

from jingzhun.registry.exports import XLSX_CONTENT_TYPE, neutralise

FORMATS = ("xlsx", "csv")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return neutralise(str(value))


def table_bytes(headers: Sequence[Any], rows: Iterable[Sequence[Any]], *, fmt: str, encoding: str = "utf-8-sig",
                sheet: str = "Sheet1") -> tuple[bytes, str]:
    """The table as file bytes and its content type. GBK replaces characters it cannot encode with '?'."""
    if fmt == "xlsx":
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False})
        out = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        out.write_row(0, 0, [str(h) for h in headers], bold)
        for n, row in enumerate(rows, start=1):
            out.write_row(n, 0, [_cell(v) for v in row])
        out.freeze_panes(1, 0)
        book.close()
        return buffer.getvalue(), XLSX_CONTENT_TYPE
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    encoding = "gbk" if encoding == "gbk" else "utf-8-sig"
    charset = "gbk" if encoding == "gbk" else "utf-8"
    return text.getvalue().encode(encoding, errors="replace"), f"text/csv; charset={charset}"
