import datetime as dt
import io
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from jingzhun.assistance import matching, selectors, services
from jingzhun.assistance.models import Measure, TeamMember, Visit, VisitPhoto, WorkTeam
from jingzhun.assistance.tests.factories import cadre, unit
from jingzhun.core.exceptions import ActionForbidden, NotFound, ValidationFailed
from jingzhun.registry.models import Person
from jingzhun.registry.services import person_year_save
from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db
DAY = dt.date(2024, 3, 4)


def codes(exc):
    return {i.code for i in exc.issues}


def photo(name="visit.jpg", size=(2400, 1800), exif_gps=True):
    image = Image.new("RGB", size, (40, 120, 60))
    out = io.BytesIO()
    exif = Image.Exif()
    if exif_gps:
        exif[0x010F] = "PhoneMaker"  # Make
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def ill_household(actor, *, labour="ordinary", area_code=VILLAGE_A):
    home = register(actor, area_code=area_code, year=2024, members=[member("head", "1"), member("spouse", "2")],
                    year_data={"status": "poor", "main_cause": "1", "identification_standard": "1",
                               "household_attribute": "general_poor"})
    for person in Person.objects.filter(household=home):
        person_year_save(actor=actor, person_id=person.pk, year=2024, expected_version=None,
                         data={"labour_ability": labour, "health": "serious"})
    return home


def test_work_team_needs_three_members_a_two_year_term_and_one_team_at_a_time(personas):
    officer = personas.county_officer
    office = unit(officer)
    people = [cadre(officer, office, name=f"队员{n}", n=n) for n in range(5)]
    with pytest.raises(ValidationFailed) as small:
        services.team_send(actor=officer, village_code=VILLAGE_A, unit_id=office.pk, starts_on=DAY,
                           members=[(people[0].pk, "leader"), (people[1].pk, "first_secretary")],
                           ends_on=DAY + dt.timedelta(days=365))
    assert {"too_few", "term_short"} <= codes(small.value)
    team = services.team_send(actor=officer, village_code=VILLAGE_A, unit_id=office.pk, starts_on=DAY,
                              members=[(people[0].pk, "leader"), (people[1].pk, "first_secretary"),
                                       (people[2].pk, "member")])
    assert team.ends_on == dt.date(2026, 3, 4)
    assert all(c.is_resident for c in (m.cadre for m in team.members.all()))
    with pytest.raises(ValidationFailed) as second:
        services.team_send(actor=officer, village_code=VILLAGE_A, unit_id=office.pk, starts_on=DAY + dt.timedelta(days=30),
                           members=[(people[3].pk, "leader"), (people[4].pk, "member"), (people[0].pk, "member")])
    assert "overlap" in codes(second.value)
    with pytest.raises(ValidationFailed) as leaving:
        services.team_member_change(actor=officer, team_id=team.pk, on=DAY + dt.timedelta(days=60),
                                    leaving_cadre_id=people[2].pk)
    assert "too_few" in codes(leaving.value)
    services.team_member_change(actor=officer, team_id=team.pk, on=DAY + dt.timedelta(days=60),
                                leaving_cadre_id=people[1].pk, joining_cadre_id=people[3].pk, role="first_secretary")
    current = {(m.cadre.name, m.role) for m in TeamMember.objects.filter(team=team, left_on__isnull=True)}
    assert current == {("队员0", "leader"), ("队员3", "first_secretary"), ("队员2", "member")}
    assert TeamMember.objects.filter(team=team).count() == 4  # the one who left stays in the history
    services.team_recall(actor=officer, team_id=team.pk, on=DAY + dt.timedelta(days=90), reason="工作不力")
    assert list(selectors.teams_in(actor=officer, on=DAY + dt.timedelta(days=91))) == []
    with pytest.raises(NotFound):
        services.team_recall(actor=personas.other_county_officer, team_id=team.pk, on=DAY, reason="x")
    assert WorkTeam.objects.count() == 1


