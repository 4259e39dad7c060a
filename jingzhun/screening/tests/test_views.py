"""The screening pages through Django's test client: start a run, its counts, the drill-down from the
county to a village, the village task list (fixed, reopened, exempt), the household's findings,
the export, and what the officer of another county cannot see (404, the same as a missing record).

Runs execute in the calling thread in tests (``SCREENING_INLINE``) on a small generated county.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook

from jingzhun.core.models import AuditEvent
from jingzhun.registry.exports import XLSX_CONTENT_TYPE
from jingzhun.registry.privacy import mask_id_number
from jingzhun.screening import exports, presenters, selectors, views
from jingzhun.screening.models import Exemption, Hit, HitStatus, RunStatus, ScreeningRun
from jingzhun.screening.tests.factories import screen
from jingzhun.testing.personas import COUNTY, OTHER_COUNTY, TOWNSHIP, VILLAGE_A

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TASKS = f"/screening/villages/{VILLAGE_A}/?year=2024"


def as_user(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def block(html: str, pattern: str) -> str:
    """The inside of the first element matching ``pattern`` (an opening tag … its closing tag)."""
    match = re.search(pattern, html, re.S)
    assert match is not None, pattern
    return match.group(1)


@pytest.fixture
def screened(loaded):  # type: ignore[no-untyped-def]
    """The generated county screened with every rule by the county officer."""
    return screen(loaded.county_officer)


# --- starting a run and its counts ---------------------------------------------------------------


def test_county_officer_starts_a_run_and_sees_the_counts(client, loaded):
    as_user(client, loaded.county_officer)
    home = text(client.get("/screening/", **EN))
    assert 'id="start-button"' in home
    assert 'name="groups" value="monitoring"' in home and 'name="groups" value="quality.income"' in home
    assert f'<option value="{COUNTY}" selected>' in home

    response = client.post("/screening/", {"year": "2024", "area": COUNTY, "groups": ["monitoring", "quality"]})
    run = ScreeningRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/screening/runs/{run.pk}/"
    assert run.status == RunStatus.DONE and run.started_by == loaded.county_officer
    assert run.groups == ["monitoring", "quality"] and run.year == 2024 and run.area_id == COUNTY
    assert run.rule_ids and all(r.startswith(("MON-", "Q")) for r in run.rule_ids)
    assert AuditEvent.objects.filter(action="screening.run.started", target_id=str(run.pk)).exists()

    page = text(client.get(response["Location"], **EN))
    assert 'data-status="done"' in page and "every 2s" not in page
    assert f'id="hit-count">{run.hit_count}<' in page and run.hit_count == Hit.objects.count() > 0
    found = {rule_id: n for rule_id, n in run.counts.items() if n}
    assert set(re.findall(r'<tr data-rule="([^"]+)">', page)) == set(found)
    monitoring = Hit.objects.filter(rule_id="MON-01").count()
    assert monitoring == found["MON-01"]
    row = block(page, r'<tr data-rule="MON-01">(.*?)</tr>')
    assert "Income below the monitoring line, not monitored" in row and "Warning" in row
    assert f'data-col="found">{monitoring}<' in row
    assert f'href="/screening/rules/MON-01/?year=2024&amp;area={COUNTY}&amp;status=open">{monitoring}</a>' in row

    assert f'data-run="{run.pk}"' in text(client.get("/screening/"))


def test_start_form_errors_are_shown_and_nothing_is_started(client, loaded):
    as_user(client, loaded.county_officer)
    response = client.post("/screening/", {"year": "20x4", "area": COUNTY}, **EN)
    assert response.status_code == 422
    assert "The run was not started." in text(response) and "Enter a year such as 2024." in text(response)
    response = client.post("/screening/", {"year": "2024", "area": OTHER_COUNTY}, **EN)
    assert response.status_code == 422 and "Choose an area from the list." in text(response)
    response = client.post("/screening/", {"year": "2024", "area": COUNTY, "groups": ["nonsense"]}, **EN)
    assert response.status_code == 422 and "Choose the rules from the list." in text(response)
    assert not ScreeningRun.objects.exists()


def test_a_village_officer_cannot_start_a_run(client, loaded):
    as_user(client, loaded.village_officer)
    home = text(client.get("/screening/"))
    assert 'id="start-button"' not in home and 'name="groups"' not in home
    assert f'href="/screening/villages/{VILLAGE_A}/"' in home  # their village's task list instead
    assert client.post("/screening/", {"year": "2024", "area": VILLAGE_A}).status_code == 403
    assert not ScreeningRun.objects.exists()


def test_run_page_polls_while_running_and_says_when_it_stopped_or_failed(client, loaded):
    as_user(client, loaded.county_officer)
    run = ScreeningRun.objects.create(year=2024, area_id=COUNTY, started_by=loaded.county_officer,
                                      status=RunStatus.RUNNING, stage="rules", done=40, total=160)
    page = text(client.get(f"/screening/runs/{run.pk}/", **EN))
    assert f'hx-get="/screening/runs/{run.pk}/status/" hx-trigger="every 2s"' in page
    assert "Checking the rules: 40 / 160" in page and 'value="25"' in page
    partial = text(client.get(f"/screening/runs/{run.pk}/status/", **EN))
    assert partial.startswith('<div id="run"') and "Checking the rules: 40 / 160" in partial

    long_ago = timezone.now() - selectors.STALE_AFTER - dt.timedelta(minutes=1)
    ScreeningRun.objects.filter(pk=run.pk).update(created_at=long_ago)
    page = text(client.get(f"/screening/runs/{run.pk}/", **EN))
    assert 'id="stale"' in page and "This run stopped before it finished." in page and "every 2s" not in page
    assert f'data-run="{run.pk}"' in text(client.get("/screening/", **EN))

    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="RuntimeError: engine died")
    page = text(client.get(f"/screening/runs/{run.pk}/", **EN))
    assert 'id="failed"' in page and "engine died" in page and "the findings of earlier runs are kept" in page
    assert "every 2s" not in page


# --- drill-down --------------------------------------------------------------------------------------


def test_drill_down_from_the_county_to_the_village_and_its_findings(client, loaded, screened, monkeypatch):
    as_user(client, loaded.county_officer)
    hits = list(Hit.objects.filter(rule_id="MON-01"))
    n = len(hits)
    assert n > 5
    run_page = text(client.get(f"/screening/runs/{screened.pk}/", **EN))
    assert 'id="without-data"' in run_page and "EXCL-01" in block(run_page, r'id="without-data"[^>]*>(.*?)</details>')

    county = text(client.get(f"/screening/rules/MON-01/?year=2024&area={COUNTY}", **EN))
    assert f'id="open-count">{n}<' in county
    township_row = block(county, rf'<tr data-area="{TOWNSHIP}">(.*?)</tr>')
    assert f'href="/screening/rules/MON-01/?year=2024&amp;area={TOWNSHIP}"' in township_row
    assert f'<td class="num">{n}</td>' in township_row

    township = text(client.get(f"/screening/rules/MON-01/?year=2024&area={TOWNSHIP}", **EN))
    village_row = block(township, rf'<tr data-area="{VILLAGE_A}">(.*?)</tr>')
    assert f'href="/screening/rules/MON-01/?year=2024&amp;area={VILLAGE_A}"' in village_row

    village = text(client.get(f"/screening/rules/MON-01/?year=2024&area={VILLAGE_A}", **EN))
    assert 'id="areas"' not in village and f'href="{TASKS}"' in village.replace("&amp;", "&")
    for hit in hits:
        row = block(village, rf'<tr id="hit-{hit.pk}" data-hit="{hit.pk}" data-status="open">(.*?)</tr>')
        assert f'href="/households/{hit.household_id}/"' in row
        assert escape(hit.message_en) in row and "To check" in row

    fixed_only = text(client.get(f"/screening/rules/MON-01/?year=2024&area={VILLAGE_A}&status=fixed", **EN))
    assert "data-hit=" not in fixed_only and "No findings here." in fixed_only

    monkeypatch.setattr(views, "HITS_PER_PAGE", 5)
    first = text(client.get(f"/screening/rules/MON-01/?year=2024&area={COUNTY}", **EN))
    pages = -(-n // 5)
    assert first.count("data-hit=") == 5 and f"Page 1 of {pages}" in first
    last = text(client.get(f"/screening/rules/MON-01/?year=2024&area={COUNTY}&page={pages}", **EN))
    assert last.count("data-hit=") == n - 5 * (pages - 1)

    assert client.get(f"/screening/rules/NOPE-01/?year=2024&area={COUNTY}").status_code == 404
    assert client.get("/screening/rules/MON-01/?year=2024&area=441426999999").status_code == 404

    area_page = text(client.get(f"/screening/areas/{COUNTY}/?year=2024", **EN))
    assert f'href="/screening/rules/MON-01/?year=2024&amp;area={COUNTY}&amp;status=open">{n}</a>' in area_page


# --- village task list ---------------------------------------------------------------------------------


def test_task_list_mark_fixed_reopen_and_exempt(client, loaded, screened):
    first, second, third = Hit.objects.filter(rule_id="MON-01").order_by("unit_key")[:3]

    # The village officer may mark fixed, not exempt.
    as_user(client, loaded.village_officer)
    page = text(client.get(TASKS, **EN))
    group = block(page, rf'<section class="card task-group" id="household-{first.household_id}">(.*?)</section>')
    assert f'id="hit-{first.pk}"' in group and escape(first.message_en) in group
    assert f'action="/screening/findings/{first.pk}/fix/"' in group
    assert "/exempt/" not in page
    assert client.post(f"/screening/findings/{first.pk}/exempt/", {"reason": "外出务工收入已核实"}).status_code == 403

    response = client.post(f"/screening/findings/{first.pk}/fix/", {"note": "  ", "next": TASKS}, follow=True, **EN)
    assert "What was corrected — Say what was corrected." in text(response)
    assert "MON-01" in block(text(response), r'<ul class="messages">(.*?)</ul>')
    first.refresh_from_db()
    assert first.status == HitStatus.OPEN

    response = client.post(f"/screening/findings/{first.pk}/fix/", {"note": "收入已重新核实", "next": TASKS}, **EN)
    assert response.status_code == 302 and response["Location"] == f"{TASKS}#hit-{first.pk}"
    first.refresh_from_db()
    assert first.status == HitStatus.FIXED and first.note == "收入已重新核实"
    assert first.resolved_by == loaded.village_officer
    page = text(client.get(response["Location"], **EN))
    assert "Marked fixed: MON-01" in page
    assert f'id="hit-{first.pk}" data-hit="{first.pk}" data-status="fixed"' in page
    assert f'action="/screening/findings/{first.pk}/reopen/"' in page

    client.post(f"/screening/findings/{first.pk}/reopen/", {"next": TASKS})
    first.refresh_from_db()
    assert first.status == HitStatus.OPEN

    # The township reviewer may exempt; the reason is required and the message names the field.
    as_user(client, loaded.township_reviewer)
    assert f'action="/screening/findings/{second.pk}/exempt/"' in text(client.get(TASKS))
    response = client.post(f"/screening/findings/{second.pk}/exempt/", {"reason": "", "next": TASKS},
                           follow=True, **EN)
    assert ("Reason for the exemption — Give the reason for the exemption (at least 4 characters)."
            in text(response))
    response = client.post(f"/screening/findings/{second.pk}/exempt/",
                           {"reason": "在外务工收入已另行核实", "year_to": "20x6", "next": TASKS}, follow=True, **EN)
    assert "Last year of the exemption — Enter a year such as 2026" in text(response)
    assert not Exemption.objects.exists()

    response = client.post(f"/screening/findings/{second.pk}/exempt/",
                           {"reason": "在外务工收入已另行核实", "year_to": "2026", "next": TASKS}, follow=True, **EN)
    second.refresh_from_db()
    assert second.status == HitStatus.EXEMPT
    exemption = Exemption.objects.get()
    assert (exemption.reason, exemption.year_from, exemption.year_to) == ("在外务工收入已另行核实", 2024, 2026)
    page = text(response)
    assert "Exempted: MON-01" in page
    item = block(page, rf'<li class="finding" id="hit-{second.pk}" data-hit="{second.pk}" data-status="exempt">(.*?)</li>')
    assert "在外务工收入已另行核实" in item and "2024 to 2026" in item

    # A "next" address on another site is not followed.
    response = client.post(f"/screening/findings/{third.pk}/fix/", {"note": "已核实", "next": "https://example.org/"})
    assert response["Location"] == f"{TASKS}#hit-{third.pk}"


def test_only_open_findings_and_not_a_village(client, loaded, screened):
    hit = Hit.objects.filter(rule_id="MON-01").first()
    as_user(client, loaded.county_officer)
    client.post(f"/screening/findings/{hit.pk}/fix/", {"note": "已核实"})
    every = text(client.get(TASKS))
    assert f'data-hit="{hit.pk}"' in every
    assert f'data-hit="{hit.pk}"' not in text(client.get(TASKS + "&show=open"))
    assert client.get(f"/screening/villages/{TOWNSHIP}/").status_code == 404


# --- the household page ----------------------------------------------------------------------------------


def test_household_page_shows_its_findings(client, loaded, screened):
    hit = Hit.objects.filter(rule_id="MON-01").first()
    on_household = Hit.objects.filter(household_id=hit.household_id).count()
    as_user(client, loaded.village_officer)
    page = text(client.get(f"/households/{hit.household_id}/", **EN))
    section = block(page, r'<section class="card" id="findings">(.*?)</section>')
    assert section.count("<tr id=\"finding-") == on_household
    row = block(section, rf'<tr id="finding-{hit.pk}" data-status="open">(.*?)</tr>')
    assert "MON-01" in row and escape(hit.message_en) in row and "To check" in row
    assert f'href="{TASKS}#hit-{hit.pk}"' in row.replace("&amp;", "&")
    assert f"/screening/runs/{screened.pk}/" not in row  # the county's run is not the village officer's to open
    assert escape(hit.message_zh) in text(client.get(f"/households/{hit.household_id}/"))  # Chinese by default

    as_user(client, loaded.county_officer)
    page = text(client.get(f"/households/{hit.household_id}/", **EN))
    assert f'href="/screening/runs/{screened.pk}/"' in block(page, r'<section class="card" id="findings">(.*?)</section>')


# --- scope -------------------------------------------------------------------------------------------------


def test_an_officer_of_another_county_sees_none_of_it(client, loaded, screened):
    hit = Hit.objects.filter(rule_id="MON-01").first()
    as_user(client, loaded.other_county_officer)
    assert f'data-run="{screened.pk}"' not in text(client.get("/screening/"))
    for url in [f"/screening/runs/{screened.pk}/", f"/screening/runs/{screened.pk}/status/", "/screening/runs/999999/",
                f"/screening/areas/{COUNTY}/", f"/screening/rules/MON-01/?year=2024&area={COUNTY}",
                f"/screening/rules/MON-01/?year=2024&area={VILLAGE_A}",
                f"/screening/rules/MON-01/export.xlsx?year=2024&area={COUNTY}", TASKS,
                f"/households/{hit.household_id}/"]:
        assert client.get(url).status_code == 404, url
    for action, data in [("fix", {"note": "已核实"}), ("reopen", {}), ("exempt", {"reason": "不适用此规则"})]:
        assert client.post(f"/screening/findings/{hit.pk}/{action}/", data).status_code == 404, action
    assert client.post("/screening/findings/999999/fix/", {"note": "已核实"}).status_code == 404
    hit.refresh_from_db()
    assert hit.status == HitStatus.OPEN and not Exemption.objects.exists()

    own = text(client.get(f"/screening/rules/MON-01/?year=2024&area={OTHER_COUNTY}"))
    assert "data-hit=" not in own and 'id="open-count">0<' in own
    assert presenters.household_findings(actor=loaded.other_county_officer, household_id=hit.household_id) == {
        "rows": [], "year": None, "open": 0}


# --- export and masking --------------------------------------------------------------------------------------


def test_export_is_scoped_masked_and_audited(client, loaded, screened):
    expected = list(Hit.objects.filter(rule_id="MON-01"))
    as_user(client, loaded.county_officer)
    response = client.get(f"/screening/rules/MON-01/export.xlsx?year=2024&area={COUNTY}")
    assert response.status_code == 200 and response["Content-Type"] == XLSX_CONTENT_TYPE
    header, *rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(header) == exports.HEADER and len(rows) == len(expected)
    assert {row[9] for row in rows} == {hit.message_zh for hit in expected}
    event = AuditEvent.objects.get(action="screening.hits.exported")
    assert event.after["hits"] == len(expected) and event.after["format"] == "xlsx"

    person_hit = Hit.objects.filter(scope="person", person__isnull=False).select_related("person").first()
    id_number = person_hit.person.id_number
    as_user(client, loaded.evaluator)  # may export, may not see ID numbers
    url = f"/screening/rules/{person_hit.rule_id}/export.csv?year=2024&area={COUNTY}"
    csv_text = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    assert id_number not in csv_text and mask_id_number(id_number) in csv_text
    page = text(client.get(f"/screening/rules/{person_hit.rule_id}/?year=2024&area={COUNTY}"))
    assert id_number not in page and mask_id_number(id_number) in page
    gbk = b"".join(client.get(url + "&encoding=gbk").streaming_content).decode("gbk")
    assert gbk.splitlines()[0] == ",".join(exports.HEADER)

    as_user(client, loaded.cadre)  # no export right
    assert client.get(f"/screening/rules/MON-01/export.csv?year=2024&area={VILLAGE_A}").status_code == 403


def test_sentences_hide_id_and_phone_numbers_from_roles_that_may_not_see_them(loaded):
    sentence = "电话 13800138000，身份证 44142619800101002X，人均纯收入 3,120 元（2024 年）"
    assert presenters.mask_numbers(sentence, loaded.county_officer) == sentence
    assert presenters.mask_numbers(sentence, loaded.evaluator) == (
        "电话 138****8000，身份证 441***********002X，人均纯收入 3,120 元（2024 年）")
