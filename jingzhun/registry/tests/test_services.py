import datetime as dt
from decimal import Decimal

import pytest

from jingzhun.core.exceptions import ActionForbidden, EditConflict, NotFound, ValidationFailed
from jingzhun.core.models import AuditEvent
from jingzhun.registry import services
from jingzhun.registry.models import Household, HouseholdYear, Person, StatusEvent
from jingzhun.registry.tests.factories import member, register, valid_id
from jingzhun.testing.personas import OTHER_VILLAGE, VILLAGE_B

pytestmark = pytest.mark.django_db


def codes(exc: ValidationFailed) -> set[tuple[str, str]]:
    return {(i.field, i.code) for i in exc.issues}


def test_register_household_derives_income_summary_and_audits(personas):
    household = register(personas.village_officer)
    assert household.household_number == "4414261002010001"
    assert household.member_count == 3 and household.head_name == "王建国"
    year = HouseholdYear.objects.get(household=household, year=2024)
    assert year.transfer_income == Decimal("1200.00")
    assert year.net_income == Decimal("9000.00")  # 6000 + 2400 + 1200 − 600
    assert year.per_capita_net_income == Decimal("3000.00")
    assert StatusEvent.objects.filter(household=household, kind="identified").exists()
    assert AuditEvent.objects.filter(target_id=str(household.pk), action="registry.household.registered").count() == 1


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda m: m.update(id_number=m["id_number"][:17] + ("0" if m["id_number"][17] != "0" else "1")), ("members[0].id_number", "id_checksum")),
        (lambda m: m.update(id_number="441426197013400000"), ("members[0].id_number", "id_checksum")),
        (lambda m: m.update(sex="2"), ("members[0].sex", "sex_mismatch")),
        (lambda m: m.update(birth_date="1970-01-01"), ("members[0].birth_date", "birth_date_mismatch")),
        (lambda m: m.update(id_number="12345"), ("members[0].id_number", "id_length")),
        (lambda m: m.update(phone="12345"), ("members[0].phone", "phone")),
    ],
)
def test_invalid_member_is_rejected_with_field_message_and_nothing_written(personas, mutate, expected):
    head = member("head", "1")
    mutate(head)
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, members=[head, member("spouse", "2")])
    assert expected in codes(caught.value)
    messages = {i.field: i.as_dict() for i in caught.value.issues}
    assert messages[expected[0]]["message_zh"] != messages[expected[0]]["message_en"]
    assert Household.objects.count() == 0 and Person.objects.count() == 0


def test_impossible_birth_date_in_id_is_rejected(personas):
    from stdnum.cn import ric

    body = "44142619701340001"  # month 13
    bad = body + ric.calc_check_digit(body + "0")
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, members=[{"name": "甲", "relation": "head", "id_number": bad}])
    assert ("members[0].id_number", "id_birth_date") in codes(caught.value)


def test_exactly_one_head_and_relation_sex(personas):
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, members=[member("head", "1"), member("head", "2")])
    assert ("members[1].relation", "second_head") in codes(caught.value)
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, members=[member("son", "1")])
    assert ("members", "no_head") in codes(caught.value)
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, members=[member("head", "1"), member("daughter", "1")])
    assert ("members[1].relation", "relation_sex") in codes(caught.value)
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, members=[member("head", "1"), member("spouse", "1")])
    assert ("members[1].relation", "spouse_same_sex") in codes(caught.value)


def test_duplicate_id_number_across_registry_is_rejected(personas):
    first = register(personas.village_officer)
    taken = Person.objects.filter(household=first).first().id_number
    dup = member("head", "1")
    dup["id_number"] = taken
    dup.pop("sex")
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer_b, area_code=VILLAGE_B, members=[dup])
    assert ("members[0].id_number", "duplicate_id") in codes(caught.value)
    assert Household.objects.count() == 1


def test_disability_certificate_number_accepted_and_unique_on_its_identity(personas):
    head = member("head", "1")
    head["id_number"] = head["id_number"] + "41"
    household = register(personas.village_officer, members=[head])
    person = Person.objects.get(household=household)
    assert person.id_type == "disability_cert" and len(person.id_base) == 18
    again = member("head", "1")
    again["id_number"] = person.id_base  # same identity, written as a plain ID
    with pytest.raises(ValidationFailed):
        register(personas.village_officer, members=[again])


