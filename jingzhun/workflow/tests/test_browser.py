"""Identification end to end in a real Chromium (Playwright) against the live server: a village
officer submits 30 households, approves the village steps and posts the notice; a villager objects
on the public page (no login); the village resolves it; after the notice ends the township approves
the list and posts its notice; the county approves and announces; the households are 贫困户 for 2024.

The application's clock (``jingzhun.core.clock.today``) is moved forward instead of waiting days.
Run: ``.venv/bin/python -m pytest -m browser jingzhun/workflow``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from jingzhun.core import clock
from jingzhun.registry.models import HouseholdYear
from jingzhun.testing.browser import log_in
from jingzhun.testing.personas import VILLAGE_A, build_personas
from jingzhun.testing.reference import ensure_reference_data
from jingzhun.workflow.models import Case, CaseStatus, Notice
from jingzhun.workflow.tests.factories import START, households

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COUNT = 30


@pytest.fixture
def world(transactional_db, settings, tmp_path, monkeypatch):
    ensure_reference_data()
    settings.MEDIA_ROOT = tmp_path / "media"
    personas = build_personas()
    day = {"today": START}
    monkeypatch.setattr(clock, "today", lambda: day["today"])
    return personas, day


def signed_in(chromium, live_server, username):  # type: ignore[no-untyped-def]
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10000)
    tab = context.new_page()
    log_in(tab, live_server, username)
    return tab


def open_queue_step(tab, live_server, step_name: str) -> None:  # type: ignore[no-untyped-def]
    tab.goto(f"{live_server.url}/procedures/")
    tab.get_by_role("link", name=re.compile(step_name)).first.click()
    tab.wait_for_url(re.compile(r"/procedures/step/"))


def approve_all(tab, *, evidence_path=None, kind: str = "") -> None:  # type: ignore[no-untyped-def]
    tab.check("#select-all")
    if evidence_path is not None:
        tab.select_option("#id_evidence_kind", kind)
        tab.set_input_files("#id_evidence", str(evidence_path))
    tab.click("button[name=do][value=approve]")
    tab.wait_for_selector(".msg.success")


def post_notice(tab, *, office: str = "", phone: str = "") -> None:  # type: ignore[no-untyped-def]
    tab.check("#select-all")
    if office:
        tab.fill("#id_contact_name", office)
        tab.fill("#id_contact_phone", phone)
    tab.click("button[name=do][value=publish]")
    tab.wait_for_url(re.compile(r"/procedures/notices/\d+/$"))


def close_notice(tab, live_server, notice_id: int) -> None:  # type: ignore[no-untyped-def]
    tab.goto(f"{live_server.url}/procedures/notices/{notice_id}/")
    tab.click("button[name=do][value=close]")
    tab.wait_for_selector(".msg.success")


def test_identification_with_a_public_objection_from_village_to_county(chromium, live_server, world, tmp_path):
    personas, day = world
    homes = households(personas.village_officer, COUNT)
    minutes = tmp_path / "村民代表大会评议记录.pdf"
    minutes.write_bytes(b"%PDF-1.4\n% minutes of the meeting\n")

    # The village officer submits all 30 households of the village.
    village = signed_in(chromium, live_server, personas.village_officer.username)
    village.click("nav a[href='/procedures/']")
    village.click("text=提交农户")
    village.select_option("#id_procedure", "identification_2014")
    village.wait_for_load_state()
    village.fill("#id_year", "2024")
    village.select_option("#id_area", VILLAGE_A)
    village.click("button:has-text('显示')")
    village.check("#select-all")
    assert village.locator("input[name=household]:checked").count() == COUNT
    village.click("button:has-text('提交')")
    village.wait_for_url(re.compile(r"/procedures/step/"))
    assert Case.objects.filter(position=2).count() == COUNT

    # Appraisal (with its minutes) and verification, then the village notice.
    approve_all(village, evidence_path=minutes, kind="minutes")
    open_queue_step(village, live_server, "村委会和驻村工作队核实")
    approve_all(village)
    open_queue_step(village, live_server, "村内第一次公示")
    post_notice(village, office="黄花村村民委员会", phone="0753-8881234")
    notice = Notice.objects.get()
    public_url = village.locator("#public-link").get_attribute("href")

    # A villager objects on the public page, without an account.
    context = chromium.new_context(locale="zh-CN")
    public = context.new_page()
    day["today"] = START + dt.timedelta(days=1)
    public.goto(public_url)
    board = public.locator(".public-notice").inner_text()
    assert homes[0].head_name in board and homes[0].members.first().id_number not in board
    public.select_option("#id_entry", label=f"1. {notice.entries.get(line=1).name}")
    public.fill("#id_filed_by_name", "张三")
    public.fill("#id_contact", "13800138000")
    public.fill("#id_content", "他家去年盖了新房，收入不低")
    public.click("#objection-form button[type=submit]")
    public.wait_for_selector(".msg.success")
    context.close()

    # The village checks and dismisses the objection; after the notice ends it closes it.
    village.goto(f"{live_server.url}/procedures/notices/{notice.pk}/")
    objection = village.locator("article.objection")
    assert "他家去年盖了新房" in objection.inner_text()
    objection.locator("input[name=resolution]").fill("经入户核实，新房为危房改造补助建设，收入低于标准，异议不成立")
    objection.locator("button[name=do][value=resolve]").click()
    village.wait_for_selector(".msg.success")
    assert village.locator("button[name=do][value=close]").count() == 0  # the notice is still running
    day["today"] = notice.ends_on + dt.timedelta(days=1)
    close_notice(village, live_server, notice.pk)
    assert Case.objects.filter(position=5).count() == COUNT

    # The township approves the whole list and posts the second notice; the county approves.
    township = signed_in(chromium, live_server, personas.township_reviewer.username)
    open_queue_step(township, live_server, "乡镇审核")
    assert township.locator("input[name=case]").count() == COUNT
    approve_all(township)
    open_queue_step(township, live_server, "第二次公示")
    post_notice(township, office="大柘镇扶贫办", phone="0753-8880000")
    second = Notice.objects.order_by("-pk").first()
    day["today"] = second.ends_on + dt.timedelta(days=1)
    close_notice(township, live_server, second.pk)

    county = signed_in(chromium, live_server, personas.county_officer.username)
    open_queue_step(county, live_server, "县扶贫办复审")
    approve_all(county)
    open_queue_step(county, live_server, "在村内公告")
    post_notice(county)

    assert Case.objects.filter(status=CaseStatus.COMPLETED).count() == COUNT
    assert HouseholdYear.objects.filter(household__in=homes, year=2024, status="poor", locked=True).count() == COUNT
    county.goto(f"{live_server.url}/households/{homes[0].pk}/")
    year_header = county.locator("#year-2024 h3").inner_text()
    assert "贫困户" in year_header
    assert "贫困户识别（2014年建档立卡）" in county.locator("#procedures").inner_text()
