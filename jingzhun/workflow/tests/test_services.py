import datetime as dt

import pytest
from django.db import transaction

from jingzhun.core.exceptions import ActionForbidden, NotFound, ValidationFailed
from jingzhun.core.models import AuditEvent
from jingzhun.registry import services as registry_services
from jingzhun.registry.models import HouseholdYear, PersonYear, StatusEvent
from jingzhun.testing.personas import VILLAGE_A
from jingzhun.workflow import selectors, services
from jingzhun.workflow.models import Case, CaseStatus, Decision, Notice, ObjectionStatus
from jingzhun.workflow.tests.factories import START, households, upload

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def codes(exc: ValidationFailed) -> set[str]:
    return {exc.code} | {i.code for i in exc.issues}


def start_identification(personas, count=3, today=START):
    homes = households(personas.village_officer, count)
    cases = services.cases_start(actor=personas.village_officer, procedure_key="identification_2014", year=2024,
                                 household_ids=[h.pk for h in homes], today=today)
    return homes, cases


def ids(cases):
    return [c.pk for c in cases]


def test_identification_runs_every_step_and_marks_the_households_poor(personas):
    village, township, county = personas.village_officer, personas.township_reviewer, personas.county_officer
    homes, cases = start_identification(personas)
    assert {c.position for c in cases} == {2} and len({c.batch_id for c in cases}) == 1

    with pytest.raises(ValidationFailed) as missing:
        services.cases_act(actor=village, case_ids=ids(cases), action="approve", at_position=2, today=START)
    assert "evidence_required" in codes(missing.value)
    services.cases_act(actor=village, case_ids=ids(cases), action="approve", at_position=2, today=START,
                       evidence=[upload("minutes")])
    services.cases_act(actor=village, case_ids=ids(cases), action="approve", at_position=3, today=START)
    with pytest.raises(ValidationFailed) as direct:
        services.cases_act(actor=village, case_ids=ids(cases), action="approve", at_position=4, today=START)
    assert direct.value.code == "notice_step"

    notice = services.notice_publish(actor=village, case_ids=ids(cases), at_position=4, contact_name="黄花村委会",
                                     contact_phone="0753-8881234", today=START)
    assert (notice.starts_on, notice.ends_on, notice.days) == (START, START + 4 * DAY, 5)  # 5 days (policy)
    entry = notice.entries.get(case=cases[0])
    objection = services.objection_file(notice=notice, entry_id=entry.pk, filed_by_name="张三", contact="村东头",
                                        content="他家有小轿车", today=START + DAY)
    with pytest.raises(ValidationFailed) as early:
        services.notice_close(actor=village, notice_id=notice.pk, today=notice.ends_on)
    assert early.value.code == "running"
    with pytest.raises(ValidationFailed) as blocked:
        services.notice_close(actor=village, notice_id=notice.pk, today=notice.ends_on + DAY)
    assert blocked.value.code == "open_objections"
    services.objection_resolve(actor=village, objection_id=objection.pk, upheld=True, resolution="核实有车，退回重新核实",
                               today=notice.ends_on)
    assert Case.objects.get(pk=cases[0].pk).position == 3
    services.notice_close(actor=village, notice_id=notice.pk, today=notice.ends_on + DAY)
    assert sorted(Case.objects.filter(pk__in=ids(cases)).values_list("position", flat=True)) == [3, 5, 5]

    later = notice.ends_on + DAY
    with pytest.raises(ValidationFailed) as batch:
        services.cases_act(actor=township, case_ids=ids(cases[1:]), action="approve", at_position=5, today=later)
    assert batch.value.code == "batch_not_ready"
    services.cases_act(actor=village, case_ids=[cases[0].pk], action="withdraw", at_position=3, today=later,
                       comment="家有小轿车，不符合条件")
    services.cases_act(actor=township, case_ids=ids(cases[1:]), action="approve", at_position=5, today=later)
    second = services.notice_publish(actor=township, case_ids=ids(cases[1:]), at_position=6, contact_name="大柘镇扶贫办",
                                     contact_phone="0753-8880000", today=later)
    services.notice_close(actor=township, notice_id=second.pk, today=second.ends_on + DAY)
    services.cases_act(actor=county, case_ids=ids(cases[1:]), action="approve", at_position=7, today=second.ends_on + DAY)
    announcement = services.notice_publish(actor=county, case_ids=ids(cases[1:]), at_position=8,
                                           today=second.ends_on + 2 * DAY)
    assert announcement.status == "closed"

    for case in Case.objects.filter(pk__in=ids(cases[1:])):
        assert case.status == CaseStatus.COMPLETED
        record = HouseholdYear.objects.get(household_id=case.household_id, year=2024)
        assert (record.status, record.identification_year, record.locked) == ("poor", 2024, True)
        assert StatusEvent.objects.filter(household_id=case.household_id, kind="identified",
                                          note__contains="贫困户识别").exists()
    assert Case.objects.get(pk=cases[0].pk).status == CaseStatus.WITHDRAWN
    assert HouseholdYear.objects.get(household=homes[0], year=2024).status == "general"
    # every act is a decision and an audit event
    assert Decision.objects.filter(case=cases[1]).count() >= 9
    assert AuditEvent.objects.filter(action="workflow.case.completed").count() == 2