def test_causes_rules(personas):
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, year_data={"status": "poor", "main_cause": "1", "other_cause_1": "1"})
    assert ("year.other_cause_1", "same_as_main") in codes(caught.value)
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, year_data={"status": "poor"})
    assert ("year.main_cause", "required") in codes(caught.value)
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, year_data={"status": "poor", "main_cause": "99"})
    assert ("year.main_cause", "unknown_code") in codes(caught.value)


def test_negative_income_rejected(personas):
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, year_data={"status": "general", "wage_income": "-1"})
    assert ("year.wage_income", "negative") in codes(caught.value)


def test_scope_and_role_on_writes(personas):
    with pytest.raises(ValidationFailed) as caught:
        register(personas.village_officer, area_code=OTHER_VILLAGE)
    assert ("area", "area_scope") in codes(caught.value)
    with pytest.raises(ActionForbidden):
        register(personas.evaluator)
    household = register(personas.village_officer)
    with pytest.raises(NotFound):
        services.household_update(actor=personas.village_officer_b, household_id=household.pk,
                                  expected_version=household.version, changes={"phone": "13800138000"})
    with pytest.raises(NotFound):
        services.household_update(actor=personas.village_officer_b, household_id=999999,
                                  expected_version=1, changes={"phone": "13800138000"})


def test_concurrent_edit_second_save_gets_conflict_with_changes(personas):
    household = register(personas.village_officer)
    loaded_version = household.version
    services.household_update(actor=personas.village_officer, household_id=household.pk,
                              expected_version=loaded_version, changes={"phone": "13800138000"})
    with pytest.raises(EditConflict) as caught:
        services.household_update(actor=personas.county_officer, household_id=household.pk,
                                  expected_version=loaded_version, changes={"address": "新地址"})
    changes = caught.value.changes
    assert any(c["after"].get("phone") == "13800138000" and c["by"] == "village_a" for c in changes)
    household.refresh_from_db()
    assert household.phone == "13800138000" and household.address == ""


def test_person_update_and_add_keep_structure(personas):
    household = register(personas.village_officer)
    son = Person.objects.get(household=household, relation="son")
    updated = services.person_update(actor=personas.village_officer, person_id=son.pk,
                                     expected_version=household.version, changes={"name": "王小军"})
    assert updated.name == "王小军"
    household.refresh_from_db()
    with pytest.raises(ValidationFailed) as caught:
        services.person_add(actor=personas.village_officer, household_id=household.pk,
                            expected_version=household.version, data=member("head", "2"))
    assert ("relation", "second_head") in codes(caught.value)
    baby = services.person_add(actor=personas.village_officer, household_id=household.pk,
                               expected_version=household.version,
                               data=member("granddaughter", "2", dt.date(2023, 1, 2), name="王朵朵"))
    household.refresh_from_db()
    assert household.member_count == 4 and baby.birth_date.year == 2023


def test_id_number_reused_by_update_is_rejected(personas):
    one = register(personas.village_officer)
    two = register(personas.village_officer)
    taken = Person.objects.filter(household=one, relation="head").get().id_number
    target = Person.objects.get(household=two, relation="son")
    with pytest.raises(ValidationFailed) as caught:
        services.person_update(actor=personas.village_officer, person_id=target.pk, expected_version=two.version,
                               changes={"id_number": taken, "sex": "", "birth_date": None, "relation": "son"})
    assert ("id_number", "duplicate_id") in codes(caught.value) or ("relation", "relation_sex") in codes(caught.value)


def test_valid_id_factory_is_valid():
    from jingzhun.registry.idcard import check_resident_id

    assert check_resident_id(valid_id()).error is None


def test_member_year_months_must_be_a_number_from_0_to_12(personas):
    household = register(personas.village_officer)
    person = Person.objects.filter(household=household).first()
    for bad in ("abc", "13", "-1"):
        household.refresh_from_db()
        with pytest.raises(ValidationFailed) as caught:
            services.person_year_save(actor=personas.village_officer, person_id=person.pk, year=2024,
                                      expected_version=household.version, data={"work_months": bad})
        assert ("work_months", "months") in codes(caught.value)
