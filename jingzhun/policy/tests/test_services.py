from decimal import Decimal

import pytest

from jingzhun.core.exceptions import ActionForbidden
from jingzhun.core.models import AuditEvent
from jingzhun.policy.models import PolicyParameter
from jingzhun.policy.selectors import policy_value
from jingzhun.policy.services import policy_parameter_save
from jingzhun.testing.personas import COUNTY, OTHER_COUNTY

pytestmark = pytest.mark.django_db


def _param(area: str | None) -> PolicyParameter:
    return PolicyParameter(kind="monitoring_line", area_id=area, year=2024, value=Decimal("7800"), certainty="provincial")


def test_county_admin_overrides_own_county_and_it_is_audited(personas):
    saved = policy_parameter_save(actor=personas.county_admin, parameter=_param(COUNTY))
    assert policy_value(kind="monitoring_line", year=2024, area_code="441426100201") == Decimal("7800")
    event = AuditEvent.objects.get(action="policy.parameter.saved", target_id=str(saved.pk))
    assert event.after["value"] == "7800" and event.actor_username == "county_admin"


@pytest.mark.parametrize("who", ["county_officer", "village_officer", "evaluator"])
def test_other_roles_cannot_edit(personas, who):
    with pytest.raises(ActionForbidden):
        policy_parameter_save(actor=getattr(personas, who), parameter=_param(COUNTY))


def test_admin_cannot_override_outside_scope_or_national(personas):
    with pytest.raises(ActionForbidden):
        policy_parameter_save(actor=personas.county_admin, parameter=_param(OTHER_COUNTY))
    with pytest.raises(ActionForbidden):
        policy_parameter_save(actor=personas.county_admin, parameter=_param(None))
    assert not PolicyParameter.objects.filter(year=2024, kind="monitoring_line").exists()
