"""The project and fund pages through the Django test client: what each role sees, errors beside the
fields (never a 500), scope (404 like a missing record), exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from jingzhun.core.models import AuditEvent
from jingzhun.funds import services
from jingzhun.funds.models import Allocation, Disbursement, Fund, Project, ProjectStatus
from jingzhun.funds.tests.factories import fund, in_library, project, project_data
from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import COUNTY, VILLAGE_A
from jingzhun.web.tests.test_views import page_text

pytestmark = pytest.mark.django_db
MISSING = 99_999_999


@pytest.fixture
def funded(personas):
    """A project in the library with 100,000 of a central fund allocated and 30,000 paid out."""
    county = personas.county_officer
    made, day = in_library(personas)
    money = fund(county)
    allocation = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="100000", today=day)
    paid = services.disburse(actor=county, allocation_id=allocation.pk, amount="30000", payee="梅州光伏公司",
                             voucher_number="记-001", today=day)
    return {"project": made, "fund": money, "allocation": allocation, "paid": paid}


def test_nav_list_filters_and_detail(client, personas, funded):
    made = funded["project"]
    project(personas.village_officer, name="黄花村道路硬化", kind="infrastructure", budget={"county": "200000"})
    client.force_login(personas.county_officer)
    page = client.get(reverse("funds:project_list")).content.decode()
    assert reverse("funds:project_list") in page and "黄花村光伏扶贫电站" in page and "黄花村道路硬化" in page
    industry = client.get(reverse("funds:project_list"), {"kind": "industry", "year": "2024", "area": VILLAGE_A})
    assert "黄花村光伏扶贫电站" in industry.content.decode() and "黄花村道路硬化" not in industry.content.decode()
    drafts = client.get(reverse("funds:project_list"), {"status": "draft"}).content.decode()
    assert "黄花村道路硬化" in drafts and "黄花村光伏扶贫电站" not in drafts
    assert client.get(reverse("funds:project_list"), {"year": "abc", "kind": "nonsense"}).status_code == 200
    detail = client.get(reverse("funds:project_detail", kwargs={"pk": made.pk}))
    text = detail.content.decode()
    assert detail.status_code == 200
    for shown in ("320,000.00", "100,000.00", "30,000.00", "记-001", "县级公示", made.content[:10]):
        assert shown in text


def test_out_of_scope_users_get_404_and_empty_lists(client, personas, funded):
    made, money = funded["project"], funded["fund"]
    household = register(personas.village_officer, members=[member("head", "1", name="陈一")])
    pages = [("funds:project_detail", made.pk), ("funds:project_edit", made.pk),
             ("funds:project_beneficiaries", made.pk), ("funds:fund_detail", money.pk),
             ("funds:household_projects", household.pk)]
    client.force_login(personas.other_county_officer)
    for name, pk in pages:
        hidden = client.get(reverse(name, kwargs={"pk": pk}))
        absent = client.get(reverse(name, kwargs={"pk": MISSING}))
        assert hidden.status_code == absent.status_code == 404, name
        assert page_text(hidden) == page_text(absent), name
    assert "黄花村光伏扶贫电站" not in client.get(reverse("funds:project_list")).content.decode()
    ledger = client.get(reverse("funds:ledger")).content.decode()
    assert "平财农" not in ledger and "500,000.00" not in ledger
    export = client.get(reverse("funds:project_export", kwargs={"fmt": "csv"}))
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 and rows[0][1] == "项目名称"
    posted = client.post(reverse("funds:fund_detail", kwargs={"pk": money.pk}),
                         {"do": "reverse_disbursement", "id": funded["paid"].pk, "reason": "x"})
    assert posted.status_code == 404 and not Disbursement.objects.filter(reverses__isnull=False).exists()


def test_create_edit_and_errors_beside_the_fields(client, personas):
    client.force_login(personas.village_officer)
    empty = client.post(reverse("funds:project_create"), {"name": "", "year": "2024"})
    assert empty.status_code == 422 and not Project.objects.exists()
    assert 'id="id_name_error"' in empty.content.decode() and 'id="id_content_error"' in empty.content.decode()
    data = {k: v for k, v in project_data().items()}
    created = client.post(reverse("funds:project_create"), data)
    made = Project.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("funds:project_detail", kwargs={"pk": made.pk})
    bad_budget = client.post(reverse("funds:project_detail", kwargs={"pk": made.pk}),
                             {"do": "budget", "amounts.central": "12.345", "amounts.county": "abc"})
    text = bad_budget.content.decode()
    assert bad_budget.status_code == 422 and 'id="id_amounts.central_error"' in text and 'id="id_amounts.county_error"' in text
    assert not made.budgets.exists()
    ok = client.post(reverse("funds:project_detail", kwargs={"pk": made.pk}),
                     {"do": "budget", "amounts.central": "300,000", "amounts.self_raised": "20000"})
    assert ok.status_code == 302 and made.budgets.count() == 2
    submitted = client.post(reverse("funds:project_detail", kwargs={"pk": made.pk}), {"do": "submit"})
    made.refresh_from_db()
    assert submitted.status_code == 302 and made.status == ProjectStatus.IN_PROCEDURE
    # now the name is frozen: the edit page shows it but a changed name is not taken
    edit = client.post(reverse("funds:project_edit", kwargs={"pk": made.pk}),
                       {**data, "name": "改名", "responsible_person": "王五"})
    made.refresh_from_db()
    assert edit.status_code == 302 and made.name == "黄花村光伏扶贫电站" and made.responsible_person == "王五"
    assert client.post(reverse("funds:project_detail", kwargs={"pk": made.pk}), {"do": "nonsense"}).status_code == 422
    client.force_login(personas.evaluator)
    assert client.get(reverse("funds:project_create")).status_code == 403
    assert client.post(reverse("funds:project_detail", kwargs={"pk": made.pk}),
                       {"do": "budget", "amounts.central": "1"}).status_code == 403


def test_beneficiaries_page(client, personas):
    village = personas.village_officer
    made = project(village)
    homes = [register(village, members=[member("head", "1", name=f"陈{n}")]) for n in range(3)]
    client.force_login(village)
    page = client.get(reverse("funds:project_beneficiaries", kwargs={"pk": made.pk}))
    assert page.status_code == 200 and "陈0" in page.content.decode()
    url = reverse("funds:project_beneficiaries", kwargs={"pk": made.pk})
    too_much = client.post(url, {"household": [homes[0].pk], f"benefit_{homes[0].pk}": "dividend",
                                 f"amount_{homes[0].pk}": "999999"})
    assert too_much.status_code == 422 and not made.beneficiaries.exists()
    saved = client.post(url, {"household": [homes[0].pk, homes[2].pk], f"benefit_{homes[0].pk}": "dividend",
                              f"amount_{homes[0].pk}": "3000", f"benefit_{homes[2].pk}": "work"})
    assert saved.status_code == 302
    assert dict(made.beneficiaries.values_list("household_id", "amount")) == {homes[0].pk: Decimal("3000.00"),
                                                                              homes[2].pk: None}
    trace = client.get(reverse("funds:household_projects", kwargs={"pk": homes[0].pk}))
    assert trace.status_code == 200 and "黄花村光伏扶贫电站" in trace.content.decode()


def test_the_ledger_page_receives_allocates_and_disburses_with_errors_on_the_form(client, personas, funded):
    made, allocation = funded["project"], funded["allocation"]
    client.force_login(personas.county_officer)
    page = client.get(reverse("funds:ledger"))
    text = page.content.decode()
    assert page.status_code == 200 and "500,000.00" in text and "30,000.00" in text
    url = reverse("funds:ledger")
    bad = client.post(url, {"do": "receive", "receive-source": "central", "receive-year": "2024",
                            "receive-document_number": "平财农〔2024〕99号", "receive-area_code": COUNTY,
                            "receive-amount": "5.555"})
    assert bad.status_code == 422 and 'id="id_receive-amount_error"' in bad.content.decode()
    assert Fund.objects.count() == 1
    good = client.post(url, {"do": "receive", "receive-source": "county", "receive-year": "2024",
                             "receive-document_number": "平财农〔2024〕99号", "receive-area_code": COUNTY,
                             "receive-amount": "20000"})
    assert good.status_code == 302 and Fund.objects.count() == 2
    county_fund = Fund.objects.get(source="county")
    no_budget = client.post(url, {"do": "allocate", "allocate-fund_id": county_fund.pk,
                                  "allocate-project_id": made.pk, "allocate-amount": "100"})
    assert no_budget.status_code == 422 and 'id="id_allocate-amount_error"' in no_budget.content.decode()
    unchosen = client.post(url, {"do": "allocate", "allocate-amount": "100"})
    assert unchosen.status_code == 422 and 'id="id_allocate-fund_id_error"' in unchosen.content.decode()
    over = client.post(url, {"do": "disburse", "disburse-allocation_id": allocation.pk, "disburse-amount": "70000.01",
                             "disburse-payee": "x", "disburse-voucher_number": "记-002"})
    assert over.status_code == 422 and "70,000.00" in over.content.decode()
    paid = client.post(url, {"do": "disburse", "disburse-allocation_id": allocation.pk, "disburse-amount": "70000",
                             "disburse-payee": "x", "disburse-voucher_number": "记-002"})
    assert paid.status_code == 302
    assert services.allocation_disbursed(allocation) == Decimal("100000.00")
    tampered = client.post(url, {"do": "disburse", "disburse-allocation_id": "abc", "disburse-amount": "1",
                                 "disburse-payee": "x", "disburse-voucher_number": "1"})
    assert tampered.status_code == 404
    assert client.post(url, {"do": "delete"}).status_code == 404
    assert Allocation.objects.count() == 1


def test_a_wrong_disbursement_is_reversed_from_the_funds_page(client, personas, funded):
    client.force_login(personas.county_officer)
    url = reverse("funds:fund_detail", kwargs={"pk": funded["fund"].pk})
    page = client.get(url).content.decode()
    assert "黄花村光伏扶贫电站" in page and "30,000.00" in page
    no_reason = client.post(url, {"do": "reverse_disbursement", "id": funded["paid"].pk, "reason": ""})
    assert no_reason.status_code == 422 and not Disbursement.objects.filter(reverses__isnull=False).exists()
    done = client.post(url, {"do": "reverse_disbursement", "id": funded["paid"].pk, "reason": "收款人错误"})
    assert done.status_code == 302
    assert Disbursement.objects.get(reverses=funded["paid"]).amount == Decimal("-30000.00")
    again = client.post(url, {"do": "reverse_disbursement", "id": funded["paid"].pk, "reason": "再次"})
    assert again.status_code == 422


def test_exports_are_scoped_neutralised_audited_and_in_both_encodings(client, personas, funded):
    project(personas.village_officer, name="=HYPERLINK(\"http://x\")", kind="other", budget={"county": "1000"})
    client.force_login(personas.county_officer)
    xlsx = client.get(reverse("funds:project_export", kwargs={"fmt": "xlsx"}))
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = rows[0]
    assert header[:3] == ["年度", "项目名称", "项目类型"]
    by_name = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert "'=HYPERLINK(\"http://x\")" in by_name
    solar = by_name["黄花村光伏扶贫电站"]
    assert (solar["中央资金（元）"], solar["投资合计（元）"], solar["已下达（元）"], solar["已拨付（元）"], solar["拨付率（%）"]) == (
        "300000.00", "320000.00", "100000.00", "30000.00", "30.0")
    assert solar["状态"] == "已入库" and solar["实施地点"] == "大柘镇黄花村"
    utf8 = client.get(reverse("funds:project_export", kwargs={"fmt": "csv"}), {"kind": "industry"})
    raw = b"".join(utf8.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r[1] for r in lines[1:]] == ["黄花村光伏扶贫电站"]
    gbk = client.get(reverse("funds:project_export", kwargs={"fmt": "csv"}), {"encoding": "gbk"})
    assert "黄花村光伏扶贫电站" in b"".join(gbk.streaming_content).decode("gbk")
    assert AuditEvent.objects.filter(action="funds.projects.exported").count() == 3
    assert client.get(reverse("funds:project_export", kwargs={"fmt": "pdf"})).status_code == 404
    client.force_login(personas.cadre)  # no export capability
    assert client.get(reverse("funds:project_export", kwargs={"fmt": "csv"})).status_code == 403
