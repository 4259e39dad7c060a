"""Pure rules: working days, step definitions, what a notice may say, areas at a level."""

import datetime as dt

import pytest

from jingzhun.accounts.roles import Role
from jingzhun.workflow import calendar, flows, privacy
from jingzhun.workflow.models import EvidenceKind
from jingzhun.workflow.presets import presets


def test_working_days_skip_the_national_day_holiday_and_count_the_makeup_saturday():
    # 2024: 1–7 October off; Sunday 29 September and Saturday 12 October were working days.
    assert calendar.period_end(dt.date(2024, 9, 29), 3, working=True) == dt.date(2024, 10, 8)
    assert calendar.is_working_day(dt.date(2024, 10, 12))
    assert not calendar.is_working_day(dt.date(2024, 10, 3))
    assert calendar.period_end(dt.date(2024, 3, 4), 5, working=False) == dt.date(2024, 3, 8)
    assert calendar.deadline(dt.date(2025, 6, 2), 15, working=False) == dt.date(2025, 6, 17)


def test_a_year_the_holiday_calendar_does_not_know_counts_monday_to_friday():
    far = dt.date(2099, 1, 2)  # a Friday
    assert not calendar.covers(far)
    assert calendar.period_end(far, 2, working=True) == dt.date(2099, 1, 5)


@pytest.mark.parametrize(("text", "found"), [
    ("经民主评议，符合识别标准", []),
    ("身份证 441426 19700517 0011", ["id_or_account"]),
    ("账号6228480402564890018", ["id_or_account"]),
    ("电话13800138000", ["phone"]),
    ("因病致贫", ["health"]),
    ("户主残疾", ["health"]),
])
def test_a_notice_reason_is_checked_for_private_details(text, found):
    assert privacy.reason_problems(text) == found


def test_every_preset_is_a_valid_definition():
    for spec in presets():
        assert flows.definition_problems(spec["steps"], roles=set(Role.values), evidence_kinds=set(EvidenceKind.values),
                                         effect=spec["effect"]) == [], spec["key"]


def test_a_public_decision_needs_a_notice_and_a_review_above_the_village():
    one_step = [{"position": 1, "kind": "application", "level": "village", "role": "village_officer"}]
    found = " ".join(flows.definition_problems(one_step, roles=set(Role.values),
                                               evidence_kinds=set(EvidenceKind.values), effect="identify"))
    assert "at least one public notice" in found and "review above the village" in found
    found = " ".join(flows.definition_problems(one_step, roles=set(Role.values),
                                               evidence_kinds=set(EvidenceKind.values), effect="data_change"))
    assert "two levels" in found


def test_broken_definitions_are_named():
    steps = [{"position": 1, "kind": "review", "level": "village", "role": "village_officer"},
             {"position": 3, "kind": "notice", "level": "moon", "role": "mayor", "evidence": ["photo"],
              "return_to": 5}]
    problems = " ".join(flows.definition_problems(steps, roles=set(Role.values),
                                                  evidence_kinds=set(EvidenceKind.values)))
    for expected in ("without gaps", "first step must be the application", "unknown level", "unknown role",
                     "needs its number of days", "unknown evidence", "earlier step"):
        assert expected in problems


def test_area_at_level():
    assert flows.area_at_level("441426100201", "township") == "441426100000"
    assert flows.area_at_level("441426100201", "county") == "441426000000"
    assert flows.area_at_level("441426100201", "group") == "441426100201"
    assert flows.area_at_level("441426000000", "village") == "441426000000"
    assert flows.batch_ready(5, [5, 6, 5]) and not flows.batch_ready(5, [5, 3])


@pytest.mark.parametrize("text", [
    "电话 138 001 38000", "1380-013-8000", "138.0013.8000", "一三八零零一三八零零零", "座机0753-8881234",
    "１３８００１３８０００",
])
def test_phones_written_with_separators_or_in_chinese_numerals_are_found(text):
    assert "phone" in privacy.reason_problems(text)


@pytest.mark.parametrize("text", ["441426.19900101.123X", "身份证四四一四二六一九九零零一零一一二三X",
                                  "卡号 6217 0000 1111 2222"])
def test_id_and_account_numbers_with_separators_are_found(text):
    assert "id_or_account" in privacy.reason_problems(text)


@pytest.mark.parametrize("text", ["中风", "抑郁", "肝炎", "肢残", "智障", "视障", "脑梗失能", "化疗", "怀孕"])
def test_more_health_words_are_found(text):
    assert privacy.reason_problems(text) == ["health"]


@pytest.mark.parametrize("text", ["2024年人均纯收入3120元，低于4000元标准", "家中3口人，2人外出务工"])
def test_ordinary_figures_are_not_mistaken_for_numbers_to_hide(text):
    assert privacy.reason_problems(text) == []
