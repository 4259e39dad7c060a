"""The import pages through Django's test client: upload, check, problems, report, confirm, scope."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from jingzhun.accounts.roles import Capability, Role, can
from jingzhun.imports import views
from jingzhun.imports.models import ImportBatch, ImportProblem
from jingzhun.imports.tests.files import household_rows, write_csv, write_xlsx
from jingzhun.registry.exports import XLSX_CONTENT_TYPE
from jingzhun.registry.models import Household, Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def client_for(client, user):
    client.force_login(user)
    return client


def upload(client, path, **fields):  # type: ignore[no-untyped-def]
    data = {"year": "2024", "mode": "all-or-nothing", "encoding": ""} | fields
    with path.open("rb") as handle:
        return client.post("/imports/", {"file": handle, **data})


def stored_files(media) -> list:  # type: ignore[no-untyped-def]
    root = media / "imports"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def bad_file(tmp_path):  # type: ignore[no-untyped-def]
    """HH0001: relation 户长 on the head row (row 2). HH0002: a negative income (row 5) and a phone that
    disagrees with its household (row 6). HH0003 is valid."""
    first = household_rows("HH0001")
    first[0][6] = "户长"
    second = household_rows("HH0002", surname="刘")
    second[0][12] = "-5"
    second[1][3] = "13900000000"
    third = household_rows("HH0003", surname="陈")
    return write_xlsx(tmp_path / "有错误.xlsx", first + second + third)


# --- the happy path ---------------------------------------------------------------------------


def test_upload_check_confirm_creates_households(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    page = client.get("/imports/")
    assert page.status_code == 200
    assert 'type="file"' in page.content.decode() and "/imports/template.xlsx" in page.content.decode()

    path = write_xlsx(tmp_path / "黄花村.xlsx", household_rows("HH0001") + household_rows("HH0002", surname="刘"))
    response = upload(client, path)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    assert batch.status == ImportBatch.Status.CHECKED and batch.uploaded_by == personas.village_officer
    assert (batch.rows, batch.households, batch.problems, batch.year) == (6, 2, 0, 2024)
    assert batch.file_name == "黄花村.xlsx"
    stored = stored_files(media)
    assert [p.name for p in stored] == ["黄花村.xlsx"]
    assert re.fullmatch(r"[0-9a-f]{32}", stored[0].parent.name)
    assert Household.objects.count() == 0  # nothing is written before the confirmation

    detail = client.get(f"/imports/{batch.pk}/").content.decode()
    assert f'action="/imports/{batch.pk}/confirm"' in detail and "disabled" not in detail
    assert "every 2s" not in detail  # not polling once checked

    response = client.post(f"/imports/{batch.pk}/confirm")
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.created == 2
    assert Household.objects.count() == 2 and Person.objects.filter(name="刘大山").exists()
    done = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="created-count">2<' in done and 'href="/households/"' in done

    history = client.get("/imports/").content.decode()
    assert f'href="/imports/{batch.pk}/"' in history and "黄花村.xlsx" in history

    again = client.post(f"/imports/{batch.pk}/confirm")  # a second click changes nothing
    assert again.status_code == 302
    assert Household.objects.count() == 2


def test_csv_in_gbk_with_named_encoding(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    upload(client, write_csv(tmp_path / "gbk.csv", household_rows("HH0001"), encoding="gbk"), encoding="gbk")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.CHECKED and batch.encoding == "gbk"


def test_valid_only_imports_the_valid_households(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    upload(client, bad_file(tmp_path), mode="valid-only")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.CHECKED and batch.rejected_households == 2
    detail = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="confirm-button"' in detail
    client.post(f"/imports/{batch.pk}/confirm")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.created == 1
    assert list(Household.objects.values_list("household_number", flat=True)) == ["HH0003"]


# --- problems, filter, report -----------------------------------------------------------------


def test_problems_table_filter_and_disabled_confirm(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    upload(client, bad_file(tmp_path))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.CHECKED and batch.problems >= 3
    response = client.get(f"/imports/{batch.pk}/")
    text = response.content.decode()
    rows = re.findall(r'<tr data-code="([^"]+)">\s*<td class="num">(\d+)</td>\s*<td>([^<]*)</td>\s*'
                      r'<td class="mono">([^<]*)</td>\s*<td>([^<]*)</td>', text)
    shown = {(code, int(row), column) for code, row, column, _value, _reason in rows}
    head = next(r for r in rows if r[0] == "unknown_code")
    assert head[1:4] == ("2", "与户主关系", "户长")
    assert "户长" in head[4] and "代码表" in head[4]  # the reason, in Chinese (the default language)
    assert {("negative", 5, "工资性收入"), ("inconsistent", 6, "联系电话")} <= shown
    # The filter lists the codes present, with counts and the first message as the label.
    options = re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]*)</option>', text)
    assert {code for code, _label in options} == set(ImportProblem.objects.filter(batch=batch).values_list("code", flat=True))
    assert any(code == "unknown_code" and "户长" in label and "(1)" in label for code, label in options)
    # All or nothing with problems: the button says nothing will be imported and is disabled.
    assert re.search(r"<button[^>]*disabled[^>]*>[^<]+</button>", text)
    assert 'id="confirm-button"' not in text

    filtered = client.get(f"/imports/{batch.pk}/", {"code": "negative"}).content.decode()
    codes = re.findall(r'<tr data-code="([^"]+)">', filtered)
    assert codes == ["negative"]
    assert re.search(r'<option value="negative" selected>', filtered)

    # A forged confirmation is refused and writes nothing.
    response = client.post(f"/imports/{batch.pk}/confirm", follow=True)
    assert response.status_code == 200 and 'class="msg error"' in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.CHECKED and Household.objects.count() == 0


def test_problems_are_paginated_by_fifty(client, personas, media, tmp_path):
    rows = []
    for index in range(30):
        household = household_rows(f"HH{index:04d}", size=2)
        household[0][6] = "户长"
        household[1][12] = "abc"
        rows += household
    client_for(client, personas.village_officer)
    upload(client, write_xlsx(tmp_path / "many.xlsx", rows))
    batch = ImportBatch.objects.get()
    assert batch.problem_rows.count() > 50
    first = client.get(f"/imports/{batch.pk}/").content.decode()
    assert len(re.findall(r'<tr data-code=', first)) == 50 and "page=2" in first
    second = client.get(f"/imports/{batch.pk}/", {"page": "2"}).content.decode()
    assert len(re.findall(r'<tr data-code=', second)) == batch.problem_rows.count() - 50
    filtered = client.get(f"/imports/{batch.pk}/", {"code": "unknown_code", "page": "2"}).content.decode()
    codes = re.findall(r'<tr data-code="([^"]+)"', filtered)  # past the end: the last page of that kind
    assert codes == ["unknown_code"] * 30 and 'class="pager"' not in filtered


def test_report_download_is_an_xlsx_with_the_problems(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    upload(client, bad_file(tmp_path))
    batch = ImportBatch.objects.get()
    detail = client.get(f"/imports/{batch.pk}/").content.decode()
    assert f'href="/imports/{batch.pk}/report.xlsx"' in detail
    response = client.get(f"/imports/{batch.pk}/report.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    assert book.sheetnames == ["问题清单 Problems", "被拒绝的行 Rejected rows"]
    problems = list(book["问题清单 Problems"].iter_rows(min_row=2, values_only=True))
    assert (2, "与户主关系", "户长") in {tuple(p[:3]) for p in problems}


def test_no_report_is_a_404(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    upload(client, write_xlsx(tmp_path / "ok.xlsx", household_rows("HH0001")))
    batch = ImportBatch.objects.get()
    assert client.get(f"/imports/{batch.pk}/report.xlsx").status_code == 404
    ImportBatch.objects.filter(pk=batch.pk).update(report_path="/etc/passwd")  # never outside the media folder
    assert client.get(f"/imports/{batch.pk}/report.xlsx").status_code == 404


def test_template_download(client, personas):
    client_for(client, personas.evaluator)  # reading the template needs no edit right
    response = client.get("/imports/template.xlsx")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["数据 Data", "代码表 Codes", "说明 Instructions"]


# --- scope and roles --------------------------------------------------------------------------


def test_other_users_batches_are_not_found(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    upload(client, bad_file(tmp_path))
    batch = ImportBatch.objects.get()
    other = Client()
    other.force_login(personas.village_officer_b)
    for url in (f"/imports/{batch.pk}/", f"/imports/{batch.pk}/status/", f"/imports/{batch.pk}/report.xlsx"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/imports/{batch.pk}/confirm").status_code == 404
    assert "有错误.xlsx" not in other.get("/imports/").content.decode()
    elsewhere = Client()
    elsewhere.force_login(personas.other_county_officer)  # reads the audit log, but of another county
    assert elsewhere.get(f"/imports/{batch.pk}/").status_code == 404
    assert "有错误.xlsx" not in elsewhere.get("/imports/").content.decode()


def test_county_roles_that_read_the_audit_log_see_the_imports_of_their_villages(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    rows = household_rows("HH0001")
    rows[0][6] = "户长"  # a problem: the batch has a report and a problem list
    upload(client, write_xlsx(tmp_path / "村里的.xlsx", rows))
    batch = ImportBatch.objects.get()
    assert client.get(f"/imports/{batch.pk}/report.xlsx").status_code == 200
    assert "户长" in client.get(f"/imports/{batch.pk}/").content.decode()
    for persona in (personas.county_officer, personas.auditor):
        county = Client()
        county.force_login(persona)
        assert "村里的.xlsx" in county.get("/imports/").content.decode()
        page = county.get(f"/imports/{batch.pk}/")
        assert page.status_code == 200 and "户长" not in page.content.decode()  # the summary, not the rows
        assert county.get(f"/imports/{batch.pk}/report.xlsx").status_code == 404
    county = Client()
    county.force_login(personas.county_officer)
    # The merge writes in the uploader's name: nobody else confirms it.
    assert county.post(f"/imports/{batch.pk}/confirm").status_code == 403
    assert ImportBatch.objects.get().status == ImportBatch.Status.CHECKED and Household.objects.count() == 0
    township = Client()
    township.force_login(personas.township_reviewer)  # no audit right: own imports only
    assert township.get(f"/imports/{batch.pk}/").status_code == 404


def test_an_import_whose_process_died_is_marked_interrupted(client, personas, media, tmp_path, settings):
    import time

    from jingzhun.imports.progress import write_progress

    settings.IMPORT_STALE_MINUTES = 15
    client_for(client, personas.village_officer)
    upload(client, write_xlsx(tmp_path / "ok.xlsx", household_rows("HH0001")))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.MERGING)  # as if writing
    write_progress(batch.pk, 50_000)
    page = client.get(f"/imports/{batch.pk}/status/").content.decode()
    assert re.search(r"50,?000 行", page) and ImportBatch.objects.get().status == ImportBatch.Status.MERGING  # alive
    from jingzhun.imports import progress

    stale = time.time() - 16 * 60
    progress.progress_path(batch.pk).write_text(f'{{"rows": 50000, "at": {stale}}}', encoding="utf-8")
    client.get("/imports/")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED and "中断" in batch.message and "interrupted" in batch.message


def test_superuser_sees_every_batch(client, personas, media, tmp_path, django_user_model):
    client_for(client, personas.village_officer)
    upload(client, bad_file(tmp_path))
    batch = ImportBatch.objects.get()
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x-long-password-1")
    other = Client()
    other.force_login(admin)
    assert other.get(f"/imports/{batch.pk}/").status_code == 200
    assert other.get(f"/imports/{batch.pk}/report.xlsx").status_code == 200


def test_evaluator_may_not_upload_or_confirm(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    upload(client, write_xlsx(tmp_path / "ok.xlsx", household_rows("HH0001")))
    batch = ImportBatch.objects.get()
    evaluator = Client()
    evaluator.force_login(personas.evaluator)
    page = evaluator.get("/imports/")
    assert page.status_code == 200 and 'type="file"' not in page.content.decode()
    response = upload(evaluator, write_xlsx(tmp_path / "e.xlsx", household_rows("HH0002")))
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 1 and len(stored_files(media)) == 1
    assert evaluator.post(f"/imports/{batch.pk}/confirm").status_code == 404  # not theirs either


def test_anonymous_is_sent_to_the_login_page(client):
    for url in ("/imports/", "/imports/1/", "/imports/1/report.xlsx", "/imports/template.xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url
    assert client.post("/imports/", {}).status_code == 302


@pytest.mark.parametrize("role", list(Role))
def test_nav_link_only_for_roles_that_may_import(client, personas, role, django_user_model):
    user = django_user_model.objects.create_user(f"u_{role}", password="x-long-password-1", role=role)
    client_for(client, user)
    text = client.get("/").content.decode()
    assert ('href="/imports/"' in text) == can(user, Capability.REGISTRY_EDIT)


# --- bad input --------------------------------------------------------------------------------


def test_oversize_upload_is_refused_and_nothing_is_stored(client, personas, media):
    client_for(client, personas.village_officer)
    big = SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"\0" * views.MAX_UPLOAD_BYTES, content_type=XLSX_CONTENT_TYPE)
    response = client.post("/imports/", {"file": big, "year": "2024", "mode": "all-or-nothing"})
    assert response.status_code == 413
    assert "60 MB" in response.content.decode()
    assert ImportBatch.objects.count() == 0 and stored_files(media) == []


def test_bad_input_gives_clear_messages_not_crashes(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    response = client.post("/imports/", {"year": "2024", "mode": "all-or-nothing"})
    assert response.status_code == 422 and 'id="id_file_error"' in response.content.decode()
    empty = SimpleUploadedFile("empty.xlsx", b"")
    assert client.post("/imports/", {"file": empty, "year": "2024", "mode": "all-or-nothing"}).status_code == 422
    good = write_xlsx(tmp_path / "ok.xlsx", household_rows("HH0001"))
    for fields in ({"year": "abc"}, {"year": "1900"}, {"year": "3000"}, {"mode": "everything"}, {"encoding": "ebcdic"}):
        response = upload(client, good, **fields)
        assert response.status_code == 422, fields
        assert 'class="error"' in response.content.decode()
    assert ImportBatch.objects.count() == 0 and stored_files(media) == []
    for url in ("/imports/abc/", "/imports/0/", "/imports/99999999999999999999/", "/imports/-1/",
                "/imports/1/report.xlsx", "/imports/99999999999999999999/report.xlsx"):
        assert client.get(url).status_code == 404, url
    upload(client, good)
    batch = ImportBatch.objects.get()
    assert client.get(f"/imports/{batch.pk}/confirm").status_code == 405
    assert client.post(f"/imports/{batch.pk}/").status_code == 405
    assert client.post(f"/imports/{batch.pk}/report.xlsx").status_code == 405
    assert client.delete("/imports/").status_code == 405
    for query in ({"page": "x"}, {"page": "999"}, {"code": "<script>"}, {"code": "unknown_code", "page": "-3"}):
        response = client.get(f"/imports/{batch.pk}/", query)
        assert response.status_code == 200 and "<script>" not in response.content.decode().split("</header>")[1]
    assert client.get("/imports/", {"page": "zz"}).status_code == 200


def test_unreadable_file_shows_the_reason(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 300)
    upload(client, path)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.FAILED and batch.message
    text = client.get(f"/imports/{batch.pk}/").content.decode()
    assert batch.message in text and "confirm" not in text.split('id="batch"')[1]


def test_file_names_are_sanitised(client, personas, media, tmp_path):
    assert views.safe_file_name("../../etc/passwd") == "passwd"
    assert views.safe_file_name("C:\\Users\\a\\黄花村 2024.xlsx") == "黄花村 2024.xlsx"
    assert views.safe_file_name("..") == "upload"
    assert views.safe_file_name("a;rm -rf $(x).csv") == "a_rm -rf _(x).csv"
    assert views.safe_file_name(".hidden") == "hidden"
    long_name = views.safe_file_name("户" * 300 + ".xlsx")
    assert len(long_name) <= 120 and long_name.endswith(".xlsx")
    client_for(client, personas.village_officer)
    good = write_xlsx(tmp_path / "ok.xlsx", household_rows("HH0001"))
    with good.open("rb") as handle:
        client.post("/imports/", {"file": SimpleUploadedFile("../../evil\x00name.xlsx", handle.read()), "year": "2024",
                                  "mode": "all-or-nothing"})
    stored = stored_files(media)
    assert len(stored) == 1 and stored[0].is_relative_to(media / "imports")


def test_csrf_is_still_checked_on_upload(personas, media, tmp_path):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.village_officer)
    response = upload(strict, write_xlsx(tmp_path / "ok.xlsx", household_rows("HH0001")))
    assert response.status_code == 403 and ImportBatch.objects.count() == 0 and stored_files(media) == []


# --- polling and language ---------------------------------------------------------------------


def test_running_batch_polls_its_status_part(client, personas, media):
    client_for(client, personas.village_officer)
    from jingzhun.imports.progress import write_progress

    batch = ImportBatch.objects.create(uploaded_by=personas.village_officer, file_name="big.csv",
                                       status=ImportBatch.Status.CHECKING)
    write_progress(batch.pk, 15000)  # what the running job reports
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert f'hx-get="/imports/{batch.pk}/status/"' in page and 'hx-trigger="every 2s"' in page
    assert "15,000" in page or "15000" in page
    part = client.get(f"/imports/{batch.pk}/status/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and 'hx-trigger="every 2s"' in part
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.FAILED, message="无法读取")
    part = client.get(f"/imports/{batch.pk}/status/", HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in part and "无法读取" in part  # the finished state is swapped in; polling stops


def test_merge_in_progress_keeps_polling_and_refuses_a_second_confirm(client, personas, media, tmp_path, monkeypatch):
    from jingzhun.imports import jobs

    # The merge job checks the file again while it writes; stop it before it starts (nothing written yet).
    monkeypatch.setattr(jobs, "import_write", lambda **kwargs: None)
    client_for(client, personas.village_officer)
    upload(client, write_xlsx(tmp_path / "ok.xlsx", household_rows("HH0001")))
    batch = ImportBatch.objects.get()
    client.post(f"/imports/{batch.pk}/confirm")
    batch.refresh_from_db()
    # Checking again must not put the batch back to CHECKED, which would offer the button again.
    assert batch.status == ImportBatch.Status.MERGING
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page and 'id="confirm-button"' not in page
    client.post(f"/imports/{batch.pk}/confirm")
    assert Household.objects.count() == 0


def test_pages_in_english(client, personas, media, tmp_path):
    client_for(client, personas.village_officer)
    upload(client, bad_file(tmp_path))
    batch = ImportBatch.objects.get()
    problem = batch.problem_rows.get(code="unknown_code")
    text = client.get(f"/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert problem.message_en in text.replace("&quot;", '"').replace("&#x27;", "'")
    assert "Download the report (XLSX)" in text


def test_malformed_upload_body_is_a_bad_request(client, personas, media):
    client_for(client, personas.village_officer)
    response = client.post("/imports/", data=b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n",
                           content_type="multipart/form-data; boundary=xyz")
    assert response.status_code in (400, 422)
    response = client.post("/imports/", data=b"garbage", content_type="multipart/form-data")
    assert response.status_code in (400, 422)
    assert ImportBatch.objects.count() == 0 and stored_files(media) == []


@pytest.mark.parametrize("status", list(ImportBatch.Status))
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_status_renders(client, personas, media, tmp_path, status, language):
    client_for(client, personas.village_officer)
    upload(client, bad_file(tmp_path), mode="valid-only")
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, message="说明" if status != "checked" else "")
    response = client.get(f"/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    text = response.content.decode()
    assert str(batch.file_name) in text
    assert ("every 2s" in text) == (status in ("checking", "merging"))
    assert (f'href="/imports/{batch.pk}/report.xlsx"' in text) == (status not in ("checking", "merging"))


def test_old_uploads_and_reports_are_deleted_after_the_keep_period(client, personas, media, tmp_path, settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    settings.IMPORT_KEEP_DAYS = 30
    client_for(client, personas.village_officer)
    upload(client, bad_file(tmp_path))
    old = ImportBatch.objects.get()
    assert old.report_path and len(stored_files(media)) == 2  # the upload and its report
    outside = write_csv(tmp_path / "命令行.csv", household_rows("HH0009"))  # a command-line import's own file
    (media / "imports" / "manual").mkdir()
    beside = write_csv(media / "imports" / "manual" / "手工.csv", household_rows("HH0008"))  # not an upload folder
    ImportBatch.objects.create(uploaded_by=personas.village_officer, file_name="手工.csv", sha256="y",
                               file_path=str(beside), status=ImportBatch.Status.DONE,
                               finished_at=timezone.now() - timedelta(days=40))
    cli = ImportBatch.objects.create(uploaded_by=personas.village_officer, file_name="命令行.csv", sha256="x",
                                     file_path=str(outside), status=ImportBatch.Status.DONE)
    ImportBatch.objects.filter(pk__in=[old.pk, cli.pk]).update(finished_at=timezone.now() - timedelta(days=31))
    upload(client, write_xlsx(tmp_path / "new.xlsx", household_rows("HH0002")))  # every upload cleans up
    old.refresh_from_db()
    assert old.file_path == "" and old.report_path == ""
    assert old.status == ImportBatch.Status.CANCELLED  # checked, never confirmed: cannot be any more
    assert client.get(f"/imports/{old.pk}/report.xlsx").status_code == 404
    assert client.get(f"/imports/{old.pk}/").status_code == 200  # the history stays
    assert sorted(p.name for p in stored_files(media)) == ["new.xlsx", "手工.csv"]
    assert outside.exists()
    call_command("clean_imports", "--days", "0", stdout=io.StringIO())
    assert [p.name for p in stored_files(media)] == ["手工.csv"] and outside.exists()
