import datetime as dt

import pytest

from jingzhun.assistance import balance, selectors, services
from jingzhun.assistance.models import Pairing
from jingzhun.assistance.tests.factories import cadre, unit
from jingzhun.core.exceptions import NotFound, ValidationFailed
from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import Person
from jingzhun.registry.tests.factories import register
from jingzhun.testing.personas import VILLAGE_A, VILLAGE_B
from jingzhun.workflow.tests.factories import households

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 3, 4)
POOR = {"status": "poor", "main_cause": "1"}


def codes(exc):
    return {i.code for i in exc.issues}


def test_a_registered_poor_person_cannot_be_a_cadre(personas):
    poor = register(personas.village_officer, year=2024, year_data=POOR)
    head = Person.objects.get(household=poor, relation="head")
    office = unit(personas.county_officer)
    with pytest.raises(ValidationFailed) as refused:
        services.cadre_register(actor=personas.county_officer, data={
            "name": head.name, "id_number": head.id_number, "phone": "13800001111", "unit_id": office.pk,
            "area_code": VILLAGE_A}, today=DAY)
    assert "registered_poor" in codes(refused.value)
    with pytest.raises(ValidationFailed) as bad:
        services.cadre_register(actor=personas.county_officer, data={
            "name": "某人", "id_number": "441426198001010000", "phone": "123", "unit_id": office.pk,
            "area_code": VILLAGE_A}, today=DAY)
    assert {"id_checksum", "phone"} <= codes(bad.value)
    first = cadre(personas.county_officer, office)
    with pytest.raises(ValidationFailed) as twice:
        services.cadre_register(actor=personas.county_officer, data={
            "name": "刘干部", "id_number": first.id_number, "phone": "13800001111", "unit_id": office.pk,
            "area_code": VILLAGE_A}, today=DAY)
    assert "duplicate_cadre" in codes(twice.value)


def test_changing_the_cadre_keeps_the_history_and_pairings_never_overlap(personas):
    officer = personas.county_officer
    office = unit(officer)
    one, two = cadre(officer, office, name="甲", n=1), cadre(officer, office, name="乙", n=2)
    (home,) = households(personas.village_officer, 1, year_data=POOR)
    services.pairing_assign(actor=officer, household_id=home.pk, cadre_id=one.pk, starts_on=DAY)
    services.pairing_assign(actor=officer, household_id=home.pk, cadre_id=two.pk, starts_on=DAY + dt.timedelta(days=30))
    history = selectors.pairing_history(actor=officer, household_id=home.pk)
    assert [(p.cadre.name, p.starts_on, p.ends_on) for p in history] == [
        ("乙", DAY + dt.timedelta(days=30), None), ("甲", DAY, DAY + dt.timedelta(days=29))]
    with pytest.raises(ValidationFailed) as overlap:
        services.pairing_assign(actor=officer, household_id=home.pk, cadre_id=one.pk, starts_on=DAY + dt.timedelta(days=10))
    assert "overlap" in codes(overlap.value)
    assert Pairing.objects.count() == 2
    assert AuditEvent.objects.filter(action="assistance.pairing.ended").count() == 1


def test_poor_and_monitored_households_without_a_cadre_are_listed_per_village(personas):
    officer = personas.county_officer
    office = unit(officer, villages=(VILLAGE_A, VILLAGE_B))
    helper = cadre(officer, office)
    poor_a = households(personas.village_officer, 2, year_data=POOR)
    monitored_b = households(personas.village_officer_b, 1, area_code=VILLAGE_B,
                             year_data={"status": "monitored", "monitoring_type": "edge", "main_cause": "1"})
    households(personas.village_officer, 1)  # 一般农户: needs no cadre
    services.pairing_assign(actor=officer, household_id=poor_a[0].pk, cadre_id=helper.pk, starts_on=DAY)
    assert selectors.gaps_by_village(actor=officer, year=2024, on=DAY) == {VILLAGE_A: 1, VILLAGE_B: 1}
    assert [h.pk for h in selectors.households_without_cadre(actor=personas.village_officer_b, year=2024, on=DAY)] \
        == [monitored_b[0].pk]
    assert selectors.gaps_by_village(actor=personas.other_county_officer, year=2024, on=DAY) == {}
    ended = Pairing.objects.get()
    services.pairing_end(actor=officer, pairing_id=ended.pk, ends_on=DAY + dt.timedelta(days=5), reason="调离")
    assert selectors.gaps_by_village(actor=officer, year=2024, on=DAY + dt.timedelta(days=6)) == {VILLAGE_A: 2,
                                                                                              VILLAGE_B: 1}


def test_a_balanced_suggestion_counts_what_each_cadre_already_has(personas):
    assert balance.balanced_assignment([10, 11, 12, 13], {1: 2, 2: 0, 3: 1}) == {10: 2, 11: 2, 12: 3, 13: 1}
    officer = personas.county_officer
    office = unit(officer)
    busy, free = cadre(officer, office, name="忙", n=1), cadre(officer, office, name="闲", n=2)
    homes = households(personas.village_officer, 4, year_data=POOR)
    services.pairing_assign(actor=officer, household_id=homes[0].pk, cadre_id=busy.pk, starts_on=DAY)
    suggestion = services.pairing_suggest(actor=officer, village_code=VILLAGE_A, cadre_ids=[busy.pk, free.pk],
                                          year=2024, today=DAY)
    assert sorted(suggestion) == sorted(h.pk for h in homes[1:])
    assert sorted(suggestion.values()).count(free.pk) == 2
    services.pairings_assign_bulk(actor=officer, assignments=suggestion, starts_on=DAY)
    assert selectors.gaps_by_village(actor=officer, year=2024, on=DAY) == {}


def test_outside_the_area_nothing_is_paired_or_seen(personas):
    officer = personas.county_officer
    office = unit(officer)
    helper = cadre(officer, office)
    (home,) = households(personas.village_officer, 1, year_data=POOR)
    with pytest.raises(NotFound):
        services.pairing_assign(actor=personas.other_county_officer, household_id=home.pk, cadre_id=helper.pk)
    with pytest.raises(NotFound):
        selectors.pairing_history(actor=personas.village_officer_b, household_id=home.pk)
    with pytest.raises(NotFound):
        selectors.cadre_get(actor=personas.other_county_officer, pk=helper.pk)
    assert not Pairing.objects.exists()
