"""The import pages end to end in a real Chromium (Playwright) against pytest-django's live server:
upload a file with an error, read the problem, download the report, fix it there, upload it again,
confirm, and find the household in the list.

Run: ``.venv/bin/python -m pytest -m browser jingzhun/imports``. Skipped when ``chromium`` is missing,
unless ``CI`` is set, in which case a missing browser fails the run (fixtures: jingzhun.testing.browser).
"""

from __future__ import annotations

import re
import time

import pytest
from openpyxl import load_workbook

from jingzhun.imports.models import ImportBatch
from jingzhun.imports.tests.files import HEADER, household_rows, write_xlsx
from jingzhun.registry.models import Household
from jingzhun.testing.browser import log_in
from jingzhun.testing.personas import build_personas
from jingzhun.testing.reference import ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RELATION = HEADER.index("与户主关系")


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    # A transactional test starts from a flushed database: load the code lists and areas again.
    ensure_reference_data()
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_personas()


def upload(page, live_server, path) -> int:  # type: ignore[no-untyped-def]
    page.set_input_files("#id_file", str(path))
    assert page.locator("#dropzone-name").inner_text() == path.name
    page.click("form.upload-form button[type=submit]")
    page.wait_for_url(re.compile(rf"{re.escape(live_server.url)}/imports/\d+/$"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def test_upload_fix_the_report_and_import_again(page, live_server, world, tmp_path):
    started = time.monotonic()
    log_in(page, live_server, world.village_officer.username)
    page.click("nav a[href='/imports/']")
    page.wait_for_url(f"{live_server.url}/imports/")

    rows = household_rows("HH0001")
    rows[0][RELATION] = "户长"
    first = upload(page, live_server, write_xlsx(tmp_path / "黄花村.xlsx", rows))
    problem = page.locator("#problems tr[data-code='unknown_code']")
    assert problem.locator("td").nth(0).inner_text() == "2"
    assert problem.locator("td").nth(1).inner_text() == "与户主关系"
    assert problem.locator("td").nth(2).inner_text() == "户长"
    assert page.locator("#confirm button[disabled]").count() == 1  # all-or-nothing with an error: nothing to confirm

    with page.expect_download() as caught:
        page.click("#report-link")
    report = tmp_path / "report.xlsx"
    caught.value.save_as(report)
    sheet = load_workbook(report)["被拒绝的行 Rejected rows"]
    header, *rejected = list(sheet.iter_rows(values_only=True))
    assert header[0] == "错误 Errors" and list(header[1:]) == HEADER
    fixed = [list(row[1:]) for row in rejected]  # drop the error column
    assert fixed[0][RELATION] == "户长"
    fixed[0][RELATION] = "户主"
    fixed_path = write_xlsx(tmp_path / "黄花村-改.xlsx", fixed)

    page.goto(f"{live_server.url}/imports/")
    assert page.locator(f"#history a[href='/imports/{first}/']").count() == 2
    second = upload(page, live_server, fixed_path)
    assert second != first
    assert page.locator("#problems").count() == 0
    page.click("#confirm-button")
    page.wait_for_selector("#created-count")
    assert page.locator("#created-count").inner_text() == "1"
    assert ImportBatch.objects.get(pk=second).status == ImportBatch.Status.DONE

    page.click("#to-households")
    page.wait_for_url(f"{live_server.url}/households/")
    assert page.locator("#results a", has_text="HH0001").count() >= 1
    assert "王大山" in page.locator("#results").inner_text()
    assert Household.objects.filter(household_number="HH0001").exists()
    assert time.monotonic() - started < 20


def test_status_page_updates_itself_while_the_check_runs(page, live_server, world):
    from jingzhun.imports.progress import write_progress

    log_in(page, live_server, world.village_officer.username)
    batch = ImportBatch.objects.create(uploaded_by=world.village_officer, file_name="大文件.csv",
                                       status=ImportBatch.Status.CHECKING)
    write_progress(batch.pk, 5000)  # what the running job reports after a chunk
    page.goto(f"{live_server.url}/imports/{batch.pk}/")
    assert re.search(r"5,?000", page.locator("#progress").inner_text())
    write_progress(batch.pk, 55000)
    page.wait_for_function("document.querySelector('#progress') && "
                           "/55,?000/.test(document.querySelector('#progress').innerText)", timeout=6000)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, message="缺少必填列“户编号”。")
    page.wait_for_selector("#batch[data-status='failed']", timeout=6000)  # htmx polls every 2 s
    assert "缺少必填列" in page.locator("#batch").inner_text()
    assert page.url == f"{live_server.url}/imports/{batch.pk}/"