def test_a_locked_year_is_changed_only_through_the_data_change_procedure(personas):
    homes, cases = start_identification(personas, count=1)
    case = cases[0]
    # complete it quickly through every step
    village, township, county = personas.village_officer, personas.township_reviewer, personas.county_officer
    services.cases_act(actor=village, case_ids=[case.pk], action="approve", at_position=2, today=START,
                       evidence=[upload("minutes")])
    services.cases_act(actor=village, case_ids=[case.pk], action="approve", at_position=3, today=START)
    n1 = services.notice_publish(actor=village, case_ids=[case.pk], at_position=4, contact_name="村委会",
                                 contact_phone="0753-1234567", today=START)
    services.notice_close(actor=village, notice_id=n1.pk, today=n1.ends_on + DAY)
    day = n1.ends_on + DAY
    services.cases_act(actor=township, case_ids=[case.pk], action="approve", at_position=5, today=day)
    n2 = services.notice_publish(actor=township, case_ids=[case.pk], at_position=6, contact_name="镇扶贫办",
                                 contact_phone="0753-1234567", today=day)
    day = n2.ends_on + DAY
    services.notice_close(actor=township, notice_id=n2.pk, today=day)
    services.cases_act(actor=county, case_ids=[case.pk], action="approve", at_position=7, today=day)
    services.notice_publish(actor=county, case_ids=[case.pk], at_position=8, today=day)

    record = HouseholdYear.objects.get(household=homes[0], year=2024)
    with pytest.raises(ValidationFailed) as locked:
        registry_services.household_year_save(actor=village, household_id=homes[0].pk, year=2024,
                                              expected_version=None, data={"wage_income": "9000"})
    assert locked.value.code == "locked"

    change = services.cases_start(actor=village, procedure_key="data_change", year=2024, household_ids=[homes[0].pk],
                                  params={"target_year": 2024, "changes": {"wage_income": "9000"}}, today=day)[0]
    with pytest.raises(ActionForbidden):  # the township cannot skip the first secretary
        services.cases_act(actor=township, case_ids=[change.pk], action="approve", at_position=2, today=day)
    services.cases_act(actor=personas.first_secretary, case_ids=[change.pk], action="approve", at_position=2, today=day)
    services.cases_act(actor=township, case_ids=[change.pk], action="approve", at_position=3, today=day)
    services.cases_act(actor=county, case_ids=[change.pk], action="approve", at_position=4, today=day)
    record.refresh_from_db()
    assert str(record.wage_income) == "9000.00" and record.status == "poor" and record.locked
    assert StatusEvent.objects.filter(household=homes[0], kind="data_changed").exists()


