"""Pure money rules: reading amounts, splitting them to the cent, percentages."""

from decimal import Decimal

import pytest

from jingzhun.funds import zh
from jingzhun.funds.models import BenefitKind, FundSource, MilestoneKind, ProjectKind, ProjectStatus
from jingzhun.funds.money import AmountError, cents, parse_amount, percent, split_by_weights, yuan


@pytest.mark.parametrize(("value", "expected"), [
    ("12000", "12000.00"), ("12000.5", "12000.50"), (" 12,000.50 ", "12000.50"), ("１２０００．５", "12000.50"),
    ("8000元", "8000.00"), (Decimal("5.5"), "5.50"), (7, "7.00"), ("0.01", "0.01"), ("999999999999.99", "999999999999.99"),
])
def test_amounts_people_write_are_read_exactly(value, expected):
    amount = parse_amount(value)
    assert amount == Decimal(expected) and str(amount) == expected


@pytest.mark.parametrize(("value", "code"), [
    ("", "required"), (None, "required"), ("  ", "required"), (1.5, "float"), (True, "not_a_number"),
    ("abc", "not_a_number"), ("1e5", "not_a_number"), ("NaN", "not_a_number"), ("Infinity", "not_a_number"),
    (Decimal("NaN"), "not_a_number"), ("12,00", "not_a_number"), ("1.2.3", "not_a_number"), ("0x10", "not_a_number"),
    ("+5", "not_a_number"), ("12.345", "too_many_decimals"), ("12.500", "too_many_decimals"),
    (Decimal("0.001"), "too_many_decimals"), ("0", "not_positive"), ("0.00", "not_positive"), ("-5", "not_positive"),
    (Decimal("-1"), "not_positive"), ("1000000000000", "too_large"),
])
def test_what_is_not_an_amount_is_refused_with_its_reason(value, code):
    with pytest.raises(AmountError) as refused:
        parse_amount(value)
    assert refused.value.code == code


def test_a_total_is_split_to_the_cent_and_the_parts_add_up():
    parts = split_by_weights(Decimal("100.00"), {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)})
    assert parts == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    parts = split_by_weights(Decimal("3000.00"), {1: Decimal("300000"), 2: Decimal("20000")})
    assert parts == {1: Decimal("2812.50"), 2: Decimal("187.50")}
    odd = split_by_weights(Decimal("0.05"), {"x": Decimal("2"), "y": Decimal("1")})
    assert sum(odd.values()) == Decimal("0.05") and odd["x"] > odd["y"]
    assert split_by_weights(Decimal("10"), {"x": Decimal(0)}) == {}


def test_percentages_and_display():
    assert percent(Decimal(1), Decimal(3)) == Decimal("33.3")
    assert percent(Decimal(2), Decimal(3)) == Decimal("66.7")
    assert percent(Decimal(5), Decimal(0)) is None
    assert yuan(Decimal("1234567.5")) == "1,234,567.50" and yuan(None) == "0.00"


def test_every_code_has_its_chinese_name_for_notices_and_exports():
    for choices, names in ((ProjectKind, zh.KIND), (ProjectStatus, zh.STATUS), (FundSource, zh.SOURCE),
                           (BenefitKind, zh.BENEFIT), (MilestoneKind, zh.MILESTONE)):
        assert set(names) == set(choices.values)


def test_database_sums_are_rounded_back_to_the_cent():
    assert cents(Decimal("4.33000000000001")) == Decimal("4.33")
    assert cents(Decimal("0.119999999999999")) == Decimal("0.12")
    assert cents(Decimal("1.42108547152020E-14")) == Decimal("0.00") and not cents(Decimal("1.4E-14"))
    assert cents(None) == Decimal("0.00")