def test_plan_gaps_follow_the_causes_and_the_labour_of_the_household(personas):
    officer = personas.village_officer
    home = ill_household(officer)
    assert [g.code for g in selectors.plan_gaps_for(household=home, year=2024)] == ["no_measure"]
    saved = services.measure_save(actor=officer, household_id=home.pk, year=2024, today=DAY, data={
        "kind": "industry", "content": "发展养殖：肉牛2头", "amount": "8000", "funding_source": "integrated",
        "expected_income_gain": "3000", "deadline": "2024-10-31"})
    assert saved.misfit is None  # developmental, the household can work
    gaps = selectors.plan_gaps_for(household=home, year=2024)
    assert [g.code for g in gaps] == ["cause_unanswered", "developmental_not_started"]
    assert "因病" in gaps[0].message and "健康帮扶" in gaps[0].message
    unfit = services.measure_save(actor=officer, household_id=home.pk, year=2024, today=DAY, data={
        "kind": "education", "content": "雨露计划", "amount": "3000"})
    assert unfit.misfit is not None and "因病" in unfit.misfit
    services.measure_save(actor=officer, household_id=home.pk, year=2024, today=DAY, data={
        "kind": "health", "content": "大病救治、慢病签约", "status": "under_way"})
    services.measure_save(actor=officer, household_id=home.pk, year=2024, today=DAY, measure_id=saved.measure.pk,
                          data={"kind": "industry", "content": "发展养殖：肉牛2头", "status": "done", "done_on": "2024-03-01"})
    assert selectors.plan_gaps_for(household=home, year=2024) == []
    assert Measure.objects.get(pk=saved.measure.pk).done_on == dt.date(2024, 3, 1)

    frail = ill_household(officer, labour="none")
    with translation.override("en"):
        refused = services.measure_save(actor=officer, household_id=frail.pk, year=2024, today=DAY, data={
            "kind": "employment", "content": "外出务工"})
    assert "nobody in the household can work" in refused.misfit
    services.measure_save(actor=officer, household_id=frail.pk, year=2024, today=DAY, data={
        "kind": "health", "content": "医保缴费补贴"})
    assert [g.code for g in selectors.plan_gaps_for(household=frail, year=2024)] == ["no_safety_net"]


def test_measure_input_is_checked_and_only_the_right_people_write_it(personas):
    officer = personas.village_officer
    home = ill_household(officer)
    with pytest.raises(ValidationFailed) as bad:
        services.measure_save(actor=officer, household_id=home.pk, year=2024, today=DAY, data={
            "kind": "nonsense", "content": "", "amount": "12.345", "expected_income_gain": "-1",
            "deadline": "明年", "funding_source": "moon"})
    assert codes(bad.value) == {"unknown_code", "required", "money", "date"}
    assert {i.field for i in bad.value.issues} == {"kind", "content", "amount", "expected_income_gain", "deadline",
                                                 "funding_source"}
    with pytest.raises(NotFound):
        services.measure_save(actor=personas.village_officer_b, household_id=home.pk, year=2024, today=DAY,
                              data={"kind": "health", "content": "x"})
    # The cadre persona sees village A but may write only for the households paired with them.
    with pytest.raises(ActionForbidden):
        services.measure_save(actor=personas.cadre, household_id=home.pk, year=2024, today=DAY,
                              data={"kind": "health", "content": "x"})
    assert Measure.objects.count() == 0


def _paired_cadre(personas, home):
    office = unit(personas.county_officer)
    helper = cadre(personas.county_officer, office)
    helper.user = personas.cadre
    helper.save()
    services.pairing_assign(actor=personas.county_officer, household_id=home.pk, cadre_id=helper.pk, starts_on=DAY)
    personas.cadre.refresh_from_db()
    return helper


