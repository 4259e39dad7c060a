from decimal import Decimal

import pytest

from jingzhun.core.exceptions import NotFound
from jingzhun.policy.models import PolicyParameter
from jingzhun.policy.selectors import policy_resolve, policy_value

pytestmark = pytest.mark.django_db


def test_national_defaults_loaded():
    assert policy_value(kind="poverty_line", year=2013) == Decimal("2736")
    assert policy_value(kind="poverty_line", year=2019, area_code="441426100201") == Decimal("3218")
    assert policy_resolve(kind="poverty_line", year=2018).certainty == "uncertain"


def test_value_holds_until_replaced_and_before_first_year_is_missing():
    assert policy_value(kind="project_notice_days", year=2030) == Decimal("10")
    with pytest.raises(NotFound):
        policy_value(kind="monitoring_notice_days", year=2015)


def test_western_province_override_and_county_override_beats_province():
    assert policy_value(kind="village_exit_incidence_max", year=2018, area_code="520102000000") == Decimal("3")
    assert policy_value(kind="village_exit_incidence_max", year=2018, area_code="441426000000") == Decimal("2")
    PolicyParameter.objects.create(kind="monitoring_line", area_id="441426000000", year=2023, value=Decimal("7500"),
                                   certainty="provincial")
    assert policy_value(kind="monitoring_line", year=2024, area_code="441426100201") == Decimal("7500")
    assert policy_value(kind="monitoring_line", year=2022, area_code="441426100201") == Decimal("6000")
    assert policy_value(kind="monitoring_line", year=2024, area_code="441427000000") == Decimal("6000")


def test_screening_table_takes_the_shipped_national_row_of_a_kind_missing_from_the_database():
    from decimal import Decimal

    from jingzhun.policy.models import PolicyParameter
    from jingzhun.policy.table import resolve_table, rows_from_database

    PolicyParameter.objects.filter(kind="monitoring_line").delete()
    PolicyParameter.objects.create(kind="poverty_line", area=None, year=2024, value=Decimal("4321"))
    table = resolve_table(rows_from_database(["monitoring_line", "poverty_line"], 2024),
                          kinds=["monitoring_line", "poverty_line"], year=2024, area_codes=["441426000000"])
    assert table["441426000000"]["monitoring_line"] is not None and table["441426000000"]["monitoring_line"] > 0
    assert table["441426000000"]["poverty_line"] == Decimal("4321")  # a row in the database still wins