def test_out_of_area_users_cannot_see_or_act(personas):
    _homes, cases = start_identification(personas, count=2)
    for outsider in (personas.other_county_officer, personas.village_officer_b):
        with pytest.raises(NotFound):
            services.cases_act(actor=outsider, case_ids=ids(cases), action="approve", at_position=2, today=START,
                               evidence=[upload("minutes")])
        with pytest.raises(NotFound):
            selectors.case_get(actor=outsider, pk=cases[0].pk)
        assert not selectors.queue(actor=outsider, today=START)
    with pytest.raises(ActionForbidden):  # inside the area, but the village step is not the township's
        services.cases_act(actor=personas.township_reviewer, case_ids=ids(cases), action="approve", at_position=2,
                           today=START, evidence=[upload("minutes")])
    assert Decision.objects.filter(case__in=cases).count() == 2  # only the two starts


def test_a_stale_page_cannot_act_twice(personas):
    _homes, cases = start_identification(personas, count=1)
    services.cases_act(actor=personas.village_officer, case_ids=ids(cases), action="approve", at_position=2,
                       today=START, evidence=[upload("minutes")])
    with pytest.raises(services.StepChanged):
        services.cases_act(actor=personas.village_officer, case_ids=ids(cases), action="approve", at_position=2,
                           today=START, evidence=[upload("minutes")])
    assert Case.objects.get(pk=cases[0].pk).position == 3


@pytest.mark.parametrize(("reason", "code"), [
    ("身份证441426197005170011", "private_id_or_account"),
    ("联系电话 138 0013 8000", "private_phone"),
    ("户主患有大病", "private_health"),
    ("家中有残疾人", "private_health"),
])
def test_a_notice_refuses_private_details_in_the_reason(personas, reason, code):
    _homes, cases = start_identification(personas, count=1)
    village = personas.village_officer
    services.cases_act(actor=village, case_ids=ids(cases), action="approve", at_position=2, today=START,
                       evidence=[upload("minutes")])
    services.cases_act(actor=village, case_ids=ids(cases), action="approve", at_position=3, today=START)
    with pytest.raises(ValidationFailed) as refused:
        services.notice_publish(actor=village, case_ids=ids(cases), at_position=4, contact_name="村委会",
                                contact_phone="0753-1234567", reason=reason, today=START)
    assert code in codes(refused.value)
    assert not Notice.objects.exists()


def test_a_notice_is_never_backdated_and_objections_only_while_it_runs(personas):
    _homes, cases = start_identification(personas, count=1)
    village = personas.village_officer
    services.cases_act(actor=village, case_ids=ids(cases), action="approve", at_position=2, today=START,
                       evidence=[upload("minutes")])
    services.cases_act(actor=village, case_ids=ids(cases), action="approve", at_position=3, today=START)
    with pytest.raises(ValidationFailed) as backdated:
        services.notice_publish(actor=village, case_ids=ids(cases), at_position=4, contact_name="村委会",
                                contact_phone="0753-1234567", starts_on=START - DAY, today=START)
    assert "backdated" in codes(backdated.value)
    notice = services.notice_publish(actor=village, case_ids=ids(cases), at_position=4, contact_name="村委会",
                                     contact_phone="0753-1234567", starts_on=START + DAY, today=START)
    entry = notice.entries.get()
    with pytest.raises(ValidationFailed):
        services.objection_file(notice=notice, entry_id=entry.pk, filed_by_name="李四", contact="电话",
                                content="情况不实", today=START)  # before it starts
    with pytest.raises(ValidationFailed):
        services.objection_file(notice=notice, entry_id=entry.pk, filed_by_name="李四", contact="电话",
                                content="情况不实", today=notice.ends_on + DAY)  # after it ends
    objection = services.objection_file(notice=notice, entry_id=entry.pk, filed_by_name="李四", contact="电话",
                                        content="情况不实", today=notice.ends_on)
    with pytest.raises(ValidationFailed):
        services.objection_resolve(actor=village, objection_id=objection.pk, upheld=False, resolution="",
                                   today=notice.ends_on)
    services.objection_resolve(actor=village, objection_id=objection.pk, upheld=False,
                               resolution="经核实情况属实，异议不成立", today=notice.ends_on)
    assert objection.__class__.objects.get(pk=objection.pk).status == ObjectionStatus.DISMISSED
    services.notice_close(actor=village, notice_id=notice.pk, today=notice.ends_on + DAY)
    assert Case.objects.get(pk=cases[0].pk).position == 5


