"""The screening pages end to end in a real Chromium (Playwright) against pytest-django's live server:
a county officer starts a run from the page, reads the counts, drills down to the village and
exempts a finding there; and the run page updates itself while a run works.

Run: ``.venv/bin/python -m pytest -m browser jingzhun/screening``. Skipped when ``chromium`` is
missing, unless ``CI`` is set, in which case a missing browser fails the run (fixtures:
jingzhun.testing.browser).
"""

from __future__ import annotations

import re

import pytest

from jingzhun.screening.models import Exemption, Hit, HitStatus, RunStatus, ScreeningRun
from jingzhun.testing.browser import log_in
from jingzhun.testing.personas import COUNTY, TOWNSHIP, VILLAGE_A, build_personas
from jingzhun.testing.reference import ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db, generated_dir):  # type: ignore[no-untyped-def]
    # A transactional test starts from a flushed database: load the code lists and areas again.
    from jingzhun.registry.bulk import load_generated

    ensure_reference_data()
    personas = build_personas()
    load_generated(generated_dir, progress=False)
    return personas


def test_start_a_run_drill_down_and_exempt_a_finding(page, live_server, world):
    log_in(page, live_server, world.county_officer.username)
    page.click("nav a[href='/screening/']")
    page.wait_for_url(f"{live_server.url}/screening/")

    page.fill("#id_year", "2024")
    page.select_option("#id_area", COUNTY)
    page.check("input[name=groups][value=monitoring]")
    page.click("#start-button")
    page.wait_for_url(re.compile(rf"{re.escape(live_server.url)}/screening/runs/\d+/$"), timeout=60000)
    page.wait_for_selector("#run[data-status='done']", timeout=60000)
    run = ScreeningRun.objects.get()
    assert run.status == RunStatus.DONE and run.groups == ["monitoring"]

    open_hits = Hit.objects.filter(rule_id="MON-01", status=HitStatus.OPEN)
    count = open_hits.count()
    assert count > 0
    row = page.locator("tr[data-rule='MON-01']")
    assert row.locator("td[data-col='found']").inner_text() == str(count)

    row.locator("td[data-col='open'] a").click()
    page.wait_for_url(re.compile(r"/screening/rules/MON-01/"))
    assert page.locator("#open-count").inner_text() == str(count)
    page.click(f"tr[data-area='{TOWNSHIP}'] a")
    page.wait_for_url(re.compile(rf"area={TOWNSHIP}"))
    page.click(f"tr[data-area='{VILLAGE_A}'] a")
    page.wait_for_url(re.compile(rf"area={VILLAGE_A}"))
    assert page.locator("#hits tr[data-hit]").count() == count
    page.click("#to-tasks")
    page.wait_for_url(re.compile(rf"/screening/villages/{VILLAGE_A}/"))

    hit = open_hits.order_by("unit_key").first()
    finding = page.locator(f"#hit-{hit.pk}")
    assert finding.get_attribute("data-status") == "open"
    finding.locator("details.exempt summary").click()
    finding.locator(f"#reason-{hit.pk}").fill("外出务工收入已由乡镇核实")
    finding.locator("details.exempt button[type=submit]").click()
    page.wait_for_url(re.compile(rf"#hit-{hit.pk}$"))
    assert page.locator(f"#hit-{hit.pk}").get_attribute("data-status") == "exempt"
    assert "外出务工收入已由乡镇核实" in page.locator(f"#hit-{hit.pk}").inner_text()
    assert "MON-01" in page.locator(".messages .msg.success").inner_text()
    assert page.locator("#exempt-count").inner_text() == "1"
    hit.refresh_from_db()
    assert hit.status == HitStatus.EXEMPT
    assert Exemption.objects.get().reason == "外出务工收入已由乡镇核实"


def test_run_page_updates_itself_while_the_run_works(page, live_server, world):
    log_in(page, live_server, world.county_officer.username)
    run = ScreeningRun.objects.create(year=2024, area_id=COUNTY, started_by=world.county_officer,
                                      status=RunStatus.RUNNING, stage="rules", done=10, total=100)
    page.goto(f"{live_server.url}/screening/runs/{run.pk}/")
    assert "10 / 100" in page.locator("#progress").inner_text()
    ScreeningRun.objects.filter(pk=run.pk).update(done=70)
    page.wait_for_function("document.querySelector('#progress') && "
                           "document.querySelector('#progress').innerText.includes('70 / 100')", timeout=6000)
    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, stage="", hit_count=0)
    page.wait_for_selector("#run[data-status='done']", timeout=6000)  # htmx polls every 2 s
    assert page.locator("#hit-count").inner_text() == "0"
    assert page.url == f"{live_server.url}/screening/runs/{run.pk}/"
