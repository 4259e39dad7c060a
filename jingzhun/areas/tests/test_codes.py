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
