"""Write the generated registry as one spreadsheet in the import layout (one row per member, household
and yearly fields repeated on each row, Chinese headers, code lists written as their Chinese labels,
是/否 for yes/no) — the file a county gets from the national system. Used by ``jingzhun generate
--format import-csv|import-xlsx`` and by the import benchmark. No Django here.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from jingzhun.imports.columns import COLUMNS, HOUSEHOLD, HOUSEHOLD_YEAR, PERSON, PERSON_YEAR
from jingzhun.registry.codelists import load_seed
from jingzhun.synthetic.generator import DEFAULT_COUNTY, XLSX_MAX_ROWS, Layout, areas_table, generate

IMPORT_FORMATS = ("import-csv", "import-xlsx")
# Where a column of the layout comes from in the generated tables, when its name differs.
SOURCE_NAMES = {"hh_status": "status_right"}  # the household-year status (the member status keeps "status")


def _labels() -> dict[str, dict[str, str]]:
    return {key: {item["code"]: item["zh"] for item in data["items"]} for key, data in load_seed().items()}


def import_frame(chunk: dict[str, Any], *, year: int, labels: dict[str, dict[str, str]]) -> pl.DataFrame:
    """One generated chunk (Arrow tables) as the import sheet: Chinese headers, text cells."""
    households = pl.from_arrow(chunk["households"])
    persons = pl.from_arrow(chunk["persons"]).rename({"phone": "person_phone"})
    household_years = pl.from_arrow(chunk["household_years"]).filter(pl.col("year") == year)
    person_years = pl.from_arrow(chunk["person_years"]).filter(pl.col("year") == year).drop("year")
    household_years = household_years.with_columns(
        pl.concat_str([pl.col("other_cause_1"), pl.col("other_cause_2")], separator="、")
        .str.strip_chars("、").alias("other_causes"))
    frame = (persons.join(households, on="household_number", how="left", maintain_order="left")
             .join(household_years, on="household_number", how="left", maintain_order="left")
             .join(person_years, on="id_number", how="left", maintain_order="left"))
    select = []
    for column in COLUMNS:
        if column.entity not in (HOUSEHOLD, PERSON, HOUSEHOLD_YEAR, PERSON_YEAR):
            continue
        source = SOURCE_NAMES.get(column.key, column.key)
        if source not in frame.columns:
            continue
        expr = pl.col(source)
        if column.kind == "code":
            expr = expr.replace_strict(labels[column.code_list], default=expr, return_dtype=pl.String)
        elif column.kind == "causes":
            mapping = labels[column.code_list]
            expr = expr.str.split("、").list.eval(
                pl.element().replace_strict(mapping, default=pl.element(), return_dtype=pl.String)).list.join("、")
        elif column.kind == "bool":
            expr = pl.when(expr).then(pl.lit("是")).otherwise(pl.lit("否"))
        elif column.kind == "date":
            expr = expr.dt.strftime("%Y-%m-%d")
        elif column.kind in ("money", "decimal"):
            expr = expr.round(2)
        elif column.kind == "int" and column.key.endswith("_year"):
            expr = pl.when(expr == 0).then(None).otherwise(expr)
        select.append(expr.cast(pl.String).alias(column.zh))
    return frame.select(select)


def write_import_file(*, persons: int, seed: int, out: Path, fmt: str = "import-csv", year: int = 2024,
                      county: str = DEFAULT_COUNTY, encoding: str = "utf-8", chunk_persons: int = 100_000,
                      layout: Layout | None = None, progress: Callable[[int], None] | None = None) -> Path:
    """Write ``out/import.csv`` (UTF-8 with BOM, or GBK) or ``out/import.xlsx``, and the villages and
    townships it uses to ``out/areas.parquet`` (load them with ``jingzhun load-areas``); returns the
    sheet's path."""
    if fmt not in IMPORT_FORMATS:
        raise ValueError(f"unknown import format {fmt!r}")
    if fmt == "import-xlsx" and persons > XLSX_MAX_ROWS:
        raise ValueError(f"XLSX: {persons:,} rows do not fit in one sheet ({XLSX_MAX_ROWS:,}); use import-csv")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    labels = _labels()
    plan, chunks = generate(persons=persons, seed=seed, year=year, county=county, chunk_persons=chunk_persons,
                            layout=layout)
    import pyarrow.parquet as pq

    pq.write_table(areas_table(plan), out / "areas.parquet")
    if fmt == "import-csv":
        target = out / "import.csv"
        codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig") else "gb18030"
        with target.open("w", encoding=codec, newline="") as handle:
            first = True
            for chunk in chunks:
                frame = import_frame(chunk, year=year, labels=labels)
                buffer = io.StringIO()
                frame.write_csv(buffer, include_header=first, quote_style="necessary")
                handle.write(buffer.getvalue())
                first = False
                if progress:
                    progress(frame.height)
        return target
    import xlsxwriter

    target = out / "import.xlsx"
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("导入")
    row = 0
    for chunk in chunks:
        frame = import_frame(chunk, year=year, labels=labels)
        if row == 0:
            sheet.write_row(0, 0, frame.columns)
            row = 1
        for values in frame.iter_rows():
            sheet.write_row(row, 0, values)
            row += 1
        if progress:
            progress(frame.height)
    book.close()
    return target

