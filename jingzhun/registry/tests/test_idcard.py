import datetime as dt

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from jingzhun.registry import idcard

births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))
regions = st.sampled_from(["441426", "110105", "520102", "469002", "441427"])


@given(regions, births, st.integers(0, 99), st.sampled_from(["1", "2"]))
def test_made_ids_are_valid_and_carry_birth_and_sex(region, birth, seq, sex):
    number = idcard.make_resident_id(region, birth, seq, sex)
    check = idcard.check_resident_id(number, today=dt.date(2025, 1, 1))
    assert check.error is None and check.birth_date == birth and check.sex == sex


@given(regions, births, st.integers(0, 99), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(region, birth, seq, position, delta):
    number = idcard.make_resident_id(region, birth, seq, "1")
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert idcard.check_resident_id(changed, today=dt.date(2025, 1, 1)).error is not None
    assert idcard.checksum_ok_vectorised(pl.Series([changed])).to_list() == [False]


def test_region_valid_only_later_than_birth_is_accepted():
    # 平远县 441426 exists since 1988 in stdnum's table; stdnum alone rejects a 1950 birth.
    from stdnum.cn import ric

    number = idcard.make_resident_id("441426", dt.date(1950, 3, 4), 7, "2")
    assert not ric.is_valid(number)
    assert idcard.check_resident_id(number).error is None


def test_unknown_region_and_future_date():
    assert idcard.check_resident_id(idcard.make_resident_id("999999", dt.date(1980, 1, 1), 1, "1")).error == "region"
    future = idcard.make_resident_id("441426", dt.date(2030, 1, 1), 1, "1")
    assert idcard.check_resident_id(future, today=dt.date(2026, 1, 1)).error == "future_birth_date"


def test_lower_case_x_and_disability_numbers():
    assert idcard.check_resident_id("11010519491231002x").error is None
    assert idcard.check_id_number("11010519491231002X11", id_type="disability_cert").error is None
    assert idcard.check_id_number("11010519491231002X1", id_type="disability_cert").error == "length"
    assert idcard.disability_category("11010519491231002X42") == ("4", "2")


def test_vectorised_agrees_with_single_checks():
    ids = [idcard.make_resident_id("441426", dt.date(1960 + i, 1, 1 + i), i, "1" if i % 2 else "2") for i in range(20)]
    ids += ["11010519491231002X", "110105194912310021", "abc", ""]
    single = [idcard.check_resident_id(i).error not in ("checksum", "length", "format") for i in ids]
    assert idcard.checksum_ok_vectorised(pl.Series(ids)).to_list() == single
