"""Procedures through the REST API: the same rules and scopes as the pages."""

import pytest

from jingzhun.api.tests.conftest import Api
from jingzhun.workflow.models import Case, Notice
from jingzhun.workflow.tests.factories import households

pytestmark = pytest.mark.django_db
MISSING = 99_999_999


def test_a_village_runs_its_steps_through_the_api_and_outsiders_see_nothing(personas):
    homes = households(personas.village_officer, 2)
    village = Api("village_a")
    started = village.send("post", "/cases", {"procedure": "identification_2014", "year": 2024,
                                              "household_ids": [h.pk for h in homes]})
    assert started.status_code == 201, started.content
    ids = [c["id"] for c in started.json()["items"]]
    assert {c["position"] for c in started.json()["items"]} == {2}

    no_minutes = village.send("post", "/cases/act", {"case_ids": ids, "action": "approve", "at_position": 2})
    assert no_minutes.status_code == 422
    assert no_minutes.json()["error"]["fields"][0]["code"] == "evidence_required"
    stale = village.send("post", "/cases/act", {"case_ids": ids, "action": "withdraw", "at_position": 3,
                                                "comment": "不再申请"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "step_changed"
    township = Api("township")
    wrong_role = township.send("post", "/cases/act", {"case_ids": ids, "action": "reject", "at_position": 2,
                                                      "comment": "越级"})
    assert wrong_role.status_code == 403
    assert set(Case.objects.values_list("position", flat=True)) == {2}

    other = Api("other_county")
    village_b = Api("village_b")
    for outsider in (other, village_b):
        hidden, absent = outsider.get(f"/cases/{ids[0]}"), outsider.get(f"/cases/{MISSING}")
        assert hidden.status_code == absent.status_code == 404 and hidden.content == absent.content
        assert outsider.get("/cases").json()["count"] == 0
        acted = outsider.send("post", "/cases/act", {"case_ids": ids, "action": "withdraw", "at_position": 2,
                                                     "comment": "x"})
        assert acted.status_code == 404
    assert Api("county").get("/cases").json()["count"] == 2
    mine = village.get("/cases", waiting_for_me="true").json()
    assert mine["count"] == 2 and mine["items"][0]["step"]["code"] == "appraisal"
    assert len(village.get(f"/cases/{ids[0]}").json()["decisions"]) == 1


def test_notices_through_the_api_are_scoped(personas):
    from jingzhun.workflow import services
    from jingzhun.workflow.tests.factories import START, upload

    homes = households(personas.village_officer, 1)
    officer = personas.village_officer
    (case,) = services.cases_start(actor=officer, procedure_key="identification_2014", year=2024,
                                   household_ids=[homes[0].pk], today=START)
    services.cases_act(actor=officer, case_ids=[case.pk], action="approve", at_position=2, today=START,
                       evidence=[upload("minutes")])
    services.cases_act(actor=officer, case_ids=[case.pk], action="approve", at_position=3, today=START)
    village = Api("village_a")
    posted = village.send("post", "/notices", {"case_ids": [case.pk], "at_position": 4, "contact_name": "村委会",
                                               "contact_phone": "0753-1234567", "reason": "户主患有大病"})
    assert posted.status_code == 422 and posted.json()["error"]["fields"][0]["code"] == "private_health"
    posted = village.send("post", "/notices", {"case_ids": [case.pk], "at_position": 4, "contact_name": "村委会",
                                               "contact_phone": "0753-1234567"})
    assert posted.status_code == 201, posted.content
    notice_id = posted.json()["id"]
    detail = village.get(f"/notices/{notice_id}").json()
    assert detail["entries"][0]["name"] == homes[0].head_name and "id_number" not in detail["entries"][0]
    early = village.send("post", f"/notices/{notice_id}/close", {})
    assert early.status_code == 422 and Notice.objects.get().status == "open"
    other = Api("other_county")
    assert other.get(f"/notices/{notice_id}").status_code == 404
    assert other.get("/notices").json() == []
    assert other.send("post", f"/notices/{notice_id}/close", {}).status_code == 404


def test_the_api_hides_who_objected_from_roles_that_do_not_check_objections(personas):
    from jingzhun.workflow import services
    from jingzhun.workflow.tests.factories import START, village_notice

    notice = village_notice(personas, households(personas.village_officer, 1))
    services.objection_file(notice=notice, entry_id=notice.entries.get().pk, filed_by_name="王五",
                            contact="13912345678", content="收入不实", today=START)
    seen = Api("evaluator").get(f"/notices/{notice.pk}").json()["objections"][0]
    assert seen["content"] == "收入不实" and seen["contact"] == "" and seen["filed_by_name"] == ""
    assert Api("village_a").get(f"/notices/{notice.pk}").json()["objections"][0]["contact"] == "13912345678"


def test_bad_start_parameters_answer_422(personas):
    homes = households(personas.village_officer, 1)
    api = Api("village_a")
    for body in ({"procedure": "monitoring_2021", "year": 2025, "household_ids": [homes[0].pk],
                  "params": {"monitoring_type": "edge", "risks": 5}},
                 {"procedure": "identification_2014", "year": 40000, "household_ids": [homes[0].pk]},
                 {"procedure": "no_such_procedure", "year": 2024, "household_ids": [homes[0].pk]}):
        response = api.send("post", "/cases", body)
        assert response.status_code in (404, 422), (body, response.content)
    huge = api.send("post", "/cases/act", {"case_ids": [2**63], "action": "approve", "at_position": 2})
    assert huge.status_code in (404, 422)
