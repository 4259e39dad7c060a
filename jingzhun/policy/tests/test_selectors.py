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
