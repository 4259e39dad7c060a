import pytest

from jingzhun.areas.models import Area
from jingzhun.areas.selectors import area_get, area_list
from jingzhun.core.exceptions import NotFound
from jingzhun.testing.personas import COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db


def test_reference_areas_are_real_and_linked():
    county = Area.objects.get(code=COUNTY)
    assert county.name == "平远县" and county.parent.name == "梅州市" and county.parent.parent.name == "广东省"
    assert Area.objects.filter(level=3).count() > 2800


def test_village_officer_sees_own_village_and_ancestors_only(personas):
    visible = set(area_list(actor=personas.village_officer).values_list("code", flat=True))
    assert VILLAGE_A in visible and TOWNSHIP in visible and COUNTY in visible
    assert VILLAGE_B not in visible and OTHER_VILLAGE not in visible
    with pytest.raises(NotFound):
        area_get(actor=personas.village_officer, code=VILLAGE_B)
    with pytest.raises(NotFound):
        area_get(actor=personas.village_officer, code=TOWNSHIP)  # an ancestor is a name, not a readable area
    assert area_get(actor=personas.county_officer, code=VILLAGE_B).code == VILLAGE_B


def test_children_listing(personas):
    children = list(area_list(actor=personas.county_officer, parent_code=TOWNSHIP).values_list("code", flat=True))
    assert children == [VILLAGE_A, VILLAGE_B]
