"""The measures, simulation and comparison pages: numbers for a county officer over their areas
only, the chart with one point per value, each bad input shown beside its field, and another
county's officer getting the same 404 as for an area that does not exist."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from jingzhun.screening import analysis
from jingzhun.screening.tests.test_analysis_commands import build_registry
from jingzhun.testing.personas import COUNTY, OTHER_VILLAGE, TOWNSHIP, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db

MEASURES = {"year": "2024", "area": COUNTY, "by": "village", "denominator": "registry", "line": "poverty"}
SWEEP = {"year": "2024", "area": COUNTY, "by": "village", "rule": "MON-01", "parameter": "monitoring_line",
         "start": "5000", "stop": "7000", "step": "500"}


@pytest.fixture
def registry(personas):
    return build_registry(personas)


@pytest.fixture
def officer(client, registry):
    client.force_login(registry.county_officer)
    return client


def row(html: str, area: str) -> str:
    """The table row of ``area`` in the first table that has one."""
    match = re.search(rf'<tr data-area="{area}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {area}"
    return match.group(1)


def measure(html: str, area: str, name: str) -> str:
    match = re.search(rf'data-measure="{name}">([^<]*)<', row(html, area))
    assert match, f"no {name} for {area}"
    return match.group(1)


def test_measures_page_for_a_county_officer(officer):
    response = officer.get(reverse("screening:measures"), MEASURES)
    assert response.status_code == 200
    html = response.content.decode()
    # Village A: 2 poor persons of 5 at 2,000 against 4,000; village B: 1 of 2 at 3,000.
    assert measure(html, VILLAGE_A, "incidence") == "40.00"
    assert measure(html, VILLAGE_A, "P0") == "0.4000"
    assert measure(html, VILLAGE_A, "P1") == "0.2000"
    assert measure(html, VILLAGE_B, "P1") == "0.1250"
    assert measure(html, VILLAGE_B, "P2") == "0.0313"  # 0.03125
    assert measure(html, "total", "P0") == "0.4286"  # 3 of 7
    assert OTHER_VILLAGE not in html  # the other county's village is nowhere
    # The Alkire–Foster table has the five dimensions, each with h and its share of M0.
    assert html.count('data-dimension="') == 5 * 2  # two villages
    assert "id=\"af-table\"" in html


def test_measures_page_first_shows_the_form_only(officer):
    response = officer.get(reverse("screening:measures"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "measures-table" not in html
    assert f'<option value="{COUNTY}" selected>' in html and f'<option value="{TOWNSHIP}">' in html


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"year": "1999"}, "year", "Ensure this value is greater than or equal to 2010."),
    ({"area": "44x"}, "area", "44x is not an area code"),
    ({"area": VILLAGE_A, "by": "township"}, "by", "is above the area 441426100201"),
    ({"denominator": "population"}, "denominator", "There are no population figures for this area"),
    ({"year": "2019"}, "year", "No household of this area has a record for 2019."),
], ids=["year", "area", "level", "denominator", "no-records"])
def test_measures_page_bad_input(officer, changes, field, message):
    response = officer.get(reverse("screening:measures"), {**MEASURES, **changes}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(rf'<p class="error" id="id_{field}_error">[^<]*{re.escape(message)}', html), html
    assert "measures-table" not in html


def test_a_large_area_is_sent_to_a_smaller_one(officer, monkeypatch):
    monkeypatch.setattr(analysis, "MAX_PAGE_HOUSEHOLDS", 4)
    response = officer.get(reverse("screening:measures"), MEASURES, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "has 5 households, more than this page computes at once (4)" in response.content.decode()
    assert officer.get(reverse("screening:measures"), {**MEASURES, "area": VILLAGE_A}).status_code == 200


def test_another_county_sees_the_same_404_as_for_a_missing_area(client, registry):
    client.force_login(registry.other_county_officer)
    for name, query in (("screening:measures", MEASURES), ("screening:simulate", SWEEP),
                        ("screening:simulate_compare", {**SWEEP, "a_monitoring_line": "6000"})):
        outside = client.get(reverse(name), query)
        missing = client.get(reverse(name), {**query, "area": "441426109000"})
        assert outside.status_code == missing.status_code == 404
        assert b"441426100201" not in outside.content
    own = client.get(reverse("screening:measures"), {**MEASURES, "area": "441427000000"})
    assert own.status_code == 200 and OTHER_VILLAGE in own.content.decode()


def test_pages_need_a_signed_in_user(client, registry):
    response = client.get(reverse("screening:simulate"), SWEEP)
    assert response.status_code == 302 and "login" in response["Location"]


def test_simulation_page_table_and_chart(officer):
    response = officer.get(reverse("screening:simulate"), SWEEP)
    assert response.status_code == 200
    html = response.content.decode()
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg and '<title id="sweep-title">' in svg and '<desc id="sweep-desc">' in svg
    # 5,000 to 7,000 by 500: five values, one point per value on each line.
    for series in ("found", "entering", "leaving"):
        assert svg.count(f'class="pt {series}"') == 5
    assert ">Monitoring line" in svg or "监测范围" in svg  # the x axis is labelled with the parameter
    # The household at 5,000 is found from 5,500; the one at 6,500 enters at 7,000.
    total = re.search(r'<table id="sweep-total">(.*?)</table>', html, re.S).group(1)
    cells = {value: re.findall(r'<td class="num">([^<]*)</td>', body)
             for value, body in re.findall(r'<tr data-value="(\d+)"[^>]*>(.*?)</tr>', total, re.S)}
    assert cells["5000"][:4] == ["0", "0", "0", "1"]  # found, persons, entering, leaving
    assert cells["6000"][:4] == ["1", "1", "0", "0"]
    assert cells["7000"][:4] == ["2", "2", "1", "0"]
    assert 'class="current"' in total  # the value in force is marked
    assert f'data-area="{VILLAGE_A}"' in html and f'data-area="{VILLAGE_B}"' in html
    assert OTHER_VILLAGE not in html


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"step": "0"}, "step", "The step must be above 0, not 0."),
    ({"step": "-5"}, "step", "The step must be above 0, not -5."),
    ({"start": "6000", "stop": "9000", "step": "1"}, "step", "makes 3,001 values, more than 400"),
    ({"start": "9000", "stop": "6000"}, "stop", "The last value (6000) is below the first (9000)."),
    ({"parameter": "poverty_line"}, "parameter", "Rule MON-01 does not read the parameter poverty_line"),
    ({"rule": "XX-1"}, "rule", "Select a valid choice."),
    ({"start": "many"}, "start", "Enter a number."),
], ids=["step-zero", "step-negative", "too-many", "reversed", "parameter", "rule", "not-a-number"])
def test_simulation_page_bad_input(officer, changes, field, message):
    response = officer.get(reverse("screening:simulate"), {**SWEEP, **changes}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(rf'<p class="error" id="id_{field}_error">[^<]*{re.escape(message)}', html), html
    assert "<svg" not in html


def test_changing_the_rule_only_redraws_the_form(officer):
    response = officer.get(reverse("screening:simulate"), {**SWEEP, "rule": "MON-05"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    select = re.search(r'<select name="parameter".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', select) == ["monitoring_line", "risk_elimination_min_months"]
    assert "<svg" not in html and 'class="error"' not in html


def test_compare_page_side_by_side(officer):
    query = {"year": "2024", "area": COUNTY, "by": "village", "rule": "MON-01", "a_monitoring_line": "6000",
             "b_monitoring_line": "7000"}
    response = officer.get(reverse("screening:simulate_compare"), query)
    assert response.status_code == 200
    html = response.content.decode()
    numbers = {area: re.findall(r'<td class="num">([^<]*)</td>', row(html, area))
               for area in (VILLAGE_A, VILLAGE_B, "total")}
    # Columns: found under A, under B, persons under A, under B, B not A, A not B.
    assert numbers[VILLAGE_A] == ["1", "1", "1", "1", "0", "0"]  # the household at 5,000 under both
    assert numbers[VILLAGE_B] == ["0", "1", "0", "1", "1", "0"]  # the one at 6,500 under B only
    assert numbers["total"] == ["1", "2", "1", "2", "1", "0"]
    assert 'name="a_monitoring_line"' in html and 'name="b_monitoring_line"' in html


def test_compare_page_needs_a_value(officer):
    response = officer.get(reverse("screening:simulate_compare"),
                               {"year": "2024", "area": COUNTY, "rule": "MON-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "Enter at least one value in set A or set B." in response.content.decode()
