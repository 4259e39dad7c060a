"""Demo assistance for the demo village, through the services: three units, eight cadres (one is the
``cadre`` login, one the ``first_secretary`` login), a resident work team, every poor and monitored
household paired by the balanced suggestion, plans whose measures answer most causes (a few
households are left with gaps, and a few without a recent visit, so the four checks have something
to show)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jingzhun.accounts.models import User
from jingzhun.areas.models import AreaYear
from jingzhun.assistance import selectors, services
from jingzhun.assistance.models import Cadre, WorkTeam
from jingzhun.core import clock
from jingzhun.registry import idcard
from jingzhun.registry.models import Household, HouseholdYear

UNITS = (("平远县农业农村局", "county"), ("平远县人力资源和社会保障局", "county"), ("梅州市税务局", "city"))
CADRES = ("刘志强", "陈丽华", "黄伟东", "张晓燕", "李建军", "钟美玲", "谢国栋", "吴海燕")
# One measure per cause, so the demo plans answer their households (domain §4.9).
MEASURE_FOR_CAUSE = {"1": ("health", "大病救治、慢病签约服务、医保个人缴费补贴"), "2": ("disability", "残疾人两项补贴"),
                     "3": ("education", "雨露计划助学补助"), "4": ("housing", "危房改造"), "6": ("water", "自来水入户"),
                     "8": ("welfare_post", "村保洁公益性岗位")}


def _cadre_id(n: int) -> str:
    return idcard.make_resident_id("441426", dt.date(1975, 1, 1) + dt.timedelta(days=431 * n), 70 + n,
                                   "1" if n % 2 == 0 else "2")


def build_assistance_demo(*, village_code: str, county_code: str, year: int, today: dt.date | None = None) -> int:
    """Build it once (skipped when the village already has cadres); returns the pairings made."""
    today = today or clock.today()
    officer = User.objects.get(username="county_officer")
    if Cadre.objects.filter(area_id=village_code).exists():
        return 0
    units = [services.unit_save(actor=officer, name=name, level=level, area_code=county_code,
                                village_codes=[village_code]) for name, level in UNITS]
    cadres = []
    for n, name in enumerate(CADRES):
        cadres.append(services.cadre_register(actor=officer, today=today, data={
            "name": name, "id_number": _cadre_id(n), "phone": f"1390753{n:04d}", "unit_id": units[n % 3].pk,
            "area_code": village_code, "political_status": "party", "is_resident": n < 3}))
    for username, cadre in (("cadre", cadres[0]), ("first_secretary", cadres[1])):
        user = User.objects.filter(username=username).first()
        if user is not None:
            cadre.user = user
            cadre.save(update_fields=["user", "updated_at"])
    AreaYear.objects.get_or_create(area_id=village_code, year=year, defaults={"standing": "poor"})
    if not WorkTeam.objects.filter(village_id=village_code).exists():
        services.team_send(actor=officer, village_code=village_code, unit_id=units[0].pk,
                           starts_on=today - dt.timedelta(days=400),
                           members=[(cadres[0].pk, "leader"), (cadres[1].pk, "first_secretary"), (cadres[2].pk, "member")])
    suggestion = services.pairing_suggest(actor=officer, village_code=village_code, cadre_ids=[c.pk for c in cadres],
                                          year=year, today=today)
    services.pairings_assign_bulk(actor=officer, assignments=suggestion, starts_on=today - dt.timedelta(days=200),
                                  today=today)
    records = list(HouseholdYear.objects.filter(household_id__in=list(suggestion), year=year)
                   .values_list("household_id", "main_cause").order_by("household_id"))
    for n, (household_id, cause) in enumerate(records):
        _plan(officer, household_id, cause, year, today, leave_gap=n % 9 == 4)
        if n % 7 != 3:
            services.visit_record(actor=officer, household_id=household_id, today=today, data={
                "visited_on": (today - dt.timedelta(days=5 + n % 60)).isoformat(), "place": "户主家中",
                "content": "入户走访：了解家庭收入和帮扶措施落实情况，宣传防返贫政策。"})
    return len(suggestion)


def _plan(officer: Any, household_id: int, cause: str, year: int, today: dt.date, *, leave_gap: bool) -> None:
    facts = selectors.household_facts(Household.objects.get(pk=household_id), year)
    measures = []
    if facts.has_labour:
        measures.append({"kind": "industry", "content": "发展脐橙种植 3 亩，提供种苗和技术指导", "amount": "3000",
                         "funding_source": "integrated", "expected_income_gain": "4500", "status": "under_way",
                         "deadline": f"{year}-11-30"})
    else:
        measures.append({"kind": "dibao", "content": "纳入农村低保", "status": "done"})
    kind, content = MEASURE_FOR_CAUSE.get(cause, ("", ""))
    if kind and not leave_gap:
        measures.append({"kind": kind, "content": content, "status": "done"})
    for data in measures:
        services.measure_save(actor=officer, household_id=household_id, year=year, data=data, today=today)
