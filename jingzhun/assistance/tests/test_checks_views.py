import datetime as dt
import io

import openpyxl
import pytest
from django.utils import translation

from jingzhun.areas.models import Area, AreaYear
from jingzhun.assistance import checks, services
from jingzhun.assistance.models import Cadre, Pairing
from jingzhun.assistance.tests.factories import cadre, unit
from jingzhun.core.models import AuditEvent
from jingzhun.testing.personas import OTHER_VILLAGE, VILLAGE_A, VILLAGE_B, VILLAGE_C
from jingzhun.workflow.tests.factories import households

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 6, 1)
POOR = {"status": "poor", "main_cause": "9"}


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("jingzhun.core.clock.today", lambda: TODAY)
    return TODAY


def login(client, user):
    client.force_login(user)
    return client


def test_four_checks_count_people_and_measures_village_by_village(personas, today):
    officer = personas.county_officer
    office = unit(officer, villages=(VILLAGE_A,))
    helpers = [cadre(officer, office, name=f"干部{n}", n=n) for n in range(4)]
    done, missing = households(personas.village_officer, 2, year_data=POOR)
    services.pairing_assign(actor=officer, household_id=done.pk, cadre_id=helpers[0].pk, starts_on=dt.date(2024, 1, 2))
    services.visit_record(actor=officer, household_id=done.pk, today=today,
                          data={"visited_on": "2024-05-20", "place": "家中", "content": "核实产业进展"})
    services.measure_save(actor=officer, household_id=done.pk, year=2024, today=today,
                          data={"kind": "microcredit", "content": "小额信贷5万元", "status": "done"})
    services.measure_save(actor=officer, household_id=missing.pk, year=2024, today=today,
                          data={"kind": "industry", "content": "种植百香果", "deadline": "2024-05-01"})
    AreaYear.objects.create(area_id=VILLAGE_A, year=2020, standing="exited", exit_year=2019)

    with translation.override("en"):
        (a, b, c) = checks.village_checks(actor=officer, year=2024, on=today)
    assert [r.village.code for r in (a, b, c)] == [VILLAGE_A, VILLAGE_B, VILLAGE_C]
    assert a.people.status == "failed" and a.people.counts["without_cadre"] == 1 and a.people.counts["not_visited"] == 1
    assert any("work team" in reason for reason in a.people.reasons)
    assert a.measures.status == "failed" and a.measures.counts["overdue"] == 1
    assert a.measures.counts["gaps"] == {"developmental_not_started": 1}
    assert (b.people.status, b.measures.status) == ("not_applicable", "not_applicable")

    services.pairing_assign(actor=officer, household_id=missing.pk, cadre_id=helpers[1].pk, today=today)
    services.visit_record(actor=officer, household_id=missing.pk, today=today,
                          data={"place": "田间", "content": "查看百香果长势"})
    services.measure_save(actor=officer, household_id=missing.pk, year=2024, today=today,
                          measure_id=missing.plans.get().measures.get().pk,
                          data={"kind": "industry", "content": "种植百香果", "deadline": "2024-05-01", "status": "done"})
    services.team_send(actor=officer, village_code=VILLAGE_A, unit_id=office.pk, starts_on=dt.date(2023, 3, 1),
                       members=[(helpers[0].pk, "leader"), (helpers[2].pk, "first_secretary"), (helpers[3].pk, "member")])
    (a,) = checks.village_checks(actor=officer, year=2024, on=today, area_code=VILLAGE_A)
    assert (a.people.status, a.measures.status, a.people.counts["first_secretary"]) == ("ok", "ok", "干部2")
    assert [r.village.code for r in checks.village_checks(actor=personas.other_county_officer, year=2024, on=today)] \
        == [OTHER_VILLAGE]


