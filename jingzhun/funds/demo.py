"""Demo projects and funds for the demo county, made through the services and the library procedure
with a county's real-looking figures (2024): a photovoltaic station and a road in the demo village
(both accepted; the station not fully paid, so the 四查 report shows one lagging project), a cattle
cooperative in a neighbouring village (under way), a drinking-water project of this year posted now
in the village (its notice is running), and a clinic renovation still a draft. Six fund receipts
(central, provincial, county, integrated, work relief, villagers' own money) are allocated and
partly paid out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jingzhun.accounts.models import User
from jingzhun.areas import codes
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.core import clock
from jingzhun.funds import services
from jingzhun.funds.models import Project
from jingzhun.registry.models import HouseholdYear
from jingzhun.workflow import services as workflow
from jingzhun.workflow.models import Case, CaseStatus

CONTACT = {"contact_name": "平远县乡村振兴局", "contact_phone": "0753-8821234"}
STEPS = ((2, "village_officer", "notice"), (3, "township_reviewer", "approve"), (4, "township_reviewer", "notice"),
         (5, "county_officer", "approve"), (6, "county_officer", "approve"), (7, "county_officer", "notice"))
# (source, document number, amount)
FUNDS = (("central", "粤财农〔2024〕35号", "1500000"), ("provincial", "粤财农〔2024〕112号", "800000"),
         ("county", "平财预〔2024〕21号", "300000"), ("integrated", "平涉农整合〔2024〕3号", "2000000"),
         ("work_relief", "粤发改以工代赈〔2024〕45号", "500000"), ("self_raised", "平远县群众自筹收据〔2024〕1号", "50000"))


def _into_library(made: Project, actors: dict[str, Any], start: dt.date) -> dt.date:
    """Submit ``made`` and take it through the library procedure from ``start``; each notice closes
    the day after its tenth day. Returns the day it entered the library."""
    services.project_submit_to_library(actor=actors["village_officer"], project_id=made.pk, today=start)
    made.refresh_from_db()
    day = start
    for position, role, act in STEPS:
        case = Case.objects.get(pk=made.library_case_id)
        if case.status != CaseStatus.OPEN or case.position != position:
            break
        if act == "approve":
            workflow.cases_act(actor=actors[role], case_ids=[case.pk], action="approve", at_position=position,
                               comment="同意", today=day)
        else:
            notice = workflow.notice_publish(actor=actors[role], case_ids=[case.pk], at_position=position, today=day,
                                             **CONTACT)
            day = notice.ends_on + dt.timedelta(days=1)
            workflow.notice_close(actor=actors[role], notice_id=notice.pk, today=day)
    return day


def _households(village: str, year: int, count: int) -> list[int]:
    """Poor, exited or monitored households of the village (the ones projects are meant to reach)."""
    return list(HouseholdYear.objects.filter(household__area_id=village, year=year,
                                             status__in=("poor", "pre_exit", "exited", "monitored", "returned"))
                .order_by("household__household_number").values_list("household_id", flat=True)[:count])


def _project(actor: Any, *, area: Area, year: int, budget: dict[str, str], **data: Any) -> Project:
    made = services.project_save(actor=actor, data={"area_code": area.code, "year": year, **data})
    services.project_budget_set(actor=actor, project_id=made.pk, amounts=budget)
    return made


def build_funds_demo(*, county_code: str, year: int, today: dt.date | None = None) -> int:
    """Build it once (skipped when the county has projects); returns the projects made."""
    today = today or clock.today()
    low, high = codes.code_range(county_code)
    if Project.objects.filter(area_id__gte=low, area_id__lte=high).exists():
        return 0
    officer = User.objects.get(username="village_officer")
    village = Area.objects.select_related("parent").get(code=officer.scope.get().code)
    neighbour = (Area.objects.filter(parent_id=village.parent_id, level=AreaLevel.VILLAGE).exclude(code=village.code)
                 .order_by("code").first())
    admin = User.objects.filter(is_superuser=True, username="admin").first()
    if neighbour is None or admin is None:
        return 0
    ours = {name: User.objects.get(username=name) for name in ("village_officer", "township_reviewer", "county_officer")}
    everywhere = dict.fromkeys(ours, admin)
    county = ours["county_officer"]
    start = dt.date(year, 3, 4)
    unit = {"responsible_unit": "平远县农业农村局", "responsible_person": "曾志华", "responsible_phone": "0753-8821234"}

    solar = _project(ours["village_officer"], area=village, year=year, budget={"central": "600000", "county": "150000"},
                     name=f"{village.name}100千瓦分布式光伏扶贫电站", kind="industry", planned_start=f"{year}-05-01",
                     planned_end=f"{year}-08-31", expected_benefit="年发电收益约10万元，村集体年增收6万元以上",
                     content="在村委会及村小学屋顶建设100千瓦分布式光伏电站，并网发电，产权归村集体所有。",
                     linkage="发电收益的60%用于脱贫户和监测户分红，40%用于设置村级公益性岗位。", **unit)
    road = _project(ours["village_officer"], area=village, year=year,
                    budget={"integrated": "960000", "work_relief": "200000"},
                    name=f"{village.name}至镇区道路硬化工程", kind="infrastructure", planned_start=f"{year}-05-10",
                    planned_end=f"{year}-09-30", content="硬化村道3.2公里，路面宽4.5米，水泥混凝土路面，配套排水沟和安保设施。",
                    expected_benefit="解决沿线群众出行和农产品外运难题", linkage="以工代赈，优先吸纳本村脱贫劳动力务工。", **unit)
    cattle = _project(admin, area=neighbour, year=year, budget={"provincial": "300000", "self_raised": "50000"},
                      name=f"{neighbour.name}肉牛养殖合作社扩建项目", kind="industry", planned_start=f"{year}-06-01",
                      planned_end=f"{year + 1}-05-31", content="新建标准化牛舍800平方米、青贮池300立方米，购置能繁母牛40头。",
                      expected_benefit="年出栏肉牛60头", linkage="合作社保底分红加务工：入社脱贫户每户每年分红不少于2400元。",
                      **unit)
    for made in (solar, road):
        _into_library(made, ours, start)
    library_on = _into_library(cattle, everywhere, start)

    money = {source: services.fund_receive(actor=county, source=source, year=year, document_number=number,
                                           area_code=county_code, amount=amount, received_on=start, today=start)
             for source, number, amount in FUNDS}

    def allocate(made: Project, source: str, amount: str) -> Any:
        return services.allocate(actor=county, fund_id=money[source].pk, project_id=made.pk, amount=amount,
                                 allocated_on=library_on, today=library_on)

    def pay(allocation: Any, amount: str, day: dt.date, payee: str, voucher: str) -> None:
        services.disburse(actor=county, allocation_id=allocation.pk, amount=amount, paid_on=day, payee=payee,
                          voucher_number=voucher, today=day)

    def milestones(made: Project, dates: dict[str, dt.date], bidder: str) -> None:
        for kind, day in dates.items():
            services.milestone_record(actor=admin, project_id=made.pk, kind=kind, date=day, today=day,
                                      winning_bidder=bidder if kind == "tender" else "")

    solar_central, solar_county = allocate(solar, "central", "600000"), allocate(solar, "county", "150000")
    milestones(solar, {"approval": dt.date(year, 4, 10), "tender": dt.date(year, 4, 22), "start": dt.date(year, 5, 6),
                       "completion": dt.date(year, 7, 30), "acceptance": dt.date(year, 8, 28)}, "广东梅州华光新能源有限公司")
    pay(solar_central, "360000", dt.date(year, 5, 10), "广东梅州华光新能源有限公司", "平财支〔2024〕0512号")
    pay(solar_central, "240000", dt.date(year, 8, 30), "广东梅州华光新能源有限公司", "平财支〔2024〕0907号")
    pay(solar_county, "120000", dt.date(year, 9, 5), "广东梅州华光新能源有限公司", "平财支〔2024〕0931号")
    road_integrated, road_relief = allocate(road, "integrated", "960000"), allocate(road, "work_relief", "200000")
    milestones(road, {"approval": dt.date(year, 4, 15), "tender": dt.date(year, 4, 29), "start": dt.date(year, 5, 13),
                      "completion": dt.date(year, 9, 20), "acceptance": dt.date(year, 10, 18)}, "平远县交通建设工程有限公司")
    pay(road_integrated, "960000", dt.date(year, 10, 25), "平远县交通建设工程有限公司", "平财支〔2024〕1103号")
    pay(road_relief, "200000", dt.date(year, 10, 25), "平远县交通建设工程有限公司", "平财支〔2024〕1104号")
    cattle_provincial, cattle_own = allocate(cattle, "provincial", "300000"), allocate(cattle, "self_raised", "50000")
    milestones(cattle, {"approval": dt.date(year, 5, 8), "start": dt.date(year, 6, 3)}, "")
    pay(cattle_provincial, "180000", dt.date(year, 6, 10), f"{neighbour.name}肉牛养殖专业合作社", "平财支〔2024〕0618号")
    pay(cattle_own, "50000", dt.date(year, 6, 10), f"{neighbour.name}肉牛养殖专业合作社", "平财支〔2024〕0619号")

    services.project_beneficiaries_set(actor=county, project_id=solar.pk, rows=[
        {"household_id": h, "benefit": "dividend", "amount": "3000"} for h in _households(village.code, year, 10)])
    services.project_beneficiaries_set(actor=county, project_id=road.pk, rows=[
        {"household_id": h, "benefit": "work", "amount": "4500"} for h in _households(village.code, year, 6)])
    services.project_beneficiaries_set(actor=admin, project_id=cattle.pk, rows=[
        {"household_id": h, "benefit": "dividend", "amount": "2400"} for h in _households(neighbour.code, year, 8)])

    # this year's drinking-water project: submitted today, its village notice is running now
    water = _project(ours["village_officer"], area=village, year=today.year, budget={"central": "420000"},
                     name=f"{village.name}安全饮水巩固提升工程", kind="water", planned_start=f"{today.year}-03-01",
                     planned_end=f"{today.year}-12-31", content="新建200立方米蓄水池1座，更换主管网2.6公里，入户管道改造120户。",
                     expected_benefit="保障全村农户饮水安全", linkage="", **unit)
    services.project_beneficiaries_set(actor=county, project_id=water.pk, rows=[
        {"household_id": h, "benefit": "other"} for h in _households(village.code, year, 40)])
    services.project_submit_to_library(actor=ours["village_officer"], project_id=water.pk, today=today)
    water.refresh_from_db()
    workflow.notice_publish(actor=ours["village_officer"], case_ids=[water.library_case_id], at_position=2, today=today,
                            **CONTACT)
    _project(ours["village_officer"], area=village, year=today.year, budget={"county": "80000"},
             name=f"{village.name}卫生室标准化改造", kind="health", content="改造村卫生室80平方米，配齐诊疗设备。", **unit)
    return Project.objects.filter(area_id__gte=low, area_id__lte=high).count()
