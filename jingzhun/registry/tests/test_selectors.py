import pytest

from jingzhun.core.exceptions import NotFound
from jingzhun.registry import selectors
from jingzhun.registry.models import Person
from jingzhun.registry.privacy import mask_id_number, shown_id
from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import COUNTY, OTHER_VILLAGE, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(personas):
    a = register(personas.village_officer, members=[member("head", "1", name="张三丰"), member("spouse", "2", name="李四娘")])
    b = register(personas.village_officer_b, area_code=VILLAGE_B, members=[member("head", "1", name="张三")])
    other = register(personas.other_county_officer, area_code=OTHER_VILLAGE, members=[member("head", "2", name="张三妹")])
    return a, b, other


def test_search_by_name_prefix_is_scoped(personas, households):
    a, b, other = households
    assert list(selectors.household_search(actor=personas.village_officer, query="张三")) == [a]
    assert list(selectors.household_search(actor=personas.county_officer, query="张三")) == [a, b]
    assert list(selectors.household_search(actor=personas.other_county_officer, query="张三")) == [other]
    assert list(selectors.household_search(actor=personas.county_officer, query="李四")) == [a]


def test_search_by_id_and_household_number(personas, households):
    a, b, _ = households
    id_number = Person.objects.get(household=b).id_number
    assert list(selectors.household_search(actor=personas.county_officer, query=id_number)) == [b]
    assert list(selectors.household_search(actor=personas.village_officer, query=id_number)) == []
    assert list(selectors.household_search(actor=personas.county_officer, query=a.household_number)) == [a]
    assert list(selectors.household_search(actor=personas.county_officer, query="", area_code=VILLAGE_B)) == [b]


def test_get_out_of_scope_is_not_found_like_missing(personas, households):
    a, b, _ = households
    with pytest.raises(NotFound) as out_of_scope:
        selectors.household_get(actor=personas.village_officer, pk=b.pk)
    with pytest.raises(NotFound) as missing:
        selectors.household_get(actor=personas.village_officer, pk=10**9)
    assert out_of_scope.value.as_dict() == missing.value.as_dict()
    assert selectors.household_detail(actor=personas.county_officer, pk=a.pk).member_list


def test_counts_are_scoped(personas, households):
    assert selectors.household_counts(actor=personas.village_officer, year=2024) == {
        "households": 1, "persons": 2, "status_poor": 1}
    assert selectors.household_counts(actor=personas.county_officer)["households"] == 2
    assert selectors.household_counts(actor=personas.county_officer, area_code=VILLAGE_A)["households"] == 1
    assert selectors.household_counts(actor=personas.cadre)["households"] == 1


def test_history_lists_changes(personas, households):
    a, *_ = households
    history = selectors.household_history(actor=personas.county_officer, household=a)
    assert [e.action for e in history][-1] == "registry.household.registered"


def test_masking_for_evaluator(personas, households):
    number = "441426197005170011"
    assert shown_id(personas.evaluator, number) == mask_id_number(number) == "441***********0011"
    assert shown_id(personas.county_officer, number) == number
    assert COUNTY