def test_monitoring_cases_past_the_time_limit_are_overdue_for_the_level_that_must_act(personas):
    homes = households(personas.village_officer, 2, year=2025)
    clue = dt.date(2025, 6, 2)
    old, fresh = (services.cases_start(actor=personas.village_officer, procedure_key="monitoring_2021", year=2025,
                                       household_ids=[h.pk], params={"monitoring_type": "edge", "risks": ["illness"]},
                                       clue_on=day, today=dt.date(2025, 6, 20))[0]
                  for h, day in ((homes[0], clue), (homes[1], dt.date(2025, 6, 19))))
    assert old.due_on == clue + dt.timedelta(days=15)
    today = dt.date(2025, 6, 20)
    assert list(selectors.overdue_cases(actor=personas.village_officer, today=today)) == [old]
    assert not list(selectors.overdue_cases(actor=personas.township_reviewer, today=today))  # not theirs to act on
    row = next(r for r in selectors.queue(actor=personas.village_officer, today=today) if r.step.code == "home_check")
    assert (row.count, row.overdue) == (2, 1)
    assert fresh.due_on > today


def test_risk_elimination_needs_six_months_a_measure_and_labour_and_can_be_rolled_back(personas):
    village, township, county = personas.village_officer, personas.township_reviewer, personas.county_officer
    monitored = {"status": "monitored", "monitoring_type": "edge", "monitoring_since": "2025-01-10",
                 "wage_income": "9000"}
    able, without_labour = households(village, 2, year=2025, year_data=monitored)
    for person in without_labour.members.all():
        PersonYear.objects.create(person=person, year=2025, labour_ability="none")
    params = {"method": "assisted", "measures": ["公益性岗位"]}
    with pytest.raises(ValidationFailed) as refused:
        services.cases_start(actor=village, procedure_key="risk_elimination", year=2025,
                             household_ids=[able.pk, without_labour.pk], params=params, today=dt.date(2025, 5, 1))
    found = {(i.field, i.code) for i in refused.value.issues}
    assert (f"households[{able.pk}]", "too_soon") in found
    assert (f"households[{without_labour.pk}]", "no_labour") in found
    with pytest.raises(ValidationFailed) as no_measure:
        services.cases_start(actor=village, procedure_key="risk_elimination", year=2025, household_ids=[able.pk],
                             params={"method": "assisted", "measures": []}, today=dt.date(2025, 8, 1))
    assert "no_measure" in codes(no_measure.value)
    assert not Case.objects.exists()
    # A planned measure not yet started does not count; one under way in the household's plan does.
    from jingzhun.assistance.services import measure_save

    planned = measure_save(actor=village, household_id=able.pk, year=2025, today=dt.date(2025, 8, 1),
                           data={"kind": "welfare_post", "content": "村保洁公益性岗位"})
    with pytest.raises(ValidationFailed):
        services.cases_start(actor=village, procedure_key="risk_elimination", year=2025, household_ids=[able.pk],
                             params={"method": "assisted", "measures": []}, today=dt.date(2025, 8, 1))
    measure_save(actor=village, household_id=able.pk, year=2025, today=dt.date(2025, 8, 1), measure_id=planned.measure.pk,
                 data={"kind": "welfare_post", "content": "村保洁公益性岗位", "status": "under_way"})
    with transaction.atomic():
        started = services.cases_start(actor=village, procedure_key="risk_elimination", year=2025,
                                       household_ids=[able.pk], params={"method": "assisted", "measures": []},
                                       today=dt.date(2025, 8, 1))
        assert len(started) == 1
        transaction.set_rollback(True)
    assert not Case.objects.exists()

    day = dt.date(2025, 8, 1)
    case = services.cases_start(actor=village, procedure_key="risk_elimination", year=2025, household_ids=[able.pk],
                                params=params, today=day)[0]
    services.cases_act(actor=village, case_ids=[case.pk], action="approve", at_position=2, today=day,
                       evidence=[upload("income_survey")])
    services.cases_act(actor=village, case_ids=[case.pk], action="approve", at_position=3, today=day,
                       evidence=[upload("minutes")])
    notice = services.notice_publish(actor=village, case_ids=[case.pk], at_position=4, contact_name="村委会",
                                     contact_phone="0753-1234567", today=day)
    day = notice.ends_on + DAY
    services.notice_close(actor=village, notice_id=notice.pk, today=day)
    services.cases_act(actor=township, case_ids=[case.pk], action="approve", at_position=5, today=day)
    services.cases_act(actor=county, case_ids=[case.pk], action="approve", at_position=6, today=day)
    services.notice_publish(actor=township, case_ids=[case.pk], at_position=7, today=day)
    assert HouseholdYear.objects.get(household=able, year=2025).status == "risk_eliminated"

    with pytest.raises(ActionForbidden):
        services.case_roll_back(actor=village, case_id=case.pk, reason="收入不稳定", today=day)
    services.case_roll_back(actor=county, case_id=case.pk, reason="务工中断，收入不稳定", today=day)
    record = HouseholdYear.objects.get(household=able, year=2025)
    assert (record.status, record.elimination_method) == ("monitored", "")
    assert StatusEvent.objects.filter(household=able, kind="elimination_rolled_back").exists()
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ROLLED_BACK