def test_a_cadre_records_a_visit_with_photo_and_position_once(personas):
    home = ill_household(personas.village_officer)
    helper = _paired_cadre(personas, home)
    key = str(uuid.uuid4())
    data = {"visited_on": "2024-03-10", "place": "户主家中", "content": "了解病情与用药，讲解医保政策",
            "latitude": "24.123456", "longitude": "115.654321", "accuracy": "12.5", "client_key": key}
    visit = services.visit_record(actor=personas.cadre, household_id=home.pk, data=data, photos=[photo()],
                                  today=dt.date(2024, 3, 10))
    again = services.visit_record(actor=personas.cadre, household_id=home.pk, data=data, photos=[photo()],
                                  today=dt.date(2024, 3, 10))
    assert again.pk == visit.pk and Visit.objects.count() == 1 and VisitPhoto.objects.count() == 1
    assert visit.cadre == helper and visit.accuracy_m == 12
    stored = VisitPhoto.objects.get()
    with default_storage.open(stored.file.name) as handle, Image.open(handle) as image:
        assert max(image.size) == 1600 and image.format == "JPEG"
        assert not image.getexif()  # the phone's metadata is not kept
    assert selectors.visit_photo_get(actor=personas.county_officer, pk=stored.pk) == stored
    with pytest.raises(NotFound):
        selectors.visit_photo_get(actor=personas.other_county_officer, pk=stored.pk)


def test_bad_visits_are_refused_whole_and_leave_no_file(personas):
    home = ill_household(personas.village_officer)
    _paired_cadre(personas, home)
    before = set(default_storage.listdir("visits")[0]) if default_storage.exists("visits") else set()
    with pytest.raises(ValidationFailed) as bad:
        services.visit_record(actor=personas.cadre, household_id=home.pk, today=dt.date(2024, 3, 10), data={
            "visited_on": "2024-04-01", "place": "", "content": "好", "latitude": "95", "longitude": "115"})
    assert codes(bad.value) == {"date_range", "required", "coordinate"}
    with pytest.raises(ValidationFailed) as not_image:
        services.visit_record(actor=personas.cadre, household_id=home.pk, today=dt.date(2024, 3, 10),
                              data={"place": "家中", "content": "入户走访"},
                              photos=[photo(), SimpleUploadedFile("x.jpg", b"%PDF-1.4 not a photo")])
    assert "not_image" in codes(not_image.value)
    assert Visit.objects.count() == 0 and VisitPhoto.objects.count() == 0
    after = set(default_storage.listdir("visits")[0]) if default_storage.exists("visits") else set()
    assert after == before


def test_households_without_a_recent_visit_are_listed(personas):
    officer = personas.village_officer
    visited, forgotten = ill_household(officer), ill_household(officer)
    register(personas.village_officer_b, area_code=VILLAGE_B, year=2024,
             year_data={"status": "general"})  # 一般农户 are not on the list
    services.visit_record(actor=officer, household_id=visited.pk, today=dt.date(2024, 3, 10),
                          data={"visited_on": "2024-03-01", "place": "家中", "content": "入户走访，核实收入"})
    listed = selectors.households_not_visited(actor=personas.county_officer, year=2024, on=dt.date(2024, 5, 1))
    assert [h.pk for h in listed] == [forgotten.pk]
    later = selectors.households_not_visited(actor=personas.county_officer, year=2024, on=dt.date(2024, 6, 10))
    assert {h.pk: h.last_visit for h in later} == {visited.pk: dt.date(2024, 3, 1), forgotten.pk: None}


def test_matching_rules_by_themselves():
    ill = matching.HouseholdFacts(causes=("1",), risks=("water",), has_labour=True)
    gaps = matching.plan_gaps(ill, [matching.PlannedMeasure("skills_training", True), matching.PlannedMeasure("health")])
    assert [g.code for g in gaps] == ["risk_unanswered", "only_weak_developmental"]
    assert matching.measure_misfit("water", ill) is None
    assert matching.measure_misfit("tekun", ill) is not None
