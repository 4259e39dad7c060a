"""The cadre's phone pages (``/m/``) and the 帮扶 section of the household page, through Django's test
client: who sees which household, who may write, what a bad form shows, a form sent twice, the
photos, and how small the pages stay."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from jingzhun.assistance import services
from jingzhun.assistance.models import Measure, Pairing, Visit, VisitPhoto
from jingzhun.assistance.tests.factories import cadre, unit
from jingzhun.core import clock
from jingzhun.registry.models import Person
from jingzhun.registry.privacy import mask_id_number, mask_phone
from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import PASSWORD, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db

CADRE_PHONE = "13812345678"


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def jpeg(size=(2400, 1800), name="现场.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format="JPEG", quality=90)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def ill_household(actor, *, area_code=VILLAGE_A, name="王建国"):
    return register(actor, area_code=area_code, year=clock.today().year,
                    members=[member("head", "1", name=name), member("spouse", "2")], phone="13900001234",
                    year_data={"status": "poor", "main_cause": "1", "identification_standard": "1",
                               "household_attribute": "general_poor"})


@pytest.fixture
def world(personas):
    """A unit and a cadre linked to the ``cadre`` persona, paired with one ill household of village A;
    a second household of village A without this cadre and one of village B (outside the cadre's area)."""
    officer = personas.county_officer
    office = unit(officer)
    helper = cadre(officer, office, name="刘帮扶")
    helper.user = personas.cadre
    helper.phone = CADRE_PHONE
    helper.save()
    home = ill_household(personas.village_officer, name="黄大山")
    other = ill_household(personas.village_officer, name="陈二水")
    outside = ill_household(personas.village_officer_b, area_code=VILLAGE_B, name="李三石")
    services.pairing_assign(actor=officer, household_id=home.pk, cadre_id=helper.pk,
                            starts_on=clock.today() - dt.timedelta(days=30))
    personas.cadre.refresh_from_db()
    return personas, helper, home, other, outside


def signed_in(client, user):
    client.force_login(user)
    return client


def visit_form(client, household) -> dict[str, str]:
    """The form as the page renders it: its hidden client_key and the default date."""
    response = client.get(reverse("mobile:visit_new", args=[household.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    key = re.search(r'name="client_key" value="([0-9a-f-]{36})"', html)
    day = re.search(r'name="visited_on" value="([0-9-]+)"', html)
    assert key and day and day.group(1) == clock.today().isoformat()
    return {"client_key": key.group(1), "visited_on": day.group(1)}


# --- who sees what --------------------------------------------------------------------------------


def test_the_cadre_list_shows_only_the_paired_households_with_visit_and_gaps(client, world):
    personas, helper, home, other, outside = world
    response = signed_in(client, personas.cadre).get(reverse("mobile:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("mobile:household", args=[home.pk]) in html and "黄大山" in html
    assert "陈二水" not in html and "李三石" not in html
    assert reverse("mobile:household", args=[other.pk]) not in html
    assert "刘帮扶" in html and "黄花村" in html
    # Never visited: due; no measure yet: one gap.
    assert 'class="m-item due"' in html and 'class="badge due"' in html
    assert 'class="badge gap"' in html
    services.visit_record(actor=personas.cadre, household_id=home.pk,
                          data={"place": "户主家中", "content": "了解病情与用药"})
    html = client.get(reverse("mobile:home")).content.decode()
    assert 'class="m-item due"' not in html and clock.today().isoformat() in html
    # A pairing that ended takes the household off the list.
    pairing = Pairing.objects.get(household=home)
    services.pairing_end(actor=personas.county_officer, pairing_id=pairing.pk,
                         ends_on=clock.today() - dt.timedelta(days=1), reason="调整帮扶")
    html = client.get(reverse("mobile:home")).content.decode()
    assert "黄大山" not in html and 'class="empty"' in html


def test_a_user_who_is_not_a_cadre_gets_a_message(client, world, django_user_model):
    personas, helper, *_ = world
    response = signed_in(client, personas.county_officer).get(reverse("mobile:home"))
    assert response.status_code == 200 and 'id="not-cadre"' in response.content.decode()
    helper.active = False
    helper.save()
    response = signed_in(client, personas.cadre).get(reverse("mobile:home"))
    assert response.status_code == 200 and 'id="not-cadre"' in response.content.decode()
    client.logout()
    response = client.get(reverse("mobile:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("web:login"))


def test_a_household_outside_the_areas_is_not_found_everywhere(client, world):
    personas, helper, home, other, outside = world
    services.visit_record(actor=personas.village_officer_b, household_id=outside.pk,
                          data={"place": "村委会", "content": "入户核实收入"}, photos=[jpeg()])
    photo = VisitPhoto.objects.get()
    signed_in(client, personas.cadre)
    for url in (reverse("mobile:household", args=[outside.pk]), reverse("mobile:visit_new", args=[outside.pk]),
                reverse("mobile:measure_new", args=[outside.pk]), reverse("mobile:photo", args=[photo.pk]),
                reverse("mobile:photo_thumb", args=[photo.pk]), reverse("mobile:household", args=[999999])):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("mobile:visit_new", args=[outside.pk]),
                           {"place": "家中", "content": "入户走访了解情况", "photos": [jpeg()]})
    assert response.status_code == 404
    response = client.post(reverse("mobile:measure_new", args=[outside.pk]), {"kind": "health", "content": "x"})
    assert response.status_code == 404
    assert Visit.objects.count() == 1 and Measure.objects.count() == 0
    signed_in(client, personas.other_county_officer)
    assert client.get(reverse("web:household_detail", args=[outside.pk])).status_code == 404
    assert client.get(reverse("mobile:photo", args=[photo.pk])).status_code == 404


def test_a_cadre_reads_but_does_not_write_for_a_household_not_paired_with_them(client, world):
    personas, helper, home, other, outside = world
    signed_in(client, personas.cadre)
    page = client.get(reverse("mobile:household", args=[other.pk]))
    assert page.status_code == 200 and "陈二水" in page.content.decode()
    assert reverse("mobile:visit_new", args=[other.pk]) not in page.content.decode()
    assert client.get(reverse("mobile:visit_new", args=[other.pk])).status_code == 403
    assert client.get(reverse("mobile:measure_new", args=[other.pk])).status_code == 403
    refused = client.post(reverse("mobile:visit_new", args=[other.pk]),
                          {"place": "家中", "content": "入户走访了解情况", "photos": [jpeg()]})
    assert refused.status_code == 403 and "陈二水" in refused.content.decode()
    assert client.post(reverse("mobile:measure_new", args=[other.pk]),
                       {"kind": "health", "content": "慢病签约"}).status_code == 403
    assert Visit.objects.count() == 0 and Measure.objects.count() == 0
    own = client.get(reverse("mobile:household", args=[home.pk])).content.decode()
    assert reverse("mobile:visit_new", args=[home.pk]) in own


def test_the_household_page_masks_personal_numbers_for_the_cadre(client, world):
    personas, helper, home, *_ = world
    head = Person.objects.get(household=home, relation="head")
    html = signed_in(client, personas.cadre).get(reverse("mobile:household", args=[home.pk])).content.decode()
    assert head.id_number not in html and mask_id_number(head.id_number) in html
    assert "13900001234" not in html and mask_phone("13900001234") in html
    assert zh("The plan has no measure yet.") in html


# --- recording a visit ------------------------------------------------------------------------------


def test_a_bad_visit_form_comes_back_with_messages_beside_the_fields_and_nothing_written(client, world):
    personas, helper, home, *_ = world
    signed_in(client, personas.cadre)
    form = visit_form(client, home)
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("mobile:visit_new", args=[home.pk]), {
        **form, "visited_on": tomorrow, "place": "", "content": "好", "latitude": "95", "longitude": "115.9",
        "accuracy": "12", "photos": [jpeg()]})
    html = response.content.decode()
    assert response.status_code == 422
    assert '<html lang="zh-hans">' in html and zh("Some fields are not valid; nothing was saved.") in html
    assert "部分字段填写有误" in html  # the catalogue's Chinese
    for field, message in (
        ("visited_on", "The visit date must be between last January and today."),
        ("place", "Say where the visit took place (up to 100 characters)."),
        ("content", "Write what was done and found (4 to 4000 characters)."),
        ("latitude", "The position from the phone is not valid."),
    ):
        found = re.search(rf'<p class="error" id="id_{field}_error">([^<]*)</p>', html)
        assert found and found.group(1) == zh(message).replace("'", "&#x27;"), field
    # What was typed is kept, with the same key; the photo must be chosen again.
    assert f'value="{tomorrow}"' in html and re.search(r">\s*好</textarea>", html)
    assert f'name="client_key" value="{form["client_key"]}"' in html
    assert 'name="latitude" value="95"' in html
    assert re.search(r'<p class="help" id="photo-note"[^>]*><strong class="error">', html)
    assert 'class="geo-status off"' in html  # a refused position is not shown as found
    # A good position is kept and shown as found while another field is corrected.
    html = client.post(reverse("mobile:visit_new", args=[home.pk]), {
        **form, "place": "家中", "content": "", "latitude": "24.3", "longitude": "115.9", "accuracy": "12.7"},
    ).content.decode()
    assert 'class="geo-status ok"' in html and zh("Located ±{m} m").replace("{m}", "12") in html
    assert 'name="latitude" value="24.3"' in html and 'id="id_content_error"' in html
    assert Visit.objects.count() == 0 and VisitPhoto.objects.count() == 0


def test_a_form_sent_twice_records_one_visit_and_its_photo_is_served_privately(client, world):
    personas, helper, home, *_ = world
    signed_in(client, personas.cadre)
    form = visit_form(client, home)
    data = {**form, "place": "户主家中", "content": "了解病情与用药，讲解医保报销政策", "latitude": "24.301234",
            "longitude": "115.912345", "accuracy": "12.4"}
    first = client.post(reverse("mobile:visit_new", args=[home.pk]), {**data, "photos": [jpeg()]})
    second = client.post(reverse("mobile:visit_new", args=[home.pk]), {**data, "photos": [jpeg()]})
    target = reverse("mobile:household", args=[home.pk]) + "#visits"
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"] == target
    visit = Visit.objects.get()
    assert VisitPhoto.objects.count() == 1 and visit.cadre == helper and visit.accuracy_m == 12
    assert str(visit.latitude) == "24.301234" and str(visit.client_key) == form["client_key"]

    page = client.get(reverse("mobile:household", args=[home.pk]))
    html = page.content.decode()
    photo = VisitPhoto.objects.get()
    assert "户主家中" in html and reverse("mobile:photo_thumb", args=[photo.pk]) in html
    assert "geo:24.301234,115.912345" in html

    full = client.get(reverse("mobile:photo", args=[photo.pk]))
    body = b"".join(full.streaming_content)
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert full["Cache-Control"].startswith("private")
    with Image.open(io.BytesIO(body)) as image:
        assert max(image.size) == 1600
    thumb = client.get(reverse("mobile:photo_thumb", args=[photo.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg" and len(thumb.content) < len(body) / 5
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert max(image.size) <= 240
    again = client.get(reverse("mobile:photo", args=[photo.pk]), HTTP_IF_NONE_MATCH=full["ETag"])
    assert again.status_code == 304


def test_a_visit_without_javascript_position_or_photo_is_recorded(client, world):
    personas, helper, home, *_ = world
    signed_in(client, personas.cadre)
    form = visit_form(client, home)
    response = client.post(reverse("mobile:visit_new", args=[home.pk]),
                           {**form, "place": "村委会", "content": "电话回访，了解近况", "latitude": "", "longitude": ""},
                           follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0].endswith("#visits")
    visit = Visit.objects.get()
    assert visit.latitude is None and visit.photos.count() == 0
    assert 'class="msg success"' in response.content.decode()


# --- adding a measure -------------------------------------------------------------------------------


def test_a_measure_that_does_not_fit_is_kept_with_a_warning_and_the_gaps_follow(client, world):
    personas, helper, home, *_ = world
    signed_in(client, personas.cadre)
    url = reverse("mobile:measure_new", args=[home.pk])
    page = client.get(url).content.decode()
    assert "<optgroup" in page and 'value="health"' in page and 'value="刘帮扶"' in page
    assert zh("The plan has no measure yet.") in page
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in english and ">Health support</option>" in english
    assert 'label="Education"' in english

    bad = client.post(url, {"kind": "nonsense", "content": "", "amount": "12.345", "status": "planned"})
    html = bad.content.decode()
    assert bad.status_code == 422 and Measure.objects.count() == 0
    assert re.search(r'id="id_kind_error">[^<]+<', html) and re.search(r'id="id_amount_error">[^<]+<', html)
    assert 'value="12.345"' in html

    unfit = client.post(url, {"kind": "education", "content": "雨露计划", "amount": "3000", "funding_source": "county",
                              "status": "planned"}, follow=True)
    html = unfit.content.decode()
    assert unfit.redirect_chain[-1][0].endswith("#plan") and Measure.objects.count() == 1
    assert 'class="msg warning"' in html and "因病" in html
    gaps = re.search(r'id="plan-gaps".*?</div>', html, re.S).group(0)
    assert "因病" in gaps and "健康帮扶" in gaps

    fit = client.post(url, {"kind": "health", "content": "大病救治、慢病签约", "status": "under_way",
                            "expected_income_gain": "1200", "deadline": f"{clock.today().year}-12-31"}, follow=True)
    html = fit.content.decode()
    gaps = re.search(r'id="plan-gaps".*?</(div|p)>', html, re.S).group(0)
    assert "因病" not in gaps and 'class="msg warning"' not in html
    assert Measure.objects.filter(kind="health", plan__year=clock.today().year).exists()


# --- landing after login, the office page ------------------------------------------------------------


def test_a_cadre_lands_on_the_phone_page_after_login_and_others_on_home(client, world):
    personas, helper, *_ = world
    response = client.post(reverse("web:login"), {"username": personas.cadre.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("mobile:home")
    assert client.get(reverse("web:login"))["Location"] == reverse("mobile:home")  # already signed in
    client.logout()
    sent = client.get(reverse("web:home"))  # opening the site first: to the login page and back to home
    assert sent["Location"] == reverse("web:login") + "?next=/"
    response = client.post(sent["Location"], {"username": personas.cadre.username, "password": PASSWORD, "next": "/"})
    assert response["Location"] == reverse("mobile:home")
    client.logout()
    response = client.post(reverse("web:login") + "?next=/households/",
                           {"username": personas.cadre.username, "password": PASSWORD, "next": "/households/"})
    assert response["Location"] == "/households/"  # an explicit destination wins
    client.logout()
    response = client.post(reverse("web:login"), {"username": personas.county_officer.username, "password": PASSWORD})
    assert response["Location"] == reverse("web:home")
    client.logout()
    helper.user = None
    helper.save()
    response = client.post(reverse("web:login"), {"username": personas.cadre.username, "password": PASSWORD})
    assert response["Location"] == reverse("web:home")


def test_the_household_page_shows_the_cadre_plan_and_visits_to_officers(client, world):
    personas, helper, home, *_ = world
    services.visit_record(actor=personas.cadre, household_id=home.pk, photos=[jpeg()],
                          data={"place": "田间", "content": "查看养殖情况", "latitude": "24.3", "longitude": "115.9",
                                "accuracy": "8"})
    services.measure_save(actor=personas.cadre, household_id=home.pk, year=clock.today().year,
                          data={"kind": "health", "content": "慢病签约服务"})
    photo = VisitPhoto.objects.get()
    html = signed_in(client, personas.county_officer).get(reverse("web:household_detail", args=[home.pk])).content.decode()
    section = re.search(r'<section class="card" id="assistance">.*?</section>', html, re.S).group(0)
    assert "刘帮扶" in section and "平远县农业农村局" in section and CADRE_PHONE in section
    assert "田间" in section and "查看养殖情况" in section and "慢病签约服务" in section
    assert reverse("mobile:photo", args=[photo.pk]) in section and "geo:24.300000,115.900000" in section
    assert "因病" not in section  # the health measure answers the cause
    # The evaluator (no sensitive capability) sees the cadre's phone masked.
    html = signed_in(client, personas.evaluator).get(reverse("web:household_detail", args=[home.pk])).content.decode()
    assert CADRE_PHONE not in html and mask_phone(CADRE_PHONE) in html
    assert client.get(reverse("mobile:photo", args=[photo.pk])).status_code == 200


def test_the_phone_pages_stay_small(client, world):
    """A page with its stylesheets and script: a few tens of KB on a slow connection."""
    personas, helper, home, *_ = world
    signed_in(client, personas.cadre)
    pages = [client.get(url).content for url in (reverse("mobile:home"), reverse("mobile:household", args=[home.pk]),
                                                  reverse("mobile:visit_new", args=[home.pk]))]
    assets = sum(Path(finders.find(name)).stat().st_size
                 for name in ("web/app.css", "assistance/mobile.css", "assistance/mobile.js"))
    assert assets < 30_000, assets
    assert max(len(p) for p in pages) + assets < 45_000
    assert all(b"<script src=\"http" not in p and b"href=\"http" not in p for p in pages)
