"""Read a spreadsheet as a header row and a stream of rows: XLSX (python-calamine) or CSV in UTF-8,
UTF-8 with BOM, GBK or GB18030 (detected, or named). No Django here.

Every failure is a ``FileProblem`` with a reason code; nothing here raises anything else for a bad
file.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENCODINGS = ("utf-8-sig", "gb18030")
ENCODING_ALIASES = {"utf-8": "utf-8-sig", "utf8": "utf-8-sig", "utf-8-sig": "utf-8-sig", "gbk": "gb18030",
                    "gb2312": "gb18030", "gb18030": "gb18030", "cp936": "gb18030"}
SNIFF_BYTES = 1 << 20


class FileProblem(Exception):
    """codes: empty, not_spreadsheet, encoding, unknown_encoding, no_header, too_large"""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass
class Table:
    kind: str  # "xlsx" | "csv"
    encoding: str
    header: list[Any]
    rows: Iterator[tuple[int, list[Any]]]  # (row number as the user sees it, cells)


def _is_xlsx(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as UTF-8, else GB18030 (a superset of GBK)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(SNIFF_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            return "gb18030"


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    with path.open("r", encoding=encoding, newline="") as handle:
        reader = csv.reader(handle)
        try:
            yield from enumerate(reader, start=1)
        except UnicodeDecodeError as exc:
            raise FileProblem("encoding", str(exc)) from exc
        except csv.Error as exc:
            raise FileProblem("not_spreadsheet", str(exc)) from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        for number, row in enumerate(sheet.iter_rows(), start=1):
            yield number, list(row)
    except FileProblem:
        raise
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise FileProblem("not_spreadsheet", str(exc)) from exc


def open_table(path: Path | str, *, encoding: str | None = None) -> Table:
    """Open ``path`` and read its header row. Raises FileProblem for an empty, unreadable, wrongly
    encoded or non-spreadsheet file."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        raise FileProblem("empty")
    with path.open("rb") as handle:
        head = handle.read(8)
    if _is_xlsx(head):
        if not zipfile.is_zipfile(path):
            raise FileProblem("not_spreadsheet")
        rows = _xlsx_rows(path)
        kind, used = "xlsx", ""
    else:
        _refuse_binary(path)
        if encoding:
            used = ENCODING_ALIASES.get(encoding.lower().replace("_", "-"))
            if used is None:
                raise FileProblem("unknown_encoding", encoding)
        else:
            used = detect_encoding(path)
        rows = _csv_rows(path, used)
        kind = "csv"
    for _number, header in rows:
        if any(str(c).strip() for c in header if c is not None):
            return Table(kind, used, header, rows)
    raise FileProblem("no_header")


def _refuse_binary(path: Path) -> None:
    """A CSV is text: UTF-16 (a BOM or NUL bytes) is an encoding we do not read, other NUL bytes mean
    the file is not text at all. Only the first megabyte is looked at, so a large garbage file is
    refused at once."""
    with path.open("rb") as handle:
        sample = handle.read(SNIFF_BYTES)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem("encoding", "UTF-16")
    if b"\x00" in sample:
        raise FileProblem("not_spreadsheet")
