"""The moves a case may make, as plain data and pure functions (no Django, no database).

A case stands at one step. What may happen there depends on the step's kind:

* application, review, confirmation — the acting role may *approve* (go to the next step, or
  complete the case after the last one), *return* it to an earlier step, *reject* it, or
  *withdraw* it (the household no longer asks); each but approve needs a reason.
* notice (公示) — nobody acts on the case directly: it is put on a notice, and moves on only when
  that notice is closed after its end with every objection resolved, or goes back when an
  objection against it is upheld.
* announcement (公告) — the case moves on when the announcement is posted; until then it may be
  returned, rejected or withdrawn (so that no case can be stuck there).

``services`` asks these functions and refuses what they refuse; the property-based test checks
the decision log against the same rules.
"""

from __future__ import annotations

from jingzhun.areas import codes

APPROVE, RETURN, REJECT, WITHDRAW = "approve", "return", "reject", "withdraw"
DIRECT_ACTIONS = (APPROVE, RETURN, REJECT, WITHDRAW)
ACTING_KINDS = ("application", "review", "confirmation")
NOTICE_KINDS = ("notice", "announcement")
NEEDS_REASON = (RETURN, REJECT, WITHDRAW)

# Step level → area level whose officers act (组 is acted for by the village).
LEVEL_DEPTH = {"group": codes.VILLAGE, "village": codes.VILLAGE, "township": codes.TOWNSHIP,
               "county": codes.COUNTY, "city": codes.CITY, "province": codes.PROVINCE}


def may_act_directly(step_kind: str, action: str) -> bool:
    """Whether ``action`` may be taken on a case standing at a step of ``step_kind``. A case waiting
    for its announcement (公告) may still be returned, rejected or withdrawn — never approved."""
    if step_kind == "announcement":
        return action in (RETURN, REJECT, WITHDRAW)
    return step_kind in ACTING_KINDS and action in DIRECT_ACTIONS


def area_at_level(area_code: str, level: str) -> str:
    """The code of the area at ``level`` that contains ``area_code`` (its village, township, county…).

    A case whose own area is above ``level`` (a county case at a village step) has no such area:
    its own code is returned, and scope checks then require the actor to cover the whole area.
    """
    depth = LEVEL_DEPTH[level]
    own = codes.level_of(area_code)
    if own <= depth:
        return area_code
    return area_code[: codes.LEVEL_PREFIX_LENGTH[depth]].ljust(12, "0")


def valid_return_target(current: int, target: int) -> bool:
    """A case goes back to an earlier step only (the first step is the application itself)."""
    return 1 <= target < current


def batch_ready(step_position: int, open_positions: list[int]) -> bool:
    """A level acts on a batch only when every open case of the batch has reached its step."""
    return all(position >= step_position for position in open_positions)


STEP_KINDS = ("application", "review", "confirmation", "notice", "announcement")


# Effects that decide about a household in public: at least one notice and a decision above the village.
PUBLIC_EFFECTS = ("identify", "exit", "monitor", "eliminate_risk", "dibao", "village_exit", "county_exit",
                  "project_library")
ABOVE_VILLAGE = ("township", "county", "city", "province")
# National minimum notice periods that a regional value cannot shorten: projects and funds are posted
# at least 10 days (《关于完善扶贫资金项目公告公示制度的指导意见》, domain §1.10 and §3.7).
MIN_NOTICE_DAYS = {"project_library": 10}


def definition_problems(steps: list[dict], *, roles: set[str], evidence_kinds: set[str],
                        effect: str = "") -> list[str]:
    """What is wrong with an ordered list of step definitions (dicts with the Step fields) for a
    procedure with ``effect``, in Chinese and English for the administrator; empty when it can run."""
    problems = []
    ordered = sorted(steps, key=lambda s: s.get("position") or 0)
    positions = [s.get("position") for s in ordered]
    if positions != list(range(1, len(ordered) + 1)):
        problems.append("环节须按 1、2、3…连续编号。 / Steps must be numbered 1, 2, 3… without gaps.")
    if not ordered or ordered[0].get("kind") != "application":
        problems.append("第一个环节必须是申请（案件由此发起）。 / The first step must be the application, "
                        "where a case starts.")
    if effect in PUBLIC_EFFECTS:
        if not any(s.get("kind") == "notice" for s in ordered):
            problems.append("这个程序须至少有一次公示。 / This procedure needs at least one public notice.")
        if not any(s.get("level") in ABOVE_VILLAGE and s.get("kind") in ("review", "confirmation")
                   for s in ordered):
            problems.append("这个程序须有乡镇或以上层级的审核。 / This procedure needs a review above the village.")
    if effect == "data_change" and len({s.get("level") for s in ordered}) < 2:
        problems.append("数据变更须经至少两个层级审核。 / A data change needs reviews at two levels at least.")
    for step in ordered:
        where = f"环节 {step.get('position')} / Step {step.get('position')}"
        if step.get("kind") not in STEP_KINDS:
            problems.append(f"{where}: 类型不存在 / unknown kind.")
        if step.get("kind") == "application" and step is not ordered[0]:
            problems.append(f"{where}: 只有第一个环节是申请 / only the first step is an application.")
        if step.get("level") not in LEVEL_DEPTH:
            problems.append(f"{where}: 层级不存在 / unknown level.")
        if step.get("role") not in roles:
            problems.append(f"{where}: 角色 {step.get('role')!r} 不存在 / unknown role.")
        if step.get("kind") == "notice" and not (step.get("notice_days") or step.get("notice_days_param")):
            problems.append(f"{where}: 公示须有天数（或政策参数） / a notice needs its number of days "
                            "(or a policy parameter).")
        minimum = MIN_NOTICE_DAYS.get(effect, 0)
        if (step.get("kind") == "notice" and not step.get("notice_days_param")
                and 0 < (step.get("notice_days") or 0) < minimum):
            problems.append(f"{where}: 公示不得少于 {minimum} 天 / a notice of this procedure runs at least "
                            f"{minimum} days.")
        unknown = [k for k in step.get("evidence") or [] if k not in evidence_kinds]
        if unknown:
            problems.append(f"{where}: 佐证材料类型不存在 / unknown evidence {', '.join(unknown)}.")
        back = step.get("return_to")
        if back is not None and not valid_return_target(step.get("position") or 0, back):
            problems.append(f"{where}: 异议成立只能退回到前面的环节 / an objection can only send a case back "
                            "to an earlier step.")
    return problems
