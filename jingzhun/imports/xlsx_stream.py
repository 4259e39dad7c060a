"""The rows of an XLSX workbook's first sheet, parsed as the sheet's XML is decompressed — memory stays
bounded however many rows the sheet has (python-calamine, used for ordinary sheets, holds the whole
sheet in memory; openpyxl's read-only mode streams too but is some ten times slower).

Values come out as calamine gives them: text as ``str``, numbers as ``float``, booleans as ``bool``,
numbers in a date format as ``datetime``, error cells as their text (``#N/A``), empty cells as None.
The workbook's parts (which sheet is first, shared strings, styles, the 1904 calendar) are read with
the standard library's XML parser; date formats are recognised and serial numbers converted with
openpyxl's own helpers. Uploads are untrusted XML: with expat 2.4.1 or later (Python 3.11
ships 2.5) the standard parser is safe from entity-expansion bombs and ElementTree never fetches
external entities (Python's "XML vulnerabilities" table); with an older expat, defusedxml's parser is
used (half as fast here). Anything unreadable raises ``ValueError`` / ``KeyError`` / ``SyntaxError``
for the caller to turn into a file problem.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import pyexpat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from openpyxl.utils.escape import unescape  # _xHHHH_: characters XML cannot hold

if pyexpat.version_info >= (2, 4, 1):
    from xml.etree.ElementTree import iterparse, parse  # noqa: S405 (see the module docstring)
else:  # pragma: no cover - every supported Python ships a newer expat
    from defusedxml.ElementTree import iterparse, parse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CELL, VALUE, ROW, SHEET_DATA = f"{MAIN}c", f"{MAIN}v", f"{MAIN}row", f"{MAIN}sheetData"
PACKAGE_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def iter_first_sheet(path: Path | str) -> Iterator[tuple[int, list[Any]]]:
    """(row number as the spreadsheet shows it, cell values from column A) for each row present."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        sheet, epoch = _first_sheet(archive)
        strings = _shared_strings(archive) if "xl/sharedStrings.xml" in names else []
        date_styles = _date_styles(archive) if "xl/styles.xml" in names else set()
        with archive.open(sheet) as stream:
            parent = None
            last = 0
            for event, element in iterparse(stream, events=("start", "end")):
                if event == "start":
                    if element.tag == SHEET_DATA:
                        parent = element
                    continue
                if element.tag != ROW:
                    continue
                number = element.get("r")
                last = int(number) if number else last + 1  # r may be left out: the next row then
                yield last, _row_values(element, strings, date_styles, epoch)
                if parent is not None:
                    parent.remove(element)  # keep nothing of the rows already read


COLUMN_OF: dict[str, int] = {}  # "AB" -> 27, filled as letters are met


def _column(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    index = COLUMN_OF.get(letters)
    if index is None:
        index = COLUMN_OF[letters] = column_index_from_string(letters) - 1
    return index


def _row_values(row: Any, strings: list[str], date_styles: set[int], epoch: Any) -> list[Any]:
    values: list[Any] = []
    for cell in row:
        if cell.tag != CELL:
            continue
        reference = cell.get("r")
        if reference:
            column = _column(reference)
            if column > len(values):
                values.extend([None] * (column - len(values)))
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(f"{MAIN}is")
            parts = [] if inline is None else (inline.findall(f"{MAIN}t") or inline.findall(f"{MAIN}r/{MAIN}t"))
            values.append(unescape("".join(t.text or "" for t in parts)))
            continue
        raw = cell.findtext(VALUE)
        if raw is None:
            values.append(None)
        elif kind == "s":
            values.append(strings[int(raw)])
        elif kind == "d":  # an ISO 8601 date cell
            values.append(dt.datetime.fromisoformat(raw))
        elif kind == "b":
            values.append(raw == "1")
        elif kind in ("str", "e"):
            values.append(unescape(raw))
        else:
            number = float(raw)
            style = int(cell.get("s", "0"))
            values.append(from_excel(number, epoch) if style in date_styles else number)
    return values


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, Any]:
    """The part name of the first sheet in the workbook's order, and the calendar it uses."""
    workbook = _parse(archive, "xl/workbook.xml")
    properties = workbook.find(f"{MAIN}workbookPr")
    epoch = CALENDAR_MAC_1904 if properties is not None and properties.get("date1904") in ("1", "true") \
        else CALENDAR_WINDOWS_1900
    first = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
    if first is None:
        raise ValueError("the workbook has no sheet")
    targets = {r.get("Id"): r.get("Target") for r in _parse(archive, "xl/_rels/workbook.xml.rels").iter(PACKAGE_RELATIONSHIP)}
    target = targets[first.get(RELATIONSHIP)]
    name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return name, epoch


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    strings: list[str] = []
    with archive.open("xl/sharedStrings.xml") as stream:
        for _event, element in iterparse(stream, events=("end",)):
            if element.tag == f"{MAIN}si":
                # Plain text, or rich-text runs; phonetic guides (rPh) are not part of the value.
                parts = element.findall(f"{MAIN}t") or element.findall(f"{MAIN}r/{MAIN}t")
                strings.append(unescape("".join(t.text or "" for t in parts)))
                element.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile) -> set[int]:
    """Indexes of the cell formats (``s`` of a cell) whose number format shows a date or time."""
    styles = _parse(archive, "xl/styles.xml")
    custom = {int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(f"{MAIN}numFmt")}
    cell_formats = styles.find(f"{MAIN}cellXfs")
    dates: set[int] = set()
    for index, xf in enumerate(cell_formats.iterfind(f"{MAIN}xf") if cell_formats is not None else []):
        number_format = int(xf.get("numFmtId", "0"))
        code = custom.get(number_format, BUILTIN_FORMATS.get(number_format, "General"))
        if is_date_format(code):
            dates.add(index)
    return dates


def _parse(archive: zipfile.ZipFile, name: str) -> Any:
    with archive.open(name) as stream:
        return parse(stream).getroot()
