"""A cadre on a phone, end to end in a real Chromium (Playwright) against the live server: they sign in
and land on 我的帮扶户, open their household, record a visit with a photo (shrunk in the browser) and
the phone's position, and add a health measure that closes the plan's gap for 因病; the county officer
then sees the visit and its photo on the household page.

Screenshots of the phone pages go to ``$JINGZHUN_TEST_ARTEFACTS`` (default ``var/test-artefacts/``).
Run: ``CI=1 .venv/bin/python -m pytest -m browser jingzhun/assistance``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from jingzhun.assistance import services
from jingzhun.assistance.models import Measure, Visit, VisitPhoto
from jingzhun.core import clock
from jingzhun.registry.models import Person
from jingzhun.registry.privacy import mask_id_number
from jingzhun.registry.tests.factories import member, register, valid_id
from jingzhun.testing.browser import log_in
from jingzhun.testing.personas import COUNTY, PASSWORD, VILLAGE_A, build_personas
from jingzhun.testing.reference import ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[3]
POSITION = {"latitude": 24.3012, "longitude": 115.9034, "accuracy": 12}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "geolocation": POSITION, "permissions": ["geolocation"]}


def artefact_dir() -> Path:
    path = Path(os.environ.get("JINGZHUN_TEST_ARTEFACTS") or REPO / "var" / "test-artefacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def world(transactional_db):
    """Set up through the services: the county registers a unit and a cadre (linked to the ``cadre``
    persona's login), the village registers a poor household whose main cause is 因病, the county pairs them."""
    ensure_reference_data()
    personas = build_personas()
    county = personas.county_officer
    office = services.unit_save(actor=county, name="平远县卫生健康局", level="county", area_code=COUNTY,
                                village_codes=[VILLAGE_A])
    helper = services.cadre_register(actor=county, data={
        "name": "刘帮扶", "id_number": valid_id(), "phone": "13812345678", "unit_id": office.pk,
        "area_code": VILLAGE_A})
    helper.user = personas.cadre  # the login is linked by an administrator (no service writes it)
    helper.save(update_fields=["user", "updated_at"])
    home = register(personas.village_officer, year=clock.today().year, group_name="三组",
                    members=[member("head", "1", name="黄大山"), member("spouse", "2", name="李秀英")],
                    year_data={"status": "poor", "main_cause": "1", "identification_standard": "1",
                               "household_attribute": "general_poor"})
    services.pairing_assign(actor=county, household_id=home.pk, cadre_id=helper.pk)
    # The village has planned a developmental measure; nothing answers the illness yet.
    services.measure_save(actor=personas.village_officer, household_id=home.pk, year=clock.today().year, data={
        "kind": "industry", "content": "发展养殖：肉牛2头", "amount": "8000", "funding_source": "integrated"})
    return personas, helper, home


def fits_the_screen(tab) -> bool:  # type: ignore[no-untyped-def]
    """Nothing wider than the phone: no sideways scrolling."""
    return tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def gaps_text(tab) -> str:  # type: ignore[no-untyped-def]
    return tab.locator("#plan-gaps").inner_text()


def test_a_cadre_records_a_visit_and_a_measure_on_a_phone_and_the_county_sees_them(
        chromium, live_server, world, tmp_path):
    personas, helper, home = world
    shots = artefact_dir()
    camera = tmp_path / "IMG_20240310_101500.jpg"
    Image.new("RGB", (3000, 2000), (70, 130, 60)).save(camera, format="JPEG", quality=95)

    phone = chromium.new_context(**PHONE)
    phone.set_default_timeout(10000)
    tab = phone.new_page()

    # Sign in: a cadre lands on 我的帮扶户.
    tab.goto(f"{live_server.url}/login/")
    tab.fill("#id_username", personas.cadre.username)
    tab.fill("#id_password", PASSWORD)
    tab.click("button[type=submit].primary")
    tab.wait_for_url(f"{live_server.url}/m/")
    item = tab.locator("#my-households a.m-item")
    assert item.count() == 1
    assert "黄大山" in item.inner_text() and "黄花村" in item.inner_text() and "三组" in item.inner_text()
    assert item.locator(".badge.due").count() == 1  # never visited
    assert tab.evaluate("getComputedStyle(document.querySelector('.m-item')).borderLeftWidth") == "5px"  # CSS served
    assert fits_the_screen(tab)
    tab.screenshot(path=str(shots / "mobile-1-my-households.png"), full_page=True)

    # The household: personal numbers masked for the cadre, the plan lacks a health measure.
    item.click()
    tab.wait_for_url(f"{live_server.url}/m/households/{home.pk}/")
    head = Person.objects.get(household=home, relation="head")
    summary = tab.locator("#summary").inner_text()
    assert mask_id_number(head.id_number) in summary and head.id_number not in summary
    assert "因病" in gaps_text(tab)
    assert fits_the_screen(tab)

    # Record a visit: the position arrives from the phone, the photo is shrunk before it is sent.
    tab.click(f"a[href='/m/households/{home.pk}/visit/']")
    tab.wait_for_url(re.compile(r"/visit/$"))
    tab.wait_for_selector("#geo-status.ok")
    assert "±12" in tab.locator("#geo-status").inner_text()
    assert tab.input_value("input[name=latitude]") == "24.301200"
    assert tab.input_value("input[name=longitude]") == "115.903400"
    assert tab.input_value("#id_visited_on") == clock.today().isoformat()
    tab.fill("#id_place", "户主家中")
    tab.fill("#id_content", "了解病情与用药情况，讲解大病保险报销政策")
    tab.set_input_files("#id_photos", str(camera))
    tab.wait_for_selector("#photo-note[data-state=ready]")
    size, kind, width, height = tab.evaluate("""async () => {
        const file = document.querySelector('#id_photos').files[0];
        const bitmap = await createImageBitmap(file);
        return [file.size, file.type, bitmap.width, bitmap.height];
    }""")
    assert (kind, width, height) == ("image/jpeg", 1600, 1067) and size < camera.stat().st_size
    assert tab.locator("#photo-previews img").count() == 1
    assert fits_the_screen(tab)
    tab.screenshot(path=str(shots / "mobile-2-visit-form.png"), full_page=True)
    tab.click("#visit-save")
    tab.wait_for_url(f"{live_server.url}/m/households/{home.pk}/#visits")
    assert tab.locator(".msg.success").count() == 1
    visits = tab.locator("#visits").inner_text()
    assert "户主家中" in visits and "讲解大病保险报销政策" in visits and clock.today().isoformat() in visits
    thumb = tab.locator("#visits .thumbs img").first
    thumb.scroll_into_view_if_needed()
    tab.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    visit = Visit.objects.get()
    assert (str(visit.latitude), str(visit.longitude), visit.accuracy_m) == ("24.301200", "115.903400", 12)
    assert visit.cadre == helper and visit.recorded_by == personas.cadre
    stored = VisitPhoto.objects.get(visit=visit)
    assert (stored.width, stored.height) == (1600, 1067)
    with default_storage.open(stored.file.name) as handle, Image.open(handle) as image:
        assert image.format == "JPEG" and image.size == (1600, 1067)

    # Add a health measure: the gap for 因病 goes.
    tab.click(f"a[href='/m/households/{home.pk}/measures/new/']")
    tab.wait_for_url(re.compile(r"/measures/new/$"))
    assert "因病" in gaps_text(tab)
    tab.select_option("#id_kind", "health")
    tab.fill("#id_content", "大病救治、家庭医生慢病签约服务")
    tab.fill("#id_amount", "1500")
    tab.select_option("#id_funding_source", "county")
    tab.fill("#id_deadline", f"{clock.today().year}-12-31")
    tab.select_option("#id_status", "under_way")
    assert fits_the_screen(tab)
    tab.screenshot(path=str(shots / "mobile-3-measure-form.png"), full_page=True)
    tab.click("button[type=submit].primary")
    tab.wait_for_url(f"{live_server.url}/m/households/{home.pk}/#plan")
    assert "因病" not in gaps_text(tab)
    assert "大病救治、家庭医生慢病签约服务" in tab.locator("#plan").inner_text()
    measure = Measure.objects.get(kind="health")
    assert (measure.kind, measure.status, str(measure.amount), measure.plan.year) == (
        "health", "under_way", "1500.00", clock.today().year)
    tab.screenshot(path=str(shots / "mobile-4-household.png"), full_page=True)
    # The narrowest phones in use: 360 CSS pixels, still nothing to scroll sideways.
    tab.set_viewport_size({"width": 360, "height": 740})
    for path in ("/m/", f"/m/households/{home.pk}/", f"/m/households/{home.pk}/visit/",
                 f"/m/households/{home.pk}/measures/new/"):
        tab.goto(live_server.url + path)
        assert fits_the_screen(tab), path
    phone.close()

    # The county officer (a desktop page) sees the visit, its place, content and photo.
    office = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    office.set_default_timeout(10000)
    desk = office.new_page()
    log_in(desk, live_server, personas.county_officer.username)
    desk.goto(f"{live_server.url}/households/{home.pk}/")
    section = desk.locator("#assistance")
    text = section.inner_text()
    assert "刘帮扶" in text and "平远县卫生健康局" in text and "13812345678" in text
    row = section.locator(f"#visit-{visit.pk}")
    assert "户主家中" in row.inner_text() and "讲解大病保险报销政策" in row.inner_text()
    assert "24.301200, 115.903400" in row.inner_text()
    link = row.locator("a[href*='/m/photos/']").first
    thumb = link.locator("img")
    thumb.scroll_into_view_if_needed()
    desk.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    section.screenshot(path=str(shots / "office-household-assistance.png"))
    response = office.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"].startswith("private") and len(response.body()) == stored.size

    # …and the four checks (四查) of the village: the household is paired and visited, so its people
    # are in place; the measures cell shows what the checks compute from the plan.
    from jingzhun.assistance import checks

    desk.goto(f"{live_server.url}/assistance/")
    desk.click(f"#four-checks tr[data-village='{home.area_id}'] a")
    assert desk.url.startswith(f"{live_server.url}/assistance/villages/{home.area_id}/")
    table = desk.locator("#village-checks")
    assert table.locator("tr[data-check='people'] [data-status]").get_attribute("data-status") == "ok"
    (expected,) = checks.village_checks(actor=personas.county_officer, year=clock.today().year, on=clock.today(),
                                        area_code=home.area_id)
    for name in checks.CHECKS:
        shown = table.locator(f"tr[data-check='{name}'] [data-status]").get_attribute("data-status")
        assert shown == getattr(expected, name).status, name
    assert "已落实" in table.locator("tr[data-check='people']").inner_text()
    desk.screenshot(path=str(shots / "office-four-checks.png"), full_page=True)
    office.close()
