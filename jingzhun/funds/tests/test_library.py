"""A project's way into the library through the procedures of ``workflow``: 村级申报 → 村级公示 → 乡镇审核 →
乡镇公示 → 县级论证 → 县级审定 → 县级公示 → 入库, every notice at least 10 days."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pypdfium2 as pdfium
import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse

from jingzhun.accounts.roles import Role
from jingzhun.core.exceptions import ActionForbidden, ValidationFailed
from jingzhun.funds import services
from jingzhun.funds.models import ProjectStatus
from jingzhun.funds.tests.factories import (
    CONTACT,
    DAY,
    START,
    fund,
    in_library,
    library_steps,
    project,
    submit,
)
from jingzhun.policy.models import Certainty, ParameterKind, PolicyParameter
from jingzhun.policy.selectors import policy_value
from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import COUNTY, TOWNSHIP, VILLAGE_A
from jingzhun.workflow import flows, pdf, selectors
from jingzhun.workflow import services as workflow
from jingzhun.workflow.models import (
    Case,
    CaseBatch,
    CaseStatus,
    EvidenceKind,
    Notice,
    NoticeStatus,
    Procedure,
)
from jingzhun.workflow.presets import presets

pytestmark = pytest.mark.django_db


def _case(made):
    made.refresh_from_db()
    return Case.objects.select_related("procedure").get(pk=made.library_case_id)


def test_the_notice_period_parameter_is_at_least_ten_days(personas):
    assert policy_value(kind=ParameterKind.PROJECT_NOTICE_DAYS, year=2024, area_code=VILLAGE_A) >= 10
    for spec in presets():
        if spec["effect"] == "project_library":
            notices = [s for s in spec["steps"] if s["kind"] == "notice"]
            assert {s["level"] for s in notices} == ({"village", "township", "county"} if spec["key"] == "project_library"
                                                     else {"township", "county"})
            assert all(s["notice_days_param"] == "project_notice_days" and s["notice_days"] >= 10 for s in notices)


def test_a_village_project_goes_through_every_level_into_the_library(personas):
    village = personas.village_officer
    made = project(village)
    assert made.status == ProjectStatus.DRAFT
    submit(village, made, today=START)
    case = _case(made)
    assert made.status == ProjectStatus.IN_PROCEDURE and case.procedure_key == "project_library"
    assert (case.status, case.position, case.subject_ref, case.area_id) == (CaseStatus.OPEN, 2, made.pk, VILLAGE_A)
    assert case.subject_name == made.name

    # what the notices show is frozen now
    with pytest.raises(ValidationFailed) as frozen:
        services.project_save(actor=village, project_id=made.pk, data={**_data(made), "name": "另一个名字"}, today=START)
    assert frozen.value.code == "project_frozen"
    with pytest.raises(ValidationFailed):
        services.project_budget_set(actor=village, project_id=made.pk, amounts={"central": "999999"})
    services.project_save(actor=village, project_id=made.pk, data={**_data(made), "responsible_person": "王五"},
                          today=START)  # who is responsible can change

    notice = workflow.notice_publish(actor=village, case_ids=[case.pk], at_position=2, today=START, **CONTACT)
    assert notice.days == 10 and notice.ends_on == START + 9 * DAY
    entry = notice.entries.get()
    assert entry.name == "黄花村光伏扶贫电站" and entry.group_name == "大柘镇黄花村" and entry.household_size is None
    assert entry.details["budget_total"] == "320,000.00" and entry.details["beneficiaries"] == 0
    assert [(s["label"], s["amount"]) for s in entry.details["sources"]] == [
        ("中央资金", "300,000.00"), ("群众自筹", "20,000.00")]
    assert entry.decision == "拟纳入脱贫攻坚项目库"
    for day in (START + 3 * DAY, notice.ends_on):  # not before its 10 days are over
        with pytest.raises(ValidationFailed) as running:
            workflow.notice_close(actor=village, notice_id=notice.pk, today=day)
        assert running.value.code == "running"
    made.refresh_from_db()
    assert made.status == ProjectStatus.IN_PROCEDURE

    day = library_steps(personas, made, today=START)
    made.refresh_from_db()
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert made.status == ProjectStatus.IN_LIBRARY and made.library_on == day == dt.date(2024, 4, 3)
    notices = list(Notice.objects.filter(entries__case=case).order_by("starts_on"))
    assert [(n.area_id, n.days, n.status) for n in notices] == [
        (VILLAGE_A, 10, NoticeStatus.CLOSED), (TOWNSHIP, 10, NoticeStatus.CLOSED), (COUNTY, 10, NoticeStatus.CLOSED)]
    assert all(n.closed_on > n.ends_on for n in notices)
    assert [d.role for d in case.decisions.exclude(actor=None).order_by("id")] == [
        Role.VILLAGE_OFFICER, Role.VILLAGE_OFFICER, Role.VILLAGE_OFFICER, Role.TOWNSHIP_REVIEWER,
        Role.TOWNSHIP_REVIEWER, Role.TOWNSHIP_REVIEWER, Role.COUNTY_OFFICER, Role.COUNTY_OFFICER,
        Role.COUNTY_OFFICER, Role.COUNTY_OFFICER, Role.COUNTY_OFFICER]


def _data(made):
    return {"name": made.name, "kind": made.kind, "area_code": made.area_id, "year": made.year,
            "content": made.content, "planned_start": made.planned_start, "planned_end": made.planned_end,
            "responsible_unit": made.responsible_unit, "responsible_person": made.responsible_person,
            "responsible_phone": made.responsible_phone, "expected_benefit": made.expected_benefit,
            "linkage": made.linkage}


def test_a_regional_value_cannot_shorten_the_ten_days(personas):
    PolicyParameter.objects.create(kind=ParameterKind.PROJECT_NOTICE_DAYS, area_id=COUNTY, year=2020, value=5,
                                   certainty=Certainty.PROVINCIAL)
    assert policy_value(kind=ParameterKind.PROJECT_NOTICE_DAYS, year=2024, area_code=VILLAGE_A) == 5
    made = project(personas.village_officer)
    submit(personas.village_officer, made, today=START)
    notice = workflow.notice_publish(actor=personas.village_officer, case_ids=[made.library_case_id], at_position=2,
                                     today=START, **CONTACT)
    assert notice.days == 10 and notice.ends_on == START + 9 * DAY
    # and an administrator's definition with a shorter fixed period is refused
    step = {"position": 1, "kind": "application", "level": "village", "role": "village_officer"}
    short = {"position": 2, "kind": "notice", "level": "village", "role": "village_officer", "notice_days": 7}
    review = {"position": 3, "kind": "review", "level": "county", "role": "county_officer"}
    problems = flows.definition_problems([step, short, review], roles=set(Role.values),
                                         evidence_kinds=set(EvidenceKind.values), effect="project_library")
    assert any("at least 10 days" in p for p in problems)
    assert flows.definition_problems([step, {**short, "notice_days": 10}, review], roles=set(Role.values),
                                     evidence_kinds=set(EvidenceKind.values), effect="project_library") == []


def test_rejected_and_withdrawn_projects_are_not_in_the_library_and_can_come_again(personas):
    village, township = personas.village_officer, personas.township_reviewer
    first, second = project(village), project(village, name="黄花村道路硬化", kind="infrastructure")
    for made in (first, second):  # two projects of one village are open at the same time
        submit(village, made, today=START)
    assert Case.objects.filter(area_id=VILLAGE_A, status=CaseStatus.OPEN).count() == 2
    library_steps(personas, first, upto=2)
    library_steps(personas, second, upto=2)
    day = START + 10 * DAY
    workflow.cases_act(actor=township, case_ids=[first.library_case_id], action="reject", at_position=3,
                       comment="不符合入库条件", today=day)
    workflow.cases_act(actor=township, case_ids=[second.library_case_id], action="withdraw", at_position=3,
                       comment="村里撤回申报", today=day)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.library_on) == (ProjectStatus.REJECTED, None)
    assert (second.status, second.library_on) == (ProjectStatus.WITHDRAWN, None)
    with pytest.raises(ValidationFailed) as refused:
        services.allocate(actor=personas.county_officer, fund_id=fund(personas.county_officer).pk,
                          project_id=first.pk, amount="1000", today=day)
    assert refused.value.issues[0].code == "not_in_library"
    # changed and submitted again: a new case
    services.project_save(actor=village, project_id=first.pk, data={**_data(first), "content": "改为建设50千瓦"},
                          today=day)
    submit(village, first, today=day)
    first.refresh_from_db()
    assert first.status == ProjectStatus.IN_PROCEDURE
    assert Case.objects.filter(subject_ref=first.pk).count() == 2


def test_an_upheld_objection_sends_the_project_back_to_the_village_which_may_correct_it(personas):
    village = personas.village_officer
    made = project(village)
    submit(village, made, today=START)
    notice = workflow.notice_publish(actor=village, case_ids=[made.library_case_id], at_position=2, today=START,
                                     **CONTACT)
    objection = workflow.objection_file(notice=notice, entry_id=notice.entries.get().pk, filed_by_name="张三",
                                        contact="村东头", content="电站选址占用耕地", today=START + DAY)
    workflow.objection_resolve(actor=village, objection_id=objection.pk, upheld=True, resolution="选址需调整",
                               today=START + 2 * DAY)
    case = _case(made)
    assert (case.status, case.position) == (CaseStatus.OPEN, 1)
    assert services.library_content_editable(made)
    services.project_save(actor=village, project_id=made.pk, data={**_data(made), "content": "改在村委会屋顶建设"},
                          today=START + 2 * DAY)
    workflow.cases_act(actor=village, case_ids=[case.pk], action="approve", at_position=1, today=START + 2 * DAY)
    case.refresh_from_db()
    made.refresh_from_db()
    assert case.position == 2
    assert not services.library_content_editable(made)
    again = workflow.notice_publish(actor=village, case_ids=[case.pk], at_position=2, today=START + 2 * DAY,
                                    **CONTACT)
    assert again.entries.get().details["content"] == "改在村委会屋顶建设"


def test_the_county_takes_a_project_out_of_the_library_only_while_no_money_went_to_it(personas):
    county = personas.county_officer
    made, day = in_library(personas)
    money = fund(county)
    allocation = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="1000", today=day)
    with pytest.raises(ValidationFailed) as funded:
        workflow.case_roll_back(actor=county, case_id=made.library_case_id, reason="项目调整", today=day)
    assert funded.value.code == "project_funded"
    with pytest.raises(ActionForbidden):
        workflow.case_roll_back(actor=personas.village_officer, case_id=made.library_case_id, reason="x", today=day)
    services.allocation_reverse(actor=county, allocation_id=allocation.pk, reason="分配错误", today=day)
    workflow.case_roll_back(actor=county, case_id=made.library_case_id, reason="项目调整，出库", today=day)
    made.refresh_from_db()
    assert (made.status, made.library_on) == (ProjectStatus.WITHDRAWN, None)
    assert _case(made).status == CaseStatus.ROLLED_BACK


def test_one_open_library_case_per_project(personas):
    village = personas.village_officer
    made = project(village)
    submit(village, made, today=START)
    with pytest.raises(ValidationFailed) as twice:
        submit(village, made, today=START)
    assert twice.value.code == "already_submitted"
    with pytest.raises(ValidationFailed) as direct:
        workflow.subject_case_start(actor=village, procedure_key="project_library", year=2024, area_code=VILLAGE_A,
                                    subject_ref=made.pk, today=START)
    assert direct.value.code == "already_open"
    case = _case(made)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        Case.objects.create(procedure=case.procedure, procedure_key=case.procedure_key, year=2024, batch=case.batch,
                            area_id=VILLAGE_A, subject_ref=made.pk, started_on=START, step_since=START)


def test_who_submits_and_what_a_submission_needs(personas):
    village, township = personas.village_officer, personas.township_reviewer
    incomplete = services.project_save(actor=village, data={
        "name": "黄花村养殖场", "kind": "industry", "area_code": VILLAGE_A, "year": 2024, "content": "建设养牛场"},
        today=START)
    with pytest.raises(ValidationFailed) as missing:
        submit(village, incomplete, today=START)
    assert {i.field for i in missing.value.issues} == {"amounts", "responsible_unit", "planned_start", "linkage"}
    made = project(village)
    with pytest.raises(ActionForbidden):  # the village proposes a village project, not the township
        submit(township, made, today=START)
    # a township's own project goes through the township preset, proposed by the township
    own = project(township, name="大柘镇产业路", kind="infrastructure", area_code=TOWNSHIP)
    with pytest.raises(ActionForbidden):
        submit(personas.county_officer, own, today=START)
    submit(township, own, today=START)
    case = _case(own)
    assert case.procedure_key == "project_library_township" and case.position == 2
    notice = workflow.notice_publish(actor=township, case_ids=[case.pk], at_position=2, today=START, **CONTACT)
    assert (notice.area_id, notice.days, notice.entries.get().group_name) == (TOWNSHIP, 10, "大柘镇")
    assert not CaseBatch.objects.filter(area_id=VILLAGE_A, cases__subject_ref=own.pk).exists()


def test_personal_numbers_in_the_project_content_keep_it_off_the_notice(personas):
    village = personas.village_officer
    made = project(village, content="联系人手机13800138000，在村委会建设光伏电站，投资1500000元")
    submit(village, made, today=START)
    with pytest.raises(ValidationFailed) as private:
        workflow.notice_publish(actor=village, case_ids=[made.library_case_id], at_position=2, today=START, **CONTACT)
    assert private.value.issues[0].code == "private_details"
    plain = project(village, name="饮水工程", kind="water", content="新建蓄水池2座，铺设管道12000米，投资1500000元，建设卫生室")
    submit(village, plain, today=START)
    notice = workflow.notice_publish(actor=village, case_ids=[plain.library_case_id], at_position=2, today=START,
                                     **CONTACT)
    assert notice.entries.count() == 1


def test_project_notices_on_the_pages_and_the_start_page(client, personas):
    village = personas.village_officer
    made = project(village)
    home = register(village, members=[member("head", "1", name="陈大山")])
    services.project_beneficiaries_set(actor=village, project_id=made.pk,
                                       rows=[{"household_id": home.pk, "benefit": "dividend", "amount": "3000"}])
    submit(village, made, today=START)
    notice = workflow.notice_publish(actor=village, case_ids=[made.library_case_id], at_position=2, today=START,
                                     **CONTACT)
    public = client.get(reverse("notices:public", kwargs={"token": notice.public_token})).content.decode()
    for shown in ("黄花村光伏扶贫电站", "大柘镇黄花村", "100千瓦分布式光伏电站", "320,000.00", "中央资金", "拟纳入脱贫攻坚项目库"):
        assert shown in public
    for hidden in ("13902261234", "陈大山", home.members.first().id_number):  # the person, not the project
        assert hidden not in public
    client.force_login(village)
    page = client.get(reverse("workflow:notice", kwargs={"pk": notice.pk})).content.decode()
    assert "黄花村光伏扶贫电站" in page and "320,000.00" in page
    step = client.get(reverse("workflow:step", kwargs={"step_id": _case(made).step_id, "area_code": VILLAGE_A,
                                                        "year": 2024})).content.decode()
    assert "黄花村光伏扶贫电站" in step and reverse("funds:project_detail", kwargs={"pk": made.pk}) in step
    case_page = client.get(reverse("workflow:case", kwargs={"pk": made.library_case_id})).content.decode()
    assert reverse("funds:project_detail", kwargs={"pk": made.pk}) in case_page
    start = client.get(reverse("workflow:start")).content.decode()
    assert "项目入库" not in start and "project_library" not in start
    assert selectors.case_get(actor=village, pk=made.library_case_id).subject_name == made.name


def test_the_presets_migration_loads_and_unloads_and_keeps_a_used_preset(personas):
    migration = importlib.import_module("jingzhun.workflow.migrations.0004_load_project_library_presets")
    keys = migration.PROJECT_KEYS
    migration.unload(apps, None)
    assert not Procedure.objects.filter(key__in=keys).exists()
    migration.load(apps, None)
    assert {p.key: p.steps.count() for p in Procedure.objects.filter(key__in=keys)} == {
        "project_library": 7, "project_library_township": 5}
    submit(personas.village_officer, project(personas.village_officer))
    migration.unload(apps, None)  # the used one stays, with its case
    assert list(Procedure.objects.filter(key__in=keys).values_list("key", flat=True)) == ["project_library"]
    migration.load(apps, None)
    assert Procedure.objects.filter(key__in=keys).count() == 2


def test_households_and_areas_cannot_be_sent_through_the_project_procedure(personas):
    home = register(personas.village_officer, members=[member("head", "1", name="陈一")])
    for kwargs in ({"household_ids": [home.pk]}, {"area_codes": [VILLAGE_A]}):
        with pytest.raises(ValidationFailed) as refused:
            workflow.cases_start(actor=personas.village_officer, procedure_key="project_library", year=2024,
                                 today=START, **kwargs)
        assert refused.value.code == "not_startable"
    assert not Case.objects.exists()


def test_the_printed_project_notice_shows_the_project_and_no_person(personas):
    village = personas.village_officer
    made = project(village)
    homes = [register(village, members=[member("head", "1", name=f"陈{n}")]) for n in range(2)]
    services.project_beneficiaries_set(actor=village, project_id=made.pk, rows=[
        {"household_id": h.pk, "benefit": "dividend", "amount": "3000"} for h in homes])
    submit(village, made)
    notice = workflow.notice_publish(actor=village, case_ids=[made.library_case_id], at_position=2, today=START,
                                     **CONTACT)
    document = pdfium.PdfDocument(pdf.notice_pdf(notice))
    text = re.sub(r"\s+", "", "".join(document[i].get_textpage().get_text_range() for i in range(len(document))))
    for shown in ("项目名称", "黄花村光伏扶贫电站", "大柘镇黄花村", "合计：320,000.00", "中央资金：300,000.00",
                  "群众自筹：20,000.00", "拟纳入脱贫攻坚项目库", "共10天"):
        assert shown in text, shown
    assert re.search(r"受益户数.*2", text)
    for hidden in ("陈0", "陈1", "13902261234", "户主姓名"):
        assert hidden not in text, hidden
