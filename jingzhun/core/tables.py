"""Tables as spreadsheets: XLSX, or CSV in UTF-8 (with BOM, for Excel) or GBK.

``table_bytes`` writes a small report table in memory. ``csv_stream`` and ``xlsx_write`` /
``xlsx_bytes`` write long lists (the registry, project and findings exports) in bounded memory:
rows are streamed, and an XLSX file appears only once complete. Cells a spreadsheet would read as a
formula are neutralised (``neutralise``) by ``table_bytes``; the streaming writers
take rows the caller has already neutralised. The caller audits the export and passes only rows the
actor may see.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

FORMATS = ("xlsx", "csv")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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


CSV_ENCODINGS = ("utf-8-sig", "gbk")
CSV_CHUNK_CHARACTERS = 64_000


def csv_stream(rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8-sig") -> Iterator[bytes]:
    """The rows as CSV bytes, a chunk at a time (``utf-8-sig``: one BOM at the start; ``gbk``: a
    character GBK lacks becomes '?')."""
    if encoding not in CSV_ENCODINGS:
        raise ValueError(encoding)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    codec = encoding

    def chunk() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode(codec, errors="replace")

    for row in rows:
        writer.writerow(row)
        if buffer.tell() > CSV_CHUNK_CHARACTERS:
            yield chunk()
            codec = "utf-8" if encoding == "utf-8-sig" else encoding
    yield chunk()


def xlsx_write(rows: Iterable[Sequence[Any]], path: Path, *, sheet: str) -> Path:
    """Write the rows (the first in bold, as the header) to ``path`` in constant memory, through a
    temporary file beside it, so that ``path`` is never half-written."""
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(temporary, {"constant_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False})
        out = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        for index, row in enumerate(rows):
            out.write_row(index, 0, row, bold if index == 0 else None)
        book.close()
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    path.chmod(0o644)
    return path


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, sheet: str) -> bytes:
    """``xlsx_write`` into a temporary directory, as bytes (for a web response)."""
    with tempfile.TemporaryDirectory() as tmp:
        return xlsx_write(rows, Path(tmp) / "export.xlsx", sheet=sheet).read_bytes()