def test_the_overview_page_and_its_export_stay_inside_the_users_areas(client, personas, today):
    households(personas.village_officer, 1, year_data=POOR)
    page = login(client, personas.county_officer).get("/assistance/?year=2024")
    assert page.status_code == 200
    row = page.content.decode()
    assert f'data-village="{VILLAGE_A}"' in row and 'data-status="failed"' in row
    xlsx = client.get("/assistance/?year=2024&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][:2] == [VILLAGE_A, Area.objects.get(code=VILLAGE_A).name]
    assert AuditEvent.objects.filter(action="assistance.report.exported").count() == 1
    gbk = client.get("/assistance/?year=2024&format=csv&encoding=gbk")
    assert gbk["Content-Type"] == "text/csv; charset=gbk" and VILLAGE_A in gbk.content.decode("gbk")
    client.logout()
    outsider = login(client, personas.other_county_officer)
    assert VILLAGE_A not in outsider.get("/assistance/?year=2024").content.decode()
    assert outsider.get(f"/assistance/villages/{VILLAGE_A}/").status_code == 404
    assert outsider.get(f"/assistance/?area={VILLAGE_A}&format=xlsx").status_code == 404
    assert outsider.get("/assistance/reports/?year=2024").status_code == 200


def test_a_village_is_paired_from_a_balanced_suggestion(client, personas, today):
    officer = personas.county_officer
    office = unit(officer)
    one, two = cadre(officer, office, name="甲", n=1), cadre(officer, office, name="乙", n=2)
    homes = households(personas.village_officer, 4, year_data=POOR)
    login(client, officer)
    page = client.get(f"/assistance/villages/{VILLAGE_A}/?year=2024&cadre={one.pk}&cadre={two.pk}")
    assert page.status_code == 200
    suggested = {h.pk: c for h, c in page.context["suggestion"]}
    assert sorted(suggested.values()) == sorted([one.pk, one.pk, two.pk, two.pk])
    response = client.post(f"/assistance/villages/{VILLAGE_A}/pairings/",
                           {"year": 2024, "starts_on": "2024-06-01", **{f"pair_{h}": c for h, c in suggested.items()}})
    assert response.status_code == 302
    assert {p.household_id: p.cadre_id for p in Pairing.objects.all()} == suggested
    assert checks.village_checks(actor=officer, year=2024, on=today, area_code=VILLAGE_A)[0].people.counts[
        "without_cadre"] == 0
    assert len(homes) == 4


def test_cadre_registration_errors_are_shown_and_nothing_is_written(client, personas, today):
    office = unit(personas.county_officer)
    login(client, personas.county_officer)
    response = client.post("/assistance/cadres/", {"name": "王某", "id_number": "123", "phone": "1",
                                                   "unit_id": office.pk, "area_code": VILLAGE_A})
    assert response.status_code == 422
    text = response.content.decode()
    assert "王某" in text  # what was typed is kept
    assert Cadre.objects.count() == 0
    client.logout()
    login(client, personas.auditor)
    assert client.post("/assistance/cadres/", {"name": "x"}).status_code == 403
    assert client.get("/assistance/teams/new/").status_code == 403


def test_a_household_is_paired_from_its_page_and_a_change_keeps_the_history(client, personas, today):
    officer = personas.county_officer
    office = unit(officer)
    one, two = cadre(officer, office, name="甲", n=1), cadre(officer, office, name="乙", n=2)
    (home,) = households(personas.village_officer, 1, year_data=POOR)
    login(client, officer)
    page = client.get(f"/households/{home.pk}/")
    assert 'id="pair-form"' in page.content.decode() and "甲" in page.content.decode()
    assert client.post(f"/assistance/households/{home.pk}/pairing/",
                       {"cadre": one.pk, "starts_on": "2024-05-01"}).status_code == 302
    client.post(f"/assistance/households/{home.pk}/pairing/", {"cadre": two.pk, "starts_on": "2024-05-20"})
    refused = client.post(f"/assistance/households/{home.pk}/pairing/", {"cadre": one.pk, "starts_on": "2024-05-10"},
                          follow=True)
    shown = list(refused.context["messages"])
    assert refused.status_code == 200 and shown[-1].level_tag == "error" and "2024-05-10" in shown[-1].message
    assert [(p.cadre.name, p.ends_on) for p in Pairing.objects.order_by("starts_on")] == [
        ("甲", dt.date(2024, 5, 19)), ("乙", None)]
    client.logout()
    login(client, personas.evaluator)  # reads, does not edit: no form
    assert 'id="pair-form"' not in client.get(f"/households/{home.pk}/").content.decode()
    login(client, personas.other_county_officer)
    assert client.post(f"/assistance/households/{home.pk}/pairing/", {"cadre": one.pk}).status_code == 404
