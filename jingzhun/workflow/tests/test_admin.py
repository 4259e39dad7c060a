import pytest
from django.urls import reverse

from jingzhun.accounts.services import user_create
from jingzhun.core.models import AuditEvent
from jingzhun.testing.personas import COUNTY
from jingzhun.workflow.models import Procedure, Step
from jingzhun.workflow.tests.factories import START, households

pytestmark = pytest.mark.django_db


def _formset(procedure, steps):
    data = {"steps-TOTAL_FORMS": str(len(steps)), "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "1000"}
    for i, step in enumerate(steps):
        for key, value in step.items():
            data[f"steps-{i}-{key}"] = value
    return {**procedure, **data}


def test_a_county_admin_adds_a_regional_version_and_a_broken_one_is_refused(client, personas):
    client.force_login(personas.county_admin)
    base = {"key": "identification_2014", "name_zh": "平远县贫困户识别", "name_en": "Pingyuan identification",
            "subject": "household", "effect": "identify", "region": COUNTY, "from_year": "2024", "active": "on",
            "time_limit_param": "", "description": "", "source": ""}
    good = [{"position": "1", "code": "apply", "name_zh": "申请", "name_en": "Apply", "kind": "application",
             "level": "village", "role": "village_officer", "evidence": "[]"},
            {"position": "2", "code": "notice", "name_zh": "村内公示", "name_en": "Notice", "kind": "notice",
             "level": "village", "role": "village_officer", "notice_days": "7", "evidence": "[]"},
            {"position": "3", "code": "county", "name_zh": "县审定", "name_en": "County", "kind": "review",
             "level": "county", "role": "county_officer", "evidence": "[]"}]
    bad = [dict(good[0], kind="review"), dict(good[2], position="3", role="mayor")]
    without_notice = [good[0], dict(good[2], position="2")]
    url = reverse("admin:workflow_procedure_add")
    refused = client.post(url, _formset(base, bad))
    assert refused.status_code == 200 and not Procedure.objects.filter(region_id=COUNTY).exists()
    assert "first step must be the application" in refused.content.decode()
    no_notice = client.post(url, _formset(base, without_notice))
    assert no_notice.status_code == 200 and "至少有一次公示" in no_notice.content.decode()
    national = client.post(url, _formset({**base, "region": ""}, good))
    assert national.status_code == 200 and "全国预设只能由系统管理员修改" in national.content.decode()
    saved = client.post(url, _formset(base, good))
    assert saved.status_code == 302
    regional = Procedure.objects.get(region_id=COUNTY)
    assert regional.steps.count() == 3
    assert AuditEvent.objects.filter(action="workflow.procedure.saved", target_id=str(regional.pk)).exists()


def test_a_definition_cases_went_through_is_frozen(client, personas):
    from jingzhun.workflow import services

    homes = households(personas.village_officer, 1)
    services.cases_start(actor=personas.village_officer, procedure_key="identification_2014", year=2024,
                         household_ids=[h.pk for h in homes], today=START)
    admin = user_create(actor=None, username="root", password="x-very-long-pass", role="", scope_codes=[],
                        display_name="root")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    procedure = Procedure.objects.get(key="identification_2014", region__isnull=True)
    page = client.get(reverse("admin:workflow_procedure_change", args=[procedure.pk]))
    assert page.status_code == 200
    steps = list(procedure.steps.order_by("position"))
    data = {f: getattr(procedure, f) for f in ("key", "name_zh", "name_en", "subject", "effect", "from_year",
                                               "time_limit_param", "description", "source")}
    data.update({"region": "", "active": "on", "time_limit_days": "",
                 "steps-TOTAL_FORMS": str(len(steps)), "steps-INITIAL_FORMS": str(len(steps)),
                 "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "1000"})
    for i, step in enumerate(steps):
        for field in ("position", "code", "name_zh", "name_en", "kind", "level", "role", "notice_days",
                      "notice_days_param", "notice_level", "time_limit_days", "return_to"):
            value = getattr(step, field)
            data[f"steps-{i}-{field}"] = "" if value is None else value
        data[f"steps-{i}-evidence"] = "[]" if not step.evidence else str(step.evidence).replace("'", '"')
        if step.waits_for_batch:
            data[f"steps-{i}-waits_for_batch"] = "on"
        data[f"steps-{i}-id"] = step.pk
        data[f"steps-{i}-procedure"] = procedure.pk
    data["steps-0-name_zh"] = "改名的申请"
    response = client.post(reverse("admin:workflow_procedure_change", args=[procedure.pk]), data)
    assert response.status_code == 200 and "已有案件办理过" in response.content.decode()
    assert Step.objects.get(pk=steps[0].pk).name_zh == "农户申请"
    data["steps-0-name_zh"] = "农户申请"
    data["effect"] = "exit"  # the open identification would write 已脱贫
    response = client.post(reverse("admin:workflow_procedure_change", args=[procedure.pk]), data)
    assert response.status_code == 200 and "不能再修改" in response.content.decode()
    assert Procedure.objects.get(pk=procedure.pk).effect == "identify"
