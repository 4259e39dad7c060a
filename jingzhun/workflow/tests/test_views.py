import datetime as dt

import pytest
from django.urls import reverse

from jingzhun.core import clock
from jingzhun.registry.models import HouseholdYear
from jingzhun.testing.personas import VILLAGE_A
from jingzhun.workflow import services
from jingzhun.workflow.models import Case, Notice, Objection
from jingzhun.workflow.tests.factories import START, households, upload, village_notice

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def today(monkeypatch):
    """Move the application's clock: ``today.set(date)``."""
    state = {"day": START}

    class Clock:
        def set(self, day):
            state["day"] = day

    monkeypatch.setattr(clock, "today", lambda: state["day"])
    return Clock()


def _step_url(case):
    case.refresh_from_db()
    from jingzhun.workflow.views import area_code_for

    return reverse("workflow:step", kwargs={"step_id": case.step_id, "area_code": area_code_for(case),
                                            "year": case.year})


def _posted_notice(personas, count=2):
    homes = households(personas.village_officer, count)
    notice = village_notice(personas, homes)
    cases = [entry.case for entry in notice.entries.order_by("line")]
    return homes, cases, notice


def test_village_officer_submits_and_approves_from_the_pages(client, personas, today):
    homes = households(personas.village_officer, 3)
    client.force_login(personas.village_officer)
    page = client.get(reverse("workflow:start"), {"procedure": "identification_2014", "year": 2024, "area": VILLAGE_A})
    assert page.status_code == 200 and homes[0].head_name in page.content.decode()
    response = client.post(reverse("workflow:start"), {
        "procedure": "identification_2014", "year": 2024, "area": VILLAGE_A,
        "household": [h.pk for h in homes]})
    assert response.status_code == 302
    cases = list(Case.objects.order_by("pk"))
    assert len(cases) == 3 and {c.position for c in cases} == {2}

    url = _step_url(cases[0])
    refused = client.post(url, {"case": [c.pk for c in cases], "position": 2, "do": "approve"})
    assert refused.status_code == 422 and "评议记录" in refused.content.decode()  # names the missing evidence
    ok = client.post(url, {"case": [c.pk for c in cases], "position": 2, "do": "approve", "evidence_kind": "minutes",
                           "evidence": upload("minutes")[1]})
    assert ok.status_code == 302
    assert set(Case.objects.values_list("position", flat=True)) == {3}
    queue = client.get(reverse("workflow:queue")).content.decode()
    assert "村委会和驻村工作队核实" in queue


def test_public_page_shows_only_what_a_notice_may_show_and_takes_objections(client, personas, today):
    homes, cases, notice = _posted_notice(personas)
    url = reverse("notices:public", kwargs={"token": notice.public_token})
    page = client.get(url)  # no login
    text = page.content.decode()
    assert page.status_code == 200
    for home in homes:
        assert home.head_name in text
        for person in home.members.all():
            assert person.id_number not in text and person.id_number[:6] + "*" not in text
    today.set(START + DAY)
    entry = notice.entries.first()
    bad = client.post(url, {"entry": entry.pk, "filed_by_name": "", "contact": "", "content": "x"})
    assert bad.status_code == 422 and not Objection.objects.exists()
    good = client.post(url, {"entry": entry.pk, "filed_by_name": "张三", "contact": "13800138000",
                             "content": "他家在县城有商品房"})
    assert good.status_code == 302 and Objection.objects.get().received_by is None
    today.set(notice.ends_on + DAY)
    closed = client.post(url, {"entry": entry.pk, "filed_by_name": "李四", "contact": "村里", "content": "迟到的异议"})
    assert closed.status_code == 422 and Objection.objects.count() == 1
    assert client.get(reverse("notices:public", kwargs={"token": "not-a-token"})).status_code == 404


def test_closing_a_notice_from_its_page_needs_the_end_and_resolved_objections(client, personas, today):
    _homes, cases, notice = _posted_notice(personas)
    objection = services.objection_file(notice=notice, entry_id=notice.entries.first().pk, filed_by_name="王五",
                                        contact="电话", content="收入不实", today=START)
    client.force_login(personas.village_officer)
    url = reverse("workflow:notice", kwargs={"pk": notice.pk})
    early = client.post(url, {"do": "close"})
    assert early.status_code == 422 and Notice.objects.get().status == "open"
    today.set(notice.ends_on + DAY)
    blocked = client.post(url, {"do": "close"})
    assert blocked.status_code == 422
    client.post(url, {"do": "resolve", "objection": objection.pk, "upheld": "0", "resolution": "经核实收入属实"})
    assert client.post(url, {"do": "close"}).status_code == 302
    assert set(Case.objects.values_list("position", flat=True)) == {5}


def test_no_page_of_a_case_or_notice_opens_outside_the_area(client, personas, today):
    _homes, cases, notice = _posted_notice(personas, count=1)
    evidence = cases[0].evidence.first()
    urls = [reverse("workflow:case", kwargs={"pk": cases[0].pk}),
            reverse("workflow:notice", kwargs={"pk": notice.pk}),
            reverse("workflow:notice_pdf", kwargs={"pk": notice.pk}),
            reverse("workflow:evidence", kwargs={"pk": evidence.pk}),
            _step_url(cases[0])]
    for outsider in (personas.other_county_officer, personas.village_officer_b):
        client.force_login(outsider)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert notice.title not in client.get(reverse("workflow:notices")).content.decode()
        assert client.post(reverse("workflow:notice", kwargs={"pk": notice.pk}), {"do": "close"}).status_code == 404
    client.force_login(personas.county_officer)
    assert client.get(urls[0]).status_code == 200
    assert client.get(urls[1]).status_code == 200


