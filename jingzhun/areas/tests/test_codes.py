import pytest

from jingzhun.areas import codes


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [("440000000000", 1, "44"), ("441400000000", 2, "4414"), ("441426000000", 3, "441426"),
     ("441426100000", 4, "441426100"), ("441426100201", 5, "441426100201")],
)
def test_level_and_prefix(code, level, prefix):
    assert codes.level_of(code) == level
    assert codes.prefix_of(code) == prefix
    low, high = codes.code_range(code)
    assert low <= code <= high and low.startswith(prefix) and high.startswith(prefix)


def test_invalid_code_raises():
    with pytest.raises(ValueError):
        codes.level_of("44142610020")


def test_parent_candidates_and_township_kind():
    assert codes.parent_candidates("441426100201") == ["441426100000", "441426000000", "441400000000", "440000000000"]
    assert codes.township_kind("441426100000") == "town"
    assert codes.township_kind("441426201000") == "township"
    assert codes.township_kind("441426001000") == "subdistrict"


def test_the_nearest_region_with_rows_wins_and_then_the_latest_year():
    rows = [(None, 2014, "national"), (None, 2020, "national 2020"), ("440000000000", 2016, "province"),
            ("441426000000", 2030, "county, later")]
    pick = lambda code, rows=rows: codes.nearest_regional(rows, code, region=lambda r: r[0], year=lambda r: r[1])  # noqa: E731
    assert pick("441426100201")[2] == "county, later"
    assert pick("441427100201")[2] == "province"
    assert pick("450000000000")[2] == "national 2020"
    assert pick(None)[2] == "national 2020"
    assert codes.nearest_regional([], "441426100201", region=lambda r: r, year=lambda r: 0) is None
    assert codes.region_chain("441426100201")[-1] is None