def test_a_household_identified_this_year_cannot_exit_this_year(personas):
    poor = {"status": "poor", "main_cause": "1", "identification_year": 2024}
    (home,) = households(personas.village_officer, 1, year_data=poor)
    with pytest.raises(ValidationFailed) as refused:
        services.cases_start(actor=personas.village_officer, procedure_key="household_exit", year=2024,
                             household_ids=[home.pk], evidence=[upload("minutes")], today=START)
    assert "new_this_year" in codes(refused.value)


def test_one_open_case_per_household_and_procedure(personas):
    homes, _cases = start_identification(personas, count=1)
    with pytest.raises(ValidationFailed) as twice:
        services.cases_start(actor=personas.village_officer, procedure_key="identification_2014", year=2024,
                             household_ids=[homes[0].pk], today=START)
    assert "already_open" in codes(twice.value)
    assert Case.objects.filter(household=homes[0]).count() == 1


def test_village_exit_moves_the_village_standing(personas):
    township, county = personas.township_reviewer, personas.county_officer
    case = services.cases_start(actor=township, procedure_key="village_exit", year=2024, area_codes=[VILLAGE_A],
                                today=START)[0]
    notice = services.notice_publish(actor=township, case_ids=[case.pk], at_position=2, contact_name="镇政府",
                                     contact_phone="0753-1234567", today=START)
    assert notice.area_id == "441426100000"  # posted in the township
    day = notice.ends_on + DAY
    services.notice_close(actor=township, notice_id=notice.pk, today=day)
    services.cases_act(actor=county, case_ids=[case.pk], action="approve", at_position=3, today=day)
    services.notice_publish(actor=county, case_ids=[case.pk], at_position=4, today=day)
    from jingzhun.areas.models import AreaYear

    assert AreaYear.objects.get(area_id=VILLAGE_A, year=2024).standing == "exited"


def test_a_result_the_registry_would_refuse_is_refused_at_the_start(personas):
    homes = households(personas.village_officer, 1, year=2025)
    too_many = ["illness", "disability", "schooling", "disaster", "accident", "housing"]
    with pytest.raises(ValidationFailed) as refused:
        services.cases_start(actor=personas.village_officer, procedure_key="monitoring_2021", year=2025,
                             household_ids=[homes[0].pk], params={"monitoring_type": "edge", "risks": too_many},
                             today=dt.date(2025, 6, 20))
    assert any(i.field.startswith(f"households[{homes[0].pk}].result.") for i in refused.value.issues)
    for bad in ({"monitoring_type": "edge", "risks": 5}, {"monitoring_type": "edge", "risks": "illness"}):
        with pytest.raises(ValidationFailed):
            services.cases_start(actor=personas.village_officer, procedure_key="monitoring_2021", year=2025,
                                 household_ids=[homes[0].pk], params=bad, today=dt.date(2025, 6, 20))
    with pytest.raises(ValidationFailed) as far:
        services.cases_start(actor=personas.village_officer, procedure_key="identification_2014", year=40000,
                             household_ids=[homes[0].pk], today=START)
    assert "year_range" in codes(far.value)
    assert not Case.objects.exists()


