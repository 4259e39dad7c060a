"""The web pages through Django's test client: rendering, scope, masking, validation, conflicts, i18n."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import translation

from jingzhun.core.audit import action_label
from jingzhun.core.models import AuditEvent
from jingzhun.registry import services
from jingzhun.registry.models import Household, HouseholdYear, Person
from jingzhun.registry.privacy import mask_id_number
from jingzhun.registry.tests.factories import member, register, valid_id
from jingzhun.registry.validation import ID_MESSAGES
from jingzhun.testing.personas import COUNTY, PASSWORD, TOWNSHIP, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def households(personas):
    a = register(personas.village_officer, members=[member("head", "1", name="张三丰"), member("spouse", "2", name="李四娘")],
                 group_name="一组", phone="13800138000")
    b = register(personas.village_officer_b, area_code=VILLAGE_B, members=[member("head", "1", name="赵大")])
    return a, b


def client_for(client, user):
    client.force_login(user)
    return client


def zh(message) -> str:
    with translation.override("zh-hans"):
        return str(message)


def page_text(response) -> str:
    """The page without what differs per request (CSRF tokens, the current path for the language form)."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    text = re.sub(r'"X-CSRFToken": "[^"]*"', "", text)
    return re.sub(r'name="next" value="[^"]*"', "", text)


def member_post(household, **fields) -> dict[str, str]:
    data = {"version": str(Household.objects.get(pk=household.pk).version), "name": "王新", "relation": "son",
            "id_number": valid_id(dt.date(2010, 1, 1), "1"), "sex": "", "birth_date": "", "id_type": "resident_id",
            "ethnicity": "", "political_status": "", "phone": "", "speaks_mandarin": "unknown"}
    data.update(fields)
    return data


# --- every page renders for an in-scope user ---------------------------------------------------


def test_each_page_renders_for_in_scope_user(client, personas, households):
    a, _b = households
    head = Person.objects.get(household=a, relation="head")
    client_for(client, personas.county_officer)
    urls = [
        reverse("web:home"),
        reverse("web:home") + "?year=2024",
        reverse("web:area_index"),
        reverse("web:area_detail", args=[COUNTY]),
        reverse("web:area_detail", args=[TOWNSHIP]),
        reverse("web:area_detail", args=[VILLAGE_A]),
        reverse("web:household_list"),
        reverse("web:household_list") + "?q=张&status=poor&year=2024&area=" + TOWNSHIP,
        reverse("web:household_detail", args=[a.pk]),
        reverse("web:household_create"),
        reverse("web:household_edit", args=[a.pk]),
        reverse("web:member_add", args=[a.pk]),
        reverse("web:member_edit", args=[head.pk]),
        reverse("web:year_edit", args=[a.pk, 2024]),
        reverse("web:year_edit", args=[a.pk, 2025]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<html" in response.content, url
    detail = client.get(reverse("web:household_detail", args=[a.pk])).content.decode()
    assert "张三丰" in detail and "李四娘" in detail and a.household_number in detail
    assert "黄花村" in detail and "大柘镇" in detail  # village with breadcrumb
    assert "9,000.00" in detail  # derived net income of the 2024 record
    with translation.override("zh-hans"):
        assert action_label("registry.household.registered") in detail  # history
    area_page = client.get(reverse("web:area_detail", args=[TOWNSHIP])).content.decode()
    assert "黄花村" in area_page and "石正村" in area_page
    assert f"?area={VILLAGE_A}" in area_page


def test_home_shows_counts_in_scope(client, personas, households):
    client_for(client, personas.county_officer)
    response = client.get(reverse("web:home"))
    assert response.context["year"] == 2024  # latest year with a yearly record
    assert response.context["counts"]["households"] == 2
    poor = next(s for s in response.context["status_counts"] if s["code"] == "poor")
    assert poor["count"] == 2


def test_search_paginates_and_htmx_returns_only_the_results(client, personas, households):
    a, b = households
    client_for(client, personas.county_officer)
    full = client.get(reverse("web:household_list"), {"q": "张三"})
    assert full.status_code == 200
    assert b"<html" in full.content and a.household_number.encode() in full.content
    assert b.household_number.encode() not in full.content
    partial = client.get(reverse("web:household_list"), {"q": "赵"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert b.household_number.encode() in partial.content and a.household_number.encode() not in partial.content
    by_id = client.get(reverse("web:household_list"), {"q": Person.objects.get(household=b).id_number})
    assert [r["household"] for r in by_id.context["rows"]] == [b]
    by_number = client.get(reverse("web:household_list"), {"q": a.household_number})
    assert [r["household"] for r in by_number.context["rows"]] == [a]
    assert by_number.context["rows"][0]["status"] == "poor"


def test_search_count_is_capped(client, personas, households, monkeypatch):
    from jingzhun.web import views

    monkeypatch.setattr(views, "SEARCH_CAP", 1)
    client_for(client, personas.county_officer)
    response = client.get(reverse("web:household_list"))
    assert response.context["paginator"].capped is True
    assert response.context["paginator"].count == 1


# --- scope: out of scope is exactly "not found" -----------------------------------------------


def test_other_village_officer_gets_404_and_never_sees_the_household(client, personas, households):
    a, b = households
    head = Person.objects.get(household=a, relation="head")
    client_for(client, personas.village_officer_b)
    missing = client.get(reverse("web:household_detail", args=[10**9]))
    assert missing.status_code == 404
    for url in [
        reverse("web:household_detail", args=[a.pk]),
        reverse("web:household_edit", args=[a.pk]),
        reverse("web:member_add", args=[a.pk]),
        reverse("web:member_edit", args=[head.pk]),
        reverse("web:year_edit", args=[a.pk, 2024]),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert page_text(response) == page_text(missing), url
    assert client.get(reverse("web:area_detail", args=[VILLAGE_A])).status_code == 404
    posted = client.post(reverse("web:member_add", args=[a.pk]), member_post(a))
    assert posted.status_code == 404
    assert Person.objects.filter(household=a).count() == 2
    search = client.get(reverse("web:household_list"), {"q": "张三丰"})
    assert search.context["rows"] == []
    everything = client.get(reverse("web:household_list"))
    assert [r["household"] for r in everything.context["rows"]] == [b]
    assert a.household_number.encode() not in everything.content
    home = client.get(reverse("web:home"))
    assert home.context["counts"]["households"] == 1


def test_read_only_roles_get_403_on_edit_pages(client, personas, households):
    a, _b = households
    client_for(client, personas.evaluator)
    for url in [reverse("web:household_edit", args=[a.pk]), reverse("web:household_create"),
                reverse("web:year_edit", args=[a.pk, 2024]), reverse("web:member_add", args=[a.pk])]:
        response = client.get(url)
        assert response.status_code == 403, url
    response = client.post(reverse("web:member_add", args=[a.pk]), member_post(a))
    assert response.status_code == 403
    assert Person.objects.filter(household=a).count() == 2
    detail = client.get(reverse("web:household_detail", args=[a.pk])).content.decode()
    assert reverse("web:household_edit", args=[a.pk]) not in detail


def test_evaluator_sees_masked_id_numbers_and_phone(client, personas, households):
    a, _b = households
    head = Person.objects.get(household=a, relation="head")
    client_for(client, personas.evaluator)
    content = client.get(reverse("web:household_detail", args=[a.pk])).content.decode()
    assert head.id_number not in content  # neither in the members table nor in the history
    assert mask_id_number(head.id_number) in content
    assert "13800138000" not in content and "138****8000" in content
    client_for(client, personas.county_officer)
    assert head.id_number in client.get(reverse("web:household_detail", args=[a.pk])).content.decode()


# --- validation through the forms -------------------------------------------------------------


def _field_error(content: str, field_id: str) -> str:
    match = re.search(rf'<p class="error" id="{field_id}_error">([^<]*)</p>', content)
    return match.group(1) if match else ""


def test_invalid_id_number_shows_field_message_and_writes_nothing(client, personas, households):
    a, _b = households
    client_for(client, personas.village_officer)
    good = valid_id(dt.date(2012, 2, 2), "2")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    events = AuditEvent.objects.count()
    response = client.post(reverse("web:member_add", args=[a.pk]), member_post(a, id_number=bad, relation="daughter"))
    assert response.status_code == 422
    content = response.content.decode()
    assert _field_error(content, "id_id_number") == zh(ID_MESSAGES["checksum"])
    assert f'value="{bad}"' in content  # the input is kept
    assert Person.objects.filter(household=a).count() == 2 and AuditEvent.objects.count() == events


def test_second_head_shows_message_on_relation(client, personas, households):
    a, _b = households
    client_for(client, personas.village_officer)
    response = client.post(reverse("web:member_add", args=[a.pk]), member_post(a, relation="head"))
    assert response.status_code == 422
    assert "户主" in _field_error(response.content.decode(), "id_relation")
    assert Person.objects.filter(household=a).count() == 2


def test_duplicate_id_shows_message_on_id_number(client, personas, households):
    a, b = households
    taken = Person.objects.get(household=b).id_number
    client_for(client, personas.county_officer)
    response = client.post(reverse("web:member_add", args=[a.pk]), member_post(a, id_number=taken, relation="father"))
    assert response.status_code == 422
    assert _field_error(response.content.decode(), "id_id_number")
    assert Person.objects.filter(household=a).count() == 2


def _create_post(rows: list[dict[str, str]], **extra: str) -> dict[str, str]:
    data = {"area": VILLAGE_A, "group_name": "三组", "phone": "", "bank_account": "",
            "members-TOTAL_FORMS": str(len(rows)), "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "0", "members-MAX_NUM_FORMS": "30",
            "year-year": "2024", "year-status": ""}
    for i, row in enumerate(rows):
        for k, v in row.items():
            data[f"members-{i}-{k}"] = v
    data.update(extra)
    return data


def test_create_household_with_two_heads_shows_message_and_writes_nothing(client, personas):
    client_for(client, personas.village_officer)
    rows = [{"name": "甲", "relation": "head", "id_number": valid_id(sex="1")},
            {"name": "乙", "relation": "head", "id_number": valid_id(sex="2")}]
    before = Household.objects.count()
    response = client.post(reverse("web:household_create"), _create_post(rows))
    assert response.status_code == 422
    content = response.content.decode()
    assert "户主" in _field_error(content, "id_members-1-relation")
    assert 'value="乙"' in content
    assert Household.objects.count() == before


def test_create_household_with_members_and_first_year(client, personas):
    client_for(client, personas.village_officer)
    rows = [{"name": "孙甲", "relation": "head", "id_number": valid_id(sex="1")},
            {"name": "", "relation": "", "id_number": ""},  # an empty row is ignored
            {"name": "孙乙", "relation": "spouse", "id_number": valid_id(sex="2")}]
    response = client.post(reverse("web:household_create"), _create_post(
        rows, **{"year-status": "poor", "year-main_cause": "1", "year-wage_income": "5000"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    household = Household.objects.get(head_name="孙甲")
    assert household.member_count == 2 and household.group_name == "三组"
    assert HouseholdYear.objects.filter(household=household, year=2024).exists()
    assert response["Location"] == reverse("web:household_detail", args=[household.pk])


def test_create_household_invalid_area_and_missing_head(client, personas):
    client_for(client, personas.village_officer)
    response = client.post(reverse("web:household_create"), _create_post(
        [{"name": "", "relation": "", "id_number": ""}], area=VILLAGE_B))
    assert response.status_code == 422  # village B is not a choice for this officer
    assert _field_error(response.content.decode(), "id_area")
    response = client.post(reverse("web:household_create"), _create_post([{"name": "", "relation": "", "id_number": ""}]))
    assert response.status_code == 422
    assert "户主" in response.content.decode()  # "needs exactly one head" at the top


def test_member_row_endpoint_returns_next_row_and_new_count(client, personas):
    client_for(client, personas.village_officer)
    response = client.get(reverse("web:member_row"), {"members-TOTAL_FORMS": "2"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert 'name="members-2-name"' in content
    assert 'id="id_members-TOTAL_FORMS" value="3" hx-swap-oob="true"' in content


def test_add_row_without_javascript_rerenders_with_one_more_row(client, personas):
    client_for(client, personas.village_officer)
    response = client.post(reverse("web:household_create"), _create_post(
        [{"name": "甲", "relation": "head", "id_number": ""}], add_row="1"))
    assert response.status_code == 200
    assert 'name="members-1-name"' in response.content.decode()
    assert Household.objects.count() == 0


def test_year_form_saves_and_bad_values_stay_in_form(client, personas, households):
    a, _b = households
    client_for(client, personas.village_officer)
    url = reverse("web:year_edit", args=[a.pk, 2024])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if not isinstance(v, list | bool)}
    data.update({"status": "poor", "main_cause": "1", "other_cause_1": "1", "wage_income": "-5"})
    response = client.post(url, data)
    assert response.status_code == 422
    content = response.content.decode()
    assert _field_error(content, "id_wage_income") and _field_error(content, "id_other_cause_1")
    data.update({"other_cause_1": "", "wage_income": "7000"})
    response = client.post(url, data)
    assert response.status_code == 302
    assert HouseholdYear.objects.get(household=a, year=2024).wage_income == 7000


# --- optimistic locking -----------------------------------------------------------------------


def test_conflict_keeps_input_and_shows_the_other_change(client, personas, households):
    a, _b = households
    head = Person.objects.get(household=a, relation="head")
    client_for(client, personas.village_officer)
    url = reverse("web:member_edit", args=[head.pk])
    loaded = client.get(url).context["form"].initial
    # Someone else saves in between.
    services.person_update(actor=personas.county_officer, person_id=head.pk, expected_version=Household.objects.get(pk=a.pk).version, changes={"phone": "13912345678"})
    data = {k: ("" if v is None else v) for k, v in loaded.items()}
    data.update({"name": "张三丰改", "birth_date": str(loaded["birth_date"]), "speaks_mandarin": "unknown",
                 "left_on": "", "is_soldier": ""})
    response = client.post(url, data)
    assert response.status_code == 409
    content = response.content.decode()
    assert 'value="张三丰改"' in content  # the user's unsaved input is still there
    assert "county" in content and "13912345678" in content  # who changed what
    with translation.override("zh-hans"):
        from jingzhun.core.exceptions import EditConflict

        assert EditConflict(changes=[], current_version=0).text() in content
    assert Person.objects.get(pk=head.pk).name == "张三丰"
    # The form now carries the current version: saving again works.
    version = response.context["form"].data["version"]
    assert int(version) == Household.objects.get(pk=a.pk).version
    again = client.post(url, {**data, "version": version})
    assert again.status_code == 302
    saved = Person.objects.get(pk=head.pk)
    assert saved.name == "张三丰改"
    assert saved.phone == "13912345678"  # saving again did not undo the other person's change
    history = client.get(reverse("web:household_detail", args=[a.pk])).content.decode()
    assert "张三丰改" in history


def test_household_edit_conflict(client, personas, households):
    a, _b = households
    client_for(client, personas.village_officer)
    url = reverse("web:household_edit", args=[a.pk])
    initial = client.get(url).context["form"].initial
    services.household_update(actor=personas.township_reviewer, household_id=a.pk,
                              expected_version=Household.objects.get(pk=a.pk).version, changes={"address": "新地址"})
    data = {k: v for k, v in initial.items() if not isinstance(v, bool)}
    data["group_name"] = "二组"
    response = client.post(url, data)
    assert response.status_code == 409
    assert "新地址" in response.content.decode() and 'value="二组"' in response.content.decode()
    assert Household.objects.get(pk=a.pk).group_name == "一组"


# --- language, login, error pages -------------------------------------------------------------


def test_language_switch_renders_english(client, personas, households):
    client_for(client, personas.county_officer)
    from jingzhun.registry import codelists

    chinese = client.get(reverse("web:home")).content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert codelists.label("household_status", "poor", "zh-hans") in chinese
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("web:home")})
    assert response.status_code == 302
    english = client.get(reverse("web:home")).content.decode()
    assert '<html lang="en">' in english
    assert codelists.label("household_status", "poor", "en") in english
    assert "County officer" in english and "Households" in english


def test_login_page_and_lockout(client, personas):
    page = client.get(reverse("web:login"))
    assert page.status_code == 200 and b'name="password"' in page.content
    ok = client.post(reverse("web:login"), {"username": "village_a", "password": PASSWORD})
    assert ok.status_code == 302 and ok["Location"] == reverse("web:home")
    client.post(reverse("web:logout"))
    for _ in range(5):
        response = client.post(reverse("web:login"), {"username": "village_b", "password": "wrong-password"})
    assert response.status_code in (403, 429)
    assert b"<html" in response.content and reverse("web:login").encode() in response.content


def test_logout_is_post_only_and_anonymous_is_sent_to_login(client, personas):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
    client_for(client, personas.village_officer)
    assert client.get(reverse("web:logout")).status_code == 405
    assert client.post(reverse("web:logout")).status_code == 302


def test_unknown_url_gives_friendly_404(client, personas):
    client_for(client, personas.village_officer)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"404" in response.content and b"<html" in response.content


def test_tampered_or_garbage_input_never_gives_a_server_error(client, personas, households):
    a, _b = households
    head = Person.objects.get(household=a, relation="head")
    client_for(client, personas.village_officer)
    assert client.get(reverse("web:household_list"), {"page": "abc", "year": "x", "area": "1", "status": "?"}).status_code == 200
    assert client.get(reverse("web:home"), {"year": "nineteen"}).status_code == 200
    assert client.get(reverse("web:area_detail", args=["garbage"])).status_code == 404
    assert client.get(reverse("web:year_edit", args=[a.pk, 1999])).status_code == 404
    response = client.post(reverse("web:member_edit", args=[head.pk]), {"name": "x", "relation": "nonsense"})
    assert response.status_code == 422
    assert _field_error(response.content.decode(), "id_relation")
    response = client.post(reverse("web:year_edit", args=[a.pk, 2024]), {"version": "1", "status": "poor",
                                                                         "work_months": "x", "size_end": "-1"})
    assert response.status_code == 422
    assert Person.objects.get(pk=head.pk).name == "张三丰"


def test_resubmitting_the_conflict_form_keeps_both_edits(client, personas, households):
    a, _b = households
    client_for(client, personas.village_officer)
    url = reverse("web:household_edit", args=[a.pk])
    form = client.get(url).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update({"address": "黄花村三组 12 号", "is_military_family": "", "is_only_child": "",
                 "is_two_daughters": "", "is_relocated": ""})
    services.household_update(actor=personas.county_officer, household_id=a.pk,
                              expected_version=Household.objects.get(pk=a.pk).version,
                              changes={"group_name": "二组"})
    conflict = client.post(url, data)
    assert conflict.status_code == 409
    shown = conflict.context["form"]
    assert shown["group_name"].value() == "二组" and shown["address"].value() == "黄花村三组 12 号"
    resubmit = {k: ("" if v is None else v) for k, v in shown.data.items()}
    for flag in ("is_military_family", "is_only_child", "is_two_daughters", "is_relocated"):
        resubmit[flag] = "on" if resubmit.get(flag) else ""
    assert client.post(url, resubmit).status_code == 302
    household = Household.objects.get(pk=a.pk)
    assert household.group_name == "二组" and household.address == "黄花村三组 12 号"


def test_export_links_download_the_scoped_list(client, personas, households, tmp_path):
    import csv
    import io

    from openpyxl import load_workbook

    a, b = households
    client_for(client, personas.village_officer)
    page = client.get(reverse("web:household_list")).content.decode()
    assert reverse("web:household_export", args=["xlsx"]) in page
    response = client.get(reverse("web:household_export", args=["csv"]), {"encoding": "gbk"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("gbk"))))
    assert {r[0] for r in rows[1:]} == {a.household_number}
    response = client.get(reverse("web:household_export", args=["xlsx"]))
    path = tmp_path / "x.xlsx"
    path.write_bytes(response.content)
    sheet = load_workbook(path, read_only=True).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [a.household_number] * 2
    assert client.get(reverse("web:household_export", args=["pdf"])).status_code == 404
    client_for(client, personas.cadre)
    assert client.get(reverse("web:household_export", args=["csv"])).status_code == 403
