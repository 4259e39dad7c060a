"""The vectorised screen decides only how fast a file is checked, never what is found: damaged files
checked with the screen and with every row sent through the exact checks give the same problems,
the same rejected households and the same values to write."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import polars as pl
import pytest

from jingzhun.accounts.roles import Role
from jingzhun.accounts.services import user_create
from jingzhun.imports import validate
from jingzhun.imports.readers import open_table
from jingzhun.registry.bulk import _load_areas
from jingzhun.synthetic.import_file import write_import_file

pytestmark = pytest.mark.django_db

COUNTY = "441426000000"


def _damages(header: list[str]) -> list:  # type: ignore[type-arg]
    at = {name: header.index(name) for name in header}

    def cell(name, value):  # type: ignore[no-untyped-def]
        return lambda rows, i: rows[i].__setitem__(at[name], value)

    def copy_from_previous(name):  # type: ignore[no-untyped-def]
        return lambda rows, i: rows[i].__setitem__(at[name], rows[i - 1][at[name]])

    def flip_check_digit(rows, i):  # type: ignore[no-untyped-def]
        number = rows[i][at["证件号码"]]
        rows[i][at["证件号码"]] = number[:17] + ("0" if number[17] != "0" else "1")

    return [
        cell("与户主关系", "户长"), cell("与户主关系", "户主"), cell("与户主关系", "配偶"), cell("性别", "女"),
        cell("性别", "2"), cell("出生日期", "1968/4/2"), cell("出生日期", "1968-4-2"), cell("出生日期", "昨天"),
        cell("工资性收入", "1,200.5"), cell("工资性收入", "-5"), cell("工资性收入", "12.345"), cell("工资性收入", "1e3"),
        cell("是否现役军人", "Y"), cell("是否现役军人", "也许"), cell("民族", " 汉 族 "), cell("民族", "Han"),
        cell("姓名", ""), cell("证件号码", ""), cell("证件号码", "12345"), flip_check_digit,
        copy_from_previous("证件号码"), cell("联系电话", "13900000000"), cell("联系电话", "12"),
        cell("成员联系电话", "0753-1234567"), cell("银行账号", "6217 9451 8782"), cell("户状态", "贫困户（未脱贫）"),
        cell("主要致贫原因", "因病"), cell("其他致贫原因", "因病、缺技术"), cell("其他致贫原因", "因学，缺资金，缺技术"),
        cell("户状态", "监测对象"), cell("年度", "2030"), cell("年度", "2024.0"), cell("务工时间（月）", "13"),
        cell("务工时间（月）", "3.5"), cell("耕地面积", "-1"), cell("危房等级", "D"), cell("户编号", "x"),
        cell("行政区划代码", "441426100999"), cell("行政区划代码", "110101001001"), cell("成员状态", "死亡"),
        cell("证件类型", "残疾人证"), cell("证件号码", "44142619900212001X12"),
        cell("工资性收入", ","), cell("工资性收入", "１２００"), cell("务工时间（月）", "３"), cell("姓名", "王\x01"),
        cell("出生日期", "１９６８-04-02"),
    ]


def _check(path: Path, actor, *, screen: bool, monkeypatch) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    monkeypatch.setattr(validate, "SCREEN", screen)
    written: list[pl.DataFrame] = []
    checked = validate.check_file(open_table(path), actor=actor, year=2024,
                                  on_chunk=lambda chunk: written.append(chunk.new_rows))
    problems = sorted((p.row, p.column, p.code, str(p.value), p.text("zh-hans"), p.text("en")) for p in checked.problems)
    rejected = sorted((h.number, tuple(h.rows)) for h in checked.rejected_households)
    rows = pl.concat(written).drop("_suspect", "_problem").sort("_row") if written else None
    return problems, rejected, rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_screen_and_exact_checks_agree_on_damaged_files(tmp_path, monkeypatch, seed):
    data = write_import_file(persons=400, seed=seed, out=tmp_path / "data", year=2024, county=COUNTY)
    _load_areas("default", pl.read_parquet(tmp_path / "data" / "areas.parquet"))
    actor = user_create(actor=None, username=f"county{seed}", password="county-password-1",  # noqa: S106
                        role=Role.COUNTY_OFFICER, scope_codes=[COUNTY])
    with data.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    damages = _damages(header)
    chance = random.Random(seed)
    for index in chance.sample(range(1, len(rows)), 60):
        chance.choice(damages)(rows, index)
    damaged = tmp_path / "damaged.csv"
    with damaged.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([header, *rows])

    fast = _check(damaged, actor, screen=True, monkeypatch=monkeypatch)
    exact = _check(damaged, actor, screen=False, monkeypatch=monkeypatch)
    assert fast[0] == exact[0]
    assert fast[1] == exact[1]
    assert len(fast[0]) > 30 and len(fast[1]) > 10  # the damage was found
    assert fast[2] is not None and fast[2].equals(exact[2])
