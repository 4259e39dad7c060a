"""End-to-end in a real Chromium (Playwright) against pytest-django's live server.

Run: ``.venv/bin/python -m pytest -m browser jingzhun/web``. Skipped when ``chromium`` is missing,
unless ``CI`` is set, in which case a missing browser fails the run.
"""

from __future__ import annotations

import re
import time

import pytest

from jingzhun.registry.models import Person
from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.browser import log_in
from jingzhun.testing.personas import build_personas
from jingzhun.testing.reference import ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    # A transactional test starts from a flushed database: load the code lists and areas again.
    ensure_reference_data()
    personas = build_personas()
    household = register(personas.village_officer, members=[
        member("head", "1", name="欧阳建国"), member("spouse", "2", name="李秀英")])
    return personas, household


def test_search_open_edit_member_and_see_it_in_history(page, live_server, world):
    started = time.monotonic()
    personas, household = world
    log_in(page, live_server, personas.village_officer.username)
    # The vendored htmx and the stylesheet are served (no CDN).
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor") != "rgba(0, 0, 0, 0)"

    page.click("a[href='/households/']")
    page.fill("#id_q", "欧阳")  # live search: the results swap in without a page load
    page.wait_for_url(re.compile(r".*q=%E6%AC%A7%E9%98%B3.*"))
    page.locator("#results a", has_text=household.household_number).click()
    page.wait_for_url(f"{live_server.url}/households/{household.pk}/")
    assert page.locator("h1").inner_text().startswith("欧阳建国")

    spouse = Person.objects.get(household=household, relation="spouse")
    page.click(f"a[href='/members/{spouse.pk}/edit/']")
    page.fill("#id_name", "李秀兰")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/households/{household.pk}/")
    history = page.locator("#history")
    assert "李秀兰" in history.inner_text() and "李秀英" in history.inner_text()
    assert Person.objects.get(pk=spouse.pk).name == "李秀兰"
    assert time.monotonic() - started < 10


def test_other_village_household_url_gives_not_found(page, live_server, world):
    personas, household = world
    log_in(page, live_server, personas.village_officer_b.username)
    response = page.goto(f"{live_server.url}/households/{household.pk}/")
    assert response.status == 404
    assert page.locator(".error-code").inner_text() == "404"
    assert "欧阳建国" not in page.content()