def test_a_locked_year_edit_becomes_a_change_request(client, personas, today):
    (home,) = households(personas.village_officer, 1)
    HouseholdYear.objects.filter(household=home, year=2024).update(locked=True, status="poor")
    client.force_login(personas.village_officer)
    url = reverse("web:year_edit", kwargs={"pk": home.pk, "year": 2024})
    page = client.get(url)
    assert "locked" in page.content.decode() or "锁定" in page.content.decode()
    form = page.context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data = {k: v for k, v in data.items() if v is not False}
    data["wage_income"] = "8000"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    change = Case.objects.get(procedure_key="data_change")
    assert change.params["changes"]["wage_income"] in ("8000", "8000.00")
    assert str(HouseholdYear.objects.get(household=home, year=2024).wage_income) == "3000.00"  # not yet written


def test_the_public_form_limits_objections_per_connection(client, personas, today):
    from django.core.cache import cache

    from jingzhun.workflow import views

    cache.clear()
    _homes, _cases, notice = _posted_notice(personas, count=1)
    url = reverse("notices:public", kwargs={"token": notice.public_token})
    entry = notice.entries.get()
    for n in range(views.PUBLIC_OBJECTIONS_PER_HOUR):
        assert client.post(url, {"entry": entry.pk, "filed_by_name": f"村民{n}", "contact": "电话",
                                 "content": "情况不实，请核查"}).status_code == 302
    refused = client.post(url, {"entry": entry.pk, "filed_by_name": "再一个", "contact": "电话", "content": "情况不实"})
    assert refused.status_code == 429
    assert Objection.objects.count() == views.PUBLIC_OBJECTIONS_PER_HOUR
    cache.clear()


def test_evidence_files_and_objectors_are_for_the_roles_that_need_them(client, personas, today):
    _homes, cases, notice = _posted_notice(personas, count=1)
    services.objection_file(notice=notice, entry_id=notice.entries.get().pk, filed_by_name="王五",
                            contact="13912345678", content="收入不实", today=START)
    evidence = cases[0].evidence.first()
    url = reverse("workflow:evidence", kwargs={"pk": evidence.pk})
    notice_url = reverse("workflow:notice", kwargs={"pk": notice.pk})
    for reader in (personas.evaluator, personas.cadre):
        client.force_login(reader)
        assert client.get(url).status_code == 403
        page = client.get(notice_url).content.decode()
        assert "13912345678" not in page and "王五" not in page and "收入不实" in page
    client.force_login(personas.village_officer)
    assert client.get(url).status_code == 200
    assert "13912345678" in client.get(notice_url).content.decode()


@pytest.mark.parametrize("value", ["²", "9" * 5000, "-1", "x"])
def test_malformed_numbers_in_forms_are_refused_not_crashed(client, personas, today, value):
    _homes, cases, notice = _posted_notice(personas, count=1)
    public = client.post(reverse("notices:public", kwargs={"token": notice.public_token}),
                         {"entry": value, "filed_by_name": "张三", "contact": "电话", "content": "情况不实"})
    assert public.status_code == 422
    client.force_login(personas.village_officer)
    step = client.post(_step_url(cases[0]), {"case": [value], "position": value, "do": "approve"})
    assert step.status_code in (404, 409, 422)
    staff = client.post(reverse("workflow:notice", kwargs={"pk": notice.pk}),
                        {"do": "resolve", "objection": value, "resolution": "x"})
    assert staff.status_code == 404
    recorded = client.post(reverse("workflow:notice", kwargs={"pk": notice.pk}),
                           {"do": "object", "entry": value, "filed_by_name": "张三", "contact": "电话", "content": "不实"})
    assert recorded.status_code == 422


def test_a_county_officer_opening_a_locked_year_is_told_who_requests_a_change(client, personas, today):
    (home,) = households(personas.village_officer, 1)
    HouseholdYear.objects.filter(household=home, year=2024).update(locked=True, status="poor")
    client.force_login(personas.county_officer)
    url = reverse("web:year_edit", kwargs={"pk": home.pk, "year": 2024})
    page = client.get(url)
    assert page.status_code == 200 and 'type="submit" class="btn primary big"' not in page.content.decode()
    response = client.post(url, {"wage_income": "9000"})
    assert response.status_code == 302 and not Case.objects.exists()


def test_a_county_exit_is_started_from_the_page_for_the_county(client, personas, today):
    from jingzhun.testing.personas import COUNTY

    client.force_login(personas.county_officer)
    page = client.get(reverse("workflow:start"), {"procedure": "county_exit", "year": 2024})
    assert page.status_code == 200 and f'value="{COUNTY}"' in page.content.decode()
    response = client.post(reverse("workflow:start"), {"procedure": "county_exit", "year": 2024, "area": COUNTY,
                                                       "subject_area": COUNTY})
    assert response.status_code == 302
    case = Case.objects.get(procedure_key="county_exit")
    assert case.area_id == COUNTY and case.step.role == "city_officer"