def test_one_status_deciding_procedure_at_a_time_per_household_and_year(personas):
    homes, _cases = start_identification(personas, count=1)
    with pytest.raises(ValidationFailed) as twice:
        services.cases_start(actor=personas.village_officer, procedure_key="identification_seven_step", year=2024,
                             household_ids=[homes[0].pk], today=START)
    assert "already_open" in codes(twice.value)


def test_a_data_change_cannot_set_what_a_procedure_with_a_notice_decides(personas):
    (home,) = households(personas.village_officer, 1)
    HouseholdYear.objects.filter(household=home, year=2024).update(locked=True)
    with pytest.raises(ValidationFailed) as refused:
        services.cases_start(actor=personas.village_officer, procedure_key="data_change", year=2024,
                             household_ids=[home.pk], params={"target_year": 2024,
                                                               "changes": {"status": "poor", "identification_year": 2024}},
                             today=START)
    assert "status_field" in codes(refused.value)


def test_a_case_waiting_for_its_announcement_can_still_be_withdrawn(personas):
    from jingzhun.workflow.tests.factories import village_notice

    homes = households(personas.village_officer, 1)
    notice = village_notice(personas, homes)
    case = notice.entries.get().case
    day = notice.ends_on + DAY
    services.notice_close(actor=personas.village_officer, notice_id=notice.pk, today=day)
    services.cases_act(actor=personas.township_reviewer, case_ids=[case.pk], action="approve", at_position=5, today=day)
    second = services.notice_publish(actor=personas.township_reviewer, case_ids=[case.pk], at_position=6,
                                     contact_name="镇扶贫办", contact_phone="0753-1234567", today=day)
    day = second.ends_on + DAY
    services.notice_close(actor=personas.township_reviewer, notice_id=second.pk, today=day)
    services.cases_act(actor=personas.county_officer, case_ids=[case.pk], action="approve", at_position=7, today=day)
    with pytest.raises(ValidationFailed):
        services.cases_act(actor=personas.county_officer, case_ids=[case.pk], action="approve", at_position=8, today=day)
    services.cases_act(actor=personas.county_officer, case_ids=[case.pk], action="withdraw", at_position=8, today=day,
                       comment="户主去世，家庭情况变化")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.WITHDRAWN


def test_files_of_a_refused_act_are_not_kept(personas):
    from django.core.files.storage import default_storage

    _homes, cases = start_identification(personas, count=1)

    def stored():
        try:
            return default_storage.listdir("evidence")[0]
        except FileNotFoundError:
            return []

    before = stored()
    with pytest.raises(ValidationFailed):  # the step needs minutes; an application is not enough
        services.cases_act(actor=personas.village_officer, case_ids=ids(cases), action="approve", at_position=2,
                           today=START, evidence=[upload("application")])
    with pytest.raises(ValidationFailed):
        services.cases_act(actor=personas.village_officer, case_ids=ids(cases), action="approve", at_position=2,
                           today=START, evidence=[upload("minutes"), upload("no-such-kind")])
    assert stored() == before
    assert not cases[0].evidence.exists()


def test_only_the_acting_role_records_an_objection_received_in_person(personas):
    from jingzhun.workflow.tests.factories import village_notice

    notice = village_notice(personas, households(personas.village_officer, 1))
    for reader in (personas.auditor, personas.evaluator, personas.cadre):
        with pytest.raises(ActionForbidden):
            services.objection_file(notice=notice, entry_id=notice.entries.get().pk, filed_by_name="某人",
                                    contact="电话", content="情况不实", actor=reader, today=START)
    assert not notice.objections.exists()
