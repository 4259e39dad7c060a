"""Property-based test of the workflow services (hypothesis stateful testing).

Random users — the village officers of villages A and B, the township reviewer, the county officer,
an officer of another county, village A's first secretary, the evaluator, and the public — do random
things in random order on a simulated calendar: start identification (2014) and monitoring (2021)
cases, approve, return, reject and withdraw them (with the step they saw, sometimes stale; with the
required evidence, sometimes without), post notices and announcements, file and resolve objections,
close notices, and let days pass. Every call either succeeds — and then did what it says — or is
refused with a ``DomainError`` and changed nothing; a user outside the area gets "not found" (only a
request without the required reason is refused before anything is looked up). Most calls are
*proper* (what the step's own screen would send) and each example starts with one list already
driven a random number of steps along its path, so the later steps are reached in 25 steps too.

After every step the database itself is checked against the rules ``workflow.services`` promises:
1. no case skips a step (the decision log is a chain, forward moves go one step, returns go back);
2. a case leaves a 公示 step only when that notice was closed after its last day, or an objection
   against it was upheld; nothing is approved at a notice step;
3. a notice is closed only with every objection resolved (on or before the closing day);
4. a completed, rejected or withdrawn case never gets another decision;
5. every actor had the step's role and covered the case's area at the step's level.
The ``check_*`` functions are plain functions so that the last test can show each one catches a
forged violation (a check that never fails proves nothing).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from jingzhun.accounts.models import User
from jingzhun.accounts.scope import code_in_scope
from jingzhun.core.exceptions import DomainError, NotFound, ValidationFailed
from jingzhun.registry.models import HouseholdYear
from jingzhun.testing.personas import VILLAGE_A, VILLAGE_B
from jingzhun.workflow import flows, selectors, services
from jingzhun.workflow.models import (
    Case,
    CaseBatch,
    CaseStatus,
    Decision,
    DecisionAction,
    Evidence,
    Notice,
    NoticeEntry,
    NoticeKind,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Step,
    StepKind,
)
from jingzhun.workflow.tests.factories import START, households, upload

YEAR = 2024
DAY = dt.timedelta(days=1)
USERS = ("village_officer", "village_officer_b", "township_reviewer", "county_officer", "other_county_officer",
         "first_secretary", "evaluator")
PROCEDURES = ("identification_2014", "monitoring_2021")
MONITORING_PARAMS = {"monitoring_type": "edge", "risks": ["illness"]}
KINDS = ("minutes", "verification", "consent", "other")
REASON = "经核实，家庭情况与申请不符"
RESOLUTION = "经入户核实，异议所述情况属实"
CONTACT = ("村委会", "0753-8881234")
FORWARD = (DecisionAction.START, DecisionAction.APPROVE, DecisionAction.NOTICE_PASSED)
BACKWARD = (DecisionAction.RETURN, DecisionAction.OBJECTION_UPHELD)
ENDING = (DecisionAction.REJECT, DecisionAction.WITHDRAW)
TERMINAL_STATUS = {DecisionAction.COMPLETED: CaseStatus.COMPLETED, DecisionAction.REJECT: CaseStatus.REJECTED,
                   DecisionAction.WITHDRAW: CaseStatus.WITHDRAWN}

SETTINGS = settings(max_examples=25, stateful_step_count=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# ------------------------------------------------------------------------------------- the invariants


@dataclass
class Log:
    """The workflow tables as they are now, read once for all the checks of one step."""

    cases: dict[int, Case]
    steps: dict[int, dict[int, Step]]  # procedure id → position → step
    decisions: dict[int, list[Decision]]  # case id → its decisions in the order they were taken
    notices: dict[int, Notice]
    entries: dict[tuple[int, int], NoticeEntry]  # (notice id, case id) → entry
    objections: list[Objection]

    @property
    def steps_by_pk(self) -> dict[int, Step]:
        return {s.pk: s for steps in self.steps.values() for s in steps.values()}


def read_log() -> Log:
    cases = Case.objects.in_bulk()
    steps: dict[int, dict[int, Step]] = defaultdict(dict)
    for step in Step.objects.filter(procedure_id__in={c.procedure_id for c in cases.values()}):
        steps[step.procedure_id][step.position] = step
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for decision in Decision.objects.order_by("id"):
        decisions[decision.case_id].append(decision)
    return Log(cases=dict(sorted(cases.items())), steps=steps, decisions=decisions, notices=Notice.objects.in_bulk(),
               entries={(e.notice_id, e.case_id): e for e in NoticeEntry.objects.all()},
               objections=list(Objection.objects.order_by("id")))


def _show(log: list[Decision]) -> str:
    return "; ".join(f"{d.action} {d.from_position}->{d.to_position}" for d in log)


def check_no_skipped_step(log: Log | None = None) -> None:
    """1. The log of each case is a chain from the application: forward one step at a time (the end
    only from the last step), back only to an earlier step; an open case stands where it ends."""
    log = log or read_log()
    for case in log.cases.values():
        steps, decisions = log.steps[case.procedure_id], log.decisions[case.pk]
        last = max(steps)
        where = f"case {case.pk}: {_show(decisions)}"
        assert decisions and decisions[0].action == DecisionAction.START and decisions[0].from_position == 1, where
        position = 1
        for d in decisions:
            assert d.from_position == position, f"{where}: decision {d.pk} starts at {d.from_position}, not {position}"
            if d.action != DecisionAction.COMPLETED:
                assert d.step_id == steps[d.from_position].pk, f"{where}: decision {d.pk} names another step"
            if d.action in FORWARD:
                if d.to_position is None:
                    assert d.from_position == last, f"{where}: finished from step {d.from_position} of {last}"
                else:
                    assert d.to_position == d.from_position + 1, f"{where}: skipped a step"
            elif d.action in BACKWARD:
                assert d.to_position is not None and 1 <= d.to_position < d.from_position, f"{where}: not back"
            elif d.action == DecisionAction.POSTED:
                assert d.to_position == d.from_position, f"{where}: posting moved the case"
            elif d.action in ENDING:
                assert d.to_position is None, where
            elif d.action == DecisionAction.COMPLETED:
                assert d.from_position == last and d.to_position is None, f"{where}: completed before the end"
            else:
                raise AssertionError(f"{where}: unexpected action {d.action}")
            if d.to_position is not None:
                position = d.to_position
        if case.status == CaseStatus.OPEN:
            assert case.position == position == decisions[-1].to_position, f"{where}: the case is at {case.position}"
            assert case.step_id == steps[position].pk, f"{where}: the case points at another step"
        else:
            assert case.step_id is None, f"{where}: a {case.status} case still stands at a step"


def check_notice_steps(log: Log | None = None) -> None:
    """2. A case leaves a 公示 step only by passing a notice closed after its last day, or by an upheld
    objection; an announcement step only by its announcement (or going back, rejected or withdrawn);
    an acting step only by an act; and nothing is approved (or returned, rejected, withdrawn) at a 公示
    step."""
    log = log or read_log()
    upheld = {(o.entry_id, o.resolved_on) for o in log.objections if o.status == ObjectionStatus.UPHELD}
    for case in log.cases.values():
        steps = log.steps[case.procedure_id]
        for d in log.decisions[case.pk]:
            if d.action == DecisionAction.COMPLETED:
                continue
            step = steps[d.from_position]
            where = f"case {case.pk}, decision {d.pk} ({d.action} {d.from_position}->{d.to_position}, {step.kind})"
            if d.action in (*flows.DIRECT_ACTIONS, DecisionAction.START):
                # a case waiting for its announcement may be returned, rejected or withdrawn, never approved
                assert step.kind in flows.ACTING_KINDS or (
                    step.kind == StepKind.ANNOUNCEMENT and d.action != flows.APPROVE
                ), f"{where}: acted directly at a notice step"
                if step.kind == StepKind.ANNOUNCEMENT:
                    continue
            if d.action == DecisionAction.POSTED:
                assert step.is_notice, f"{where}: posted from a step that is no notice"
                assert (d.notice_id, case.pk) in log.entries, f"{where}: not listed on notice {d.notice_id}"
            if d.to_position == d.from_position or not step.is_notice:
                if not step.is_notice:
                    assert d.action not in (DecisionAction.NOTICE_PASSED, DecisionAction.OBJECTION_UPHELD), where
                continue
            # the case leaves a notice or announcement step
            notice = log.notices.get(d.notice_id)
            assert notice is not None and notice.step_id == step.pk, f"{where}: left without its notice"
            entry = log.entries.get((notice.pk, case.pk))
            assert entry is not None, f"{where}: the case is not on notice {notice.pk}"
            if step.kind == StepKind.ANNOUNCEMENT:
                assert d.action == DecisionAction.NOTICE_PASSED and notice.kind == NoticeKind.ANNOUNCEMENT, where
                assert notice.status == NoticeStatus.CLOSED and notice.closed_on == d.decided_on, where
                continue
            assert notice.kind == NoticeKind.PUBLICITY, where
            if d.action == DecisionAction.NOTICE_PASSED:
                assert notice.status == NoticeStatus.CLOSED, f"{where}: notice {notice.pk} is not closed"
                assert notice.closed_on == d.decided_on, f"{where}: passed on {d.decided_on}, closed {notice.closed_on}"
                assert notice.closed_on > notice.ends_on, f"{where}: closed {notice.closed_on}, ends {notice.ends_on}"
                assert not entry.withdrawn, f"{where}: passed although taken off notice {notice.pk}"
            elif d.action == DecisionAction.OBJECTION_UPHELD:
                assert entry.withdrawn and (entry.pk, d.decided_on) in upheld, f"{where}: no upheld objection"
            else:
                raise AssertionError(f"{where}: left a notice step")


def check_objections(log: Log | None = None) -> None:
    """3. Objections are filed while the notice runs; a closed notice has every objection resolved, on
    or before its closing day; no case passed a notice with an upheld objection against it."""
    log = log or read_log()
    passed = {(d.notice_id, d.case_id) for decisions in log.decisions.values() for d in decisions
              if d.action == DecisionAction.NOTICE_PASSED}
    entries = {e.pk: e for e in log.entries.values()}
    for o in log.objections:
        notice = log.notices[o.notice_id]
        where = f"objection {o.pk} ({o.status}, filed {o.filed_on}, resolved {o.resolved_on}) on notice {notice.pk}"
        assert notice.kind == NoticeKind.PUBLICITY, where
        assert notice.starts_on <= o.filed_on <= notice.ends_on, f"{where}: filed outside {notice.starts_on}–{notice.ends_on}"
        assert (o.status == ObjectionStatus.OPEN) == (o.resolved_on is None), where
        if o.resolved_on is not None:
            assert o.filed_on <= o.resolved_on, where
        if notice.status == NoticeStatus.CLOSED:
            assert o.status != ObjectionStatus.OPEN, f"{where}: still open, notice closed {notice.closed_on}"
            assert o.resolved_on <= notice.closed_on, f"{where}: resolved after closing on {notice.closed_on}"
        if o.status == ObjectionStatus.UPHELD and o.entry_id is not None:
            entry = entries[o.entry_id]
            assert entry.withdrawn, f"{where}: upheld, yet the household is still on the notice"
            assert (notice.pk, entry.case_id) not in passed, f"{where}: the case passed the notice anyway"


def check_closed_cases_stay_closed(log: Log | None = None) -> None:
    """4. After a rejection, withdrawal or completion no decision follows (completion follows the
    decision that finished the last step), and the status matches how the log ends."""
    log = log or read_log()
    for case in log.cases.values():
        decisions = log.decisions[case.pk]
        ends = [i for i, d in enumerate(decisions) if d.to_position is None]
        where = f"case {case.pk} ({case.status}): {_show(decisions)}"
        if not ends:
            assert case.status == CaseStatus.OPEN and case.closed_on is None, where
            continue
        first = ends[0]
        tail = decisions[first + 1:]
        if decisions[first].action in ENDING:
            assert not tail, f"{where}: decisions after {decisions[first].action}"
            final = decisions[first]
        else:
            assert decisions[first].action in FORWARD, where
            assert [d.action for d in tail] == [DecisionAction.COMPLETED], f"{where}: not completed once"
            final = tail[0]
        assert case.status == TERMINAL_STATUS[final.action], where
        assert case.closed_on == final.decided_on, where


def check_actors_in_role_and_area(log: Log | None = None, users: dict[int, Any] | None = None) -> None:
    """5. Every actor of a decision had the step's role and covered the case's area at the step's
    level; nobody outside a case's area ever acts on it; notices are posted, closed and their
    objections resolved and received by the role and area of the notice's step."""
    log = log or read_log()
    users = users or User.objects.in_bulk()  # the machine passes the personas, which keep their scope cached
    steps_by_pk = log.steps_by_pk
    for case in log.cases.values():
        for d in log.decisions[case.pk]:
            if d.actor_id is None:
                continue
            actor, step = users[d.actor_id], log.steps[case.procedure_id][d.from_position]
            where = f"{actor.username} {d.action} at step {step.position} of case {case.pk} in {case.area_id}"
            assert code_in_scope(actor, case.area_id), f"{where}: outside the actor's area"
            assert selectors.may_act(actor, case, step), f"{where}: not the step's role and area"
            assert d.role == actor.role, f"{where}: recorded as {d.role}"
    for notice in log.notices.values():
        probe, step = Case(area_id=notice.area_id), steps_by_pk[notice.step_id]
        for who in (notice.published_by_id, notice.closed_by_id):
            if who is not None:
                assert selectors.may_act(users[who], probe, step), f"{users[who]} on notice {notice.pk}"
    for o in log.objections:
        notice = log.notices[o.notice_id]
        if o.resolved_by_id is not None:
            assert selectors.may_act(users[o.resolved_by_id], Case(area_id=notice.area_id),
                                     steps_by_pk[notice.step_id]), f"{users[o.resolved_by_id]} resolved {o.pk}"
        if o.received_by_id is not None:
            assert code_in_scope(users[o.received_by_id], notice.area_id), f"{users[o.received_by_id]} received {o.pk}"


CHECKS = (check_no_skipped_step, check_notice_steps, check_objections, check_closed_cases_stay_closed,
          check_actors_in_role_and_area)


def snapshot() -> tuple[Any, ...]:
    """Everything a workflow call may write."""
    return (
        list(Case.objects.order_by("pk").values_list("pk", "status", "position", "step_id", "version", "closed_on")),
        list(CaseBatch.objects.order_by("pk").values_list("pk", flat=True)),
        Decision.objects.count(),
        Evidence.objects.count(),
        list(Notice.objects.order_by("pk").values_list("pk", "status", "closed_on")),
        list(NoticeEntry.objects.order_by("pk").values_list("pk", "withdrawn")),
        list(Objection.objects.order_by("pk").values_list("pk", "status", "resolved_on")),
        list(HouseholdYear.objects.order_by("pk").values_list("pk", "status", "locked")),
    )


# ---------------------------------------------------------------------------------------- the machine


@dataclass(frozen=True)
class Home:
    label: str
    pk: int
    area: str


@dataclass
class World:
    """What exists before the machine runs (made once per test function): personas and households."""

    users: dict[str, Any]
    homes: list[Home]

    @classmethod
    def build(cls, personas: Any) -> World:
        homes = [Home(f"A{n}", h.pk, VILLAGE_A) for n, h in enumerate(households(personas.village_officer, 4))]
        homes += [Home(f"B{n}", h.pk, VILLAGE_B)
                  for n, h in enumerate(households(personas.village_officer_b, 2, area_code=VILLAGE_B))]
        return cls(users={name: getattr(personas, name) for name in USERS}, homes=homes)


class Draws:
    """The parameters of one call. Most calls are *proper* — what the screen of the step's own user
    would send (the right user, the step the case stands at, the required evidence, a reason) — so
    that cases get far; the others draw every parameter from anything, stale and wrong included."""

    def __init__(self, data: st.DataObject, *, proper: bool | None = None) -> None:
        self.data = data
        self.proper = data.draw(st.sampled_from((True, False, True, True, True)), label="proper call") \
            if proper is None else proper

    def __call__(self, label: str, proper: Any, anything: Any) -> Any:
        """One of ``proper`` in a proper call (when there is any), else one of ``anything``."""
        return self.data.draw(st.sampled_from(tuple(proper if self.proper and proper else anything)), label=label)


def owner(area_code: str) -> str:
    return "village_officer" if area_code == VILLAGE_A else "village_officer_b"


def right_user(step: Step | None, area_code: str) -> str:
    if step is None or step.level in ("group", "village"):
        return owner(area_code)
    return {"township": "township_reviewer", "county": "county_officer"}[step.level]


def malformed(exc: DomainError) -> bool:
    """A request refused for its own form (no reason given) before anything is looked up."""
    return isinstance(exc, ValidationFailed) and bool(exc.issues) and {i.field for i in exc.issues} == {"comment"}


def describe(cases: list[Case]) -> str:
    return ",".join(f"#{c.pk}({c.procedure_key[:5]} {c.area_id[-3:]} {c.status} @{c.position})" for c in cases)


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.today = START
        self._log: Log | None = None
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # every example starts from the same households, and leaves nothing behind

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # -- helpers

    def user(self, name: str) -> Any:
        return self.world.users[name]

    def attempt(self, label: str, outsider: bool, service: Any, **kwargs: Any) -> Any:
        """Call ``service``; a refusal must leave the database as it was, an outsider is never served."""
        self._log = None  # the invariants read the database again after this call
        before = snapshot()
        try:
            result = service(**kwargs)
        except DomainError as exc:
            note(f"{label} -> refused {type(exc).__name__} {exc.code} {[i.code for i in exc.issues]}")
            assert snapshot() == before, f"{label}: refused ({exc.code}) but the database changed"
            if outsider:
                assert isinstance(exc, NotFound) or malformed(exc), \
                    f"{label}: a user outside the area got {type(exc).__name__} ({exc.code}), not NotFound"
            return None
        note(f"{label} -> done")
        assert not outsider, f"{label}: a user outside the area succeeded"
        return result

    def log(self) -> Log:
        """The tables as the invariants read them after the last call (preconditions use it too)."""
        if self._log is None:
            self._log = read_log()
        return self._log

    def open_at(self, kinds: tuple[str, ...] = (*flows.ACTING_KINDS, *flows.NOTICE_KINDS)) -> list[Case]:
        log = self.log()
        return [c for c in log.cases.values()
                if c.status == CaseStatus.OPEN and log.steps[c.procedure_id][c.position].kind in kinds]

    def cases(self) -> list[Case]:
        return list(Case.objects.select_related("step", "procedure").order_by("pk"))

    def notices(self) -> list[Notice]:
        return list(Notice.objects.select_related("step").order_by("pk"))

    def choose(self, draw: Draws, cases: list[Case], anchor: Case, same_list: Any) -> list[Case]:
        """The cases one screen acts on: the anchor's list, the anchor alone, or the anchor and others."""
        how = draw("selection", ("list", "list", "one"), ("list", "one", "plus"))
        chosen = {anchor.pk: anchor}
        if how == "list":
            chosen.update((c.pk, c) for c in cases if c.status == CaseStatus.OPEN and c.position == anchor.position
                          and same_list(c))
        elif how == "plus":
            chosen.update((c.pk, c) for c in draw.data.draw(st.lists(st.sampled_from(cases), min_size=1, max_size=2),
                                                            label="more cases"))
        return sorted(chosen.values(), key=lambda c: c.pk)

    # -- rules

    @rule(days=st.integers(1, 10))
    def advance_today(self, days: int) -> None:
        self.today += days * DAY
        note(f"today is {self.today}")

    @initialize(data=st.data())
    def first_list(self, data: st.DataObject) -> None:
        """Every example begins with one list driven a random number of steps along its proper path, so
        that 25 random steps reach the later steps too (and the swarm cannot leave a rule off here)."""
        self.start_list(data, proper=True)
        for _ in range(data.draw(st.integers(0, 10), label="proper moves first")):
            if not self.proper_move(data):
                break

    def proper_move(self, data: st.DataObject) -> bool:
        """What the step's own user does next for the list furthest behind: approve with the required
        evidence, post the notice, or close it after its end — first, maybe, someone objects and the
        objection is checked. False when nothing moved."""
        cases = [c for c in self.cases() if c.status == CaseStatus.OPEN]
        if not cases:
            return False
        laggard = min(cases, key=lambda c: (c.position, c.pk))
        step, posted = laggard.step, selectors.on_open_notice([c.pk for c in cases])
        mates = [c for c in cases if c.batch_id == laggard.batch_id and c.position == laggard.position
                 and c.pk not in posted]
        actor = self.user(right_user(step, laggard.area_id))
        common = {"actor": actor, "today": self.today}
        label = f"{self.today} {actor.username} (proper)"
        if step.kind in flows.ACTING_KINDS:
            done = self.attempt(f"{label}: approve {describe(mates)}", False, services.cases_act,
                                case_ids=[c.pk for c in mates], action=flows.APPROVE, at_position=step.position,
                                evidence=[upload(k) for k in step.evidence], **common)
        elif laggard.pk not in posted:
            done = self.attempt(f"{label}: publish {describe(mates)}", False, services.notice_publish,
                                case_ids=[c.pk for c in mates], at_position=step.position, contact_name=CONTACT[0],
                                contact_phone=CONTACT[1], **common)
        else:
            notice = Notice.objects.filter(status=NoticeStatus.OPEN, entries__case=laggard,
                                           entries__withdrawn=False).get()
            upheld = data.draw(st.sampled_from((None, False, True)), label="objection (upheld?)")
            if upheld is not None and notice.starts_on <= self.today:
                objection = self.attempt(f"{label}: public objects to case {laggard.pk}", False, services.objection_file,
                                         notice=notice, entry_id=notice.entries.get(case=laggard).pk,
                                         filed_by_name="李四", contact="村东头", content="他家有小轿车，收入不低",
                                         today=self.today)
                return objection is not None and self.attempt(
                    f"{label}: objection {objection.pk} upheld={upheld}", False, services.objection_resolve,
                    objection_id=objection.pk, upheld=upheld, resolution=RESOLUTION, **common) is not None
            self.today = common["today"] = max(self.today, notice.ends_on + DAY)
            done = self.attempt(f"{self.today} {actor.username} (proper): close notice {notice.pk}", False,
                                services.notice_close, notice_id=notice.pk, **common)
        return done is not None

    @precondition(lambda self: len(self.open_at()) < 3)
    @rule(data=st.data())
    def start(self, data: st.DataObject) -> None:
        self.start_list(data)

    def start_list(self, data: st.DataObject, proper: bool | None = None) -> None:
        draw = Draws(data, proper=proper)
        key = data.draw(st.sampled_from(PROCEDURES), label="procedure")
        place = draw("village", ("A", "A", "B"), ("A", "B", "both"))
        pool = [h for h in self.world.homes if place == "both" or h.label[0] == place]
        homes = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True), label="households")
        name = draw("user", (owner(VILLAGE_B if place == "B" else VILLAGE_A),), USERS)
        kinds = draw("evidence", ((),), ((), ("minutes",), ("other",)))
        actor = self.user(name)
        already_open = Case.objects.filter(procedure_key=key, year=YEAR, status=CaseStatus.OPEN,
                                           household_id__in=[h.pk for h in homes]).exists()
        monitoring = key == "monitoring_2021"
        started = self.attempt(
            f"{self.today} {name}: cases_start({key}, {[h.label for h in homes]}, evidence={kinds})",
            any(not code_in_scope(actor, h.area) for h in homes), services.cases_start,
            actor=actor, procedure_key=key, year=YEAR, household_ids=[h.pk for h in homes],
            params=MONITORING_PARAMS if monitoring else None, clue_on=self.today if monitoring else None,
            evidence=[upload(k) for k in kinds], today=self.today)
        if started is None:
            return
        assert not already_open, "a second open case of the same procedure was started"
        assert sorted(c.household_id for c in started) == sorted(h.pk for h in homes)
        assert len({c.batch_id for c in started}) == len({h.area for h in homes}), "one batch per village"
        for case in Case.objects.filter(pk__in=[c.pk for c in started]).select_related("procedure"):
            first = case.procedure.steps.get(position=1)
            assert selectors.may_act(actor, case, first), f"{name} started a case not theirs to start"
            assert (case.status, case.position, case.started_on) == (CaseStatus.OPEN, 2, self.today)

    @precondition(lambda self: bool(self.open_at(flows.ACTING_KINDS)))
    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        draw = Draws(data)
        cases = self.cases()
        waiting = [c for c in cases if c.status == CaseStatus.OPEN]
        actionable = [c for c in waiting if c.step.kind in flows.ACTING_KINDS]
        anchor = draw("case", actionable * 3 + waiting, cases)  # a case on 公示 now and then: must be refused
        chosen = self.choose(draw, cases, anchor, lambda c: c.batch_id == anchor.batch_id)
        action = draw("action", (flows.APPROVE,) * 12 + (flows.RETURN, flows.REJECT, flows.WITHDRAW, flows.APPROVE),
                      flows.DIRECT_ACTIONS)
        at = draw("at_position", (anchor.position,), range(1, 10))
        name = draw("user", (right_user(anchor.step, anchor.area_id),), USERS)
        comment = draw("comment", (REASON,), (REASON, ""))
        return_to = draw("return_to", range(1, at) or (1,), (at - 1, at, None)) if action == flows.RETURN else None
        required = tuple(anchor.step.evidence) if anchor.step else ()
        kinds = list(draw("evidence", (required,), (required, (), ("other",))))
        actor = self.user(name)
        acted = self.attempt(
            f"{self.today} {name}: cases_act({action}, {describe(chosen)}, at={at}, return_to={return_to}, "
            f"comment={comment!r}, evidence={kinds})",
            any(not code_in_scope(actor, c.area_id) for c in chosen), services.cases_act,
            actor=actor, case_ids=[c.pk for c in chosen], action=action, at_position=at, comment=comment,
            return_to=return_to, evidence=[upload(k) for k in kinds], today=self.today)
        if acted is None:
            return
        after = Case.objects.in_bulk([c.pk for c in chosen])
        for case in chosen:
            assert case.status == CaseStatus.OPEN and case.position == at, f"acted on {case.pk} not at {at}"
            assert case.step.kind in flows.ACTING_KINDS, f"{action} accepted for case {case.pk} at a {case.step.kind} step"
            assert selectors.may_act(actor, case), f"{name} may not act on case {case.pk}"
            now = after[case.pk]
            if action == flows.APPROVE:
                if case.step.waits_for_batch:
                    behind = [c.pk for c in cases if c.batch_id == case.batch_id and c.status == CaseStatus.OPEN
                              and c.position < at]
                    assert not behind, f"approved {case.pk} at {at} while {behind} of its list were behind"
                assert (now.position == at + 1) or (now.status == CaseStatus.COMPLETED), (case.pk, now.position)
            elif action == flows.RETURN:
                assert return_to is not None and now.position == return_to < at, (case.pk, now.position)
            else:
                assert now.status == (CaseStatus.REJECTED if action == flows.REJECT else CaseStatus.WITHDRAWN)

    @precondition(lambda self: bool(self.open_at(flows.NOTICE_KINDS)))
    @rule(data=st.data())
    def publish(self, data: st.DataObject) -> None:
        draw = Draws(data)
        cases = self.cases()
        posted = selectors.on_open_notice([c.pk for c in cases])
        waiting = [c for c in cases if c.status == CaseStatus.OPEN and c.step.is_notice and c.pk not in posted]
        anchor = draw("case", waiting, cases)
        chosen = self.choose(draw, cases, anchor, lambda c: c.step_id == anchor.step_id and c.area_id == anchor.area_id)
        at = draw("at_position", (anchor.position,), range(1, 10))
        name = draw("user", (right_user(anchor.step, anchor.area_id),), USERS)
        offset = draw("starts in days", (0, 0, 2), (0, 2, -1, 31))
        contact = draw("contact", (CONTACT,), (CONTACT, ("", CONTACT[1]), (CONTACT[0], "")))
        reason = draw("reason", ("",), ("", "户主患有大病", "家庭收入低于标准"))
        actor = self.user(name)
        already = selectors.on_open_notice([c.pk for c in chosen])
        notice = self.attempt(
            f"{self.today} {name}: notice_publish({describe(chosen)}, at={at}, starts +{offset}d, contact={contact}, "
            f"reason={reason!r})",
            any(not code_in_scope(actor, c.area_id) for c in chosen), services.notice_publish,
            actor=actor, case_ids=[c.pk for c in chosen], at_position=at, contact_name=contact[0],
            contact_phone=contact[1], starts_on=self.today + offset * DAY, reason=reason, today=self.today)
        if notice is None:
            return
        assert not already, f"cases {already} were put on a second notice"
        assert {e.case_id for e in notice.entries.all()} == {c.pk for c in chosen}
        after = Case.objects.in_bulk([c.pk for c in chosen])
        for case in chosen:
            assert case.status == CaseStatus.OPEN and case.position == at and case.step.is_notice, case.pk
            assert selectors.may_act(actor, case), f"{name} may not post case {case.pk}"
            now = after[case.pk]
            if notice.kind == NoticeKind.ANNOUNCEMENT:
                assert now.position == at + 1 or now.status == CaseStatus.COMPLETED, (case.pk, now.position)
            else:
                assert (now.status, now.position) == (CaseStatus.OPEN, at), f"posting moved case {case.pk}"
        if notice.kind == NoticeKind.PUBLICITY:
            assert notice.status == NoticeStatus.OPEN and self.today <= notice.starts_on <= self.today + 30 * DAY
            assert notice.ends_on >= notice.starts_on

    @precondition(lambda self: any(n.status == NoticeStatus.OPEN for n in self.log().notices.values()))
    @rule(data=st.data())
    def file_objection(self, data: st.DataObject) -> None:
        draw = Draws(data)
        notices = self.notices()
        notice = draw("notice", [n for n in notices if n.status == NoticeStatus.OPEN], notices)
        entries = list(notice.entries.order_by("line"))
        entry = draw("entry", [e for e in entries if not e.withdrawn] or [None], [*entries, None])
        name = draw("received by", (None, None, right_user(notice.step, notice.area_id)), (None, *USERS))
        filed_by = draw("name", ("张三",), ("张三", ""))
        content = draw("content", ("他家有小轿车，收入不低",), ("他家有小轿车，收入不低", "无"))
        actor = self.user(name) if name else None
        objection = self.attempt(
            f"{self.today} {name or 'public'}: objection_file(notice {notice.pk} {notice.starts_on}–{notice.ends_on}, "
            f"entry {entry.pk if entry else None} (case {entry.case_id if entry else None}), {filed_by!r}, {content!r})",
            actor is not None and not code_in_scope(actor, notice.area_id), services.objection_file,
            notice=notice, entry_id=entry.pk if entry else None, filed_by_name=filed_by, contact="村东头",
            content=content, actor=actor, today=self.today)
        if objection is None:
            return
        assert notice.kind == NoticeKind.PUBLICITY and notice.status == NoticeStatus.OPEN
        assert notice.starts_on <= self.today <= notice.ends_on
        assert entry is not None and not entry.withdrawn and objection.status == ObjectionStatus.OPEN

    @precondition(lambda self: any(o.status == ObjectionStatus.OPEN for o in self.log().objections))
    @rule(data=st.data())
    def resolve_objection(self, data: st.DataObject) -> None:
        draw = Draws(data)
        objections = list(Objection.objects.select_related("notice__step", "entry").order_by("pk"))
        objection = draw("objection", [o for o in objections if o.status == ObjectionStatus.OPEN], objections)
        notice = objection.notice
        name = draw("user", (right_user(notice.step, notice.area_id),), USERS)
        upheld = data.draw(st.booleans(), label="upheld")
        resolution = draw("resolution", (RESOLUTION,), (RESOLUTION, ""))
        actor = self.user(name)
        case = Case.objects.get(pk=objection.entry.case_id) if objection.entry else None
        resolved = self.attempt(
            f"{self.today} {name}: objection_resolve({objection.pk} on notice {notice.pk}, case "
            f"{case.pk if case else None}, upheld={upheld}, {resolution!r})",
            not code_in_scope(actor, notice.area_id), services.objection_resolve,
            actor=actor, objection_id=objection.pk, upheld=upheld, resolution=resolution, today=self.today)
        if resolved is None:
            return
        assert objection.status == ObjectionStatus.OPEN, "an objection was resolved twice"
        assert selectors.may_act(actor, Case(area_id=notice.area_id), notice.step), f"{name} may not resolve"
        resolved.refresh_from_db()
        assert resolved.status == (ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED)
        assert resolved.resolved_on == self.today
        if case is None:
            return
        now = Case.objects.get(pk=case.pk)
        sent_back = (upheld and not objection.entry.withdrawn and case.status == CaseStatus.OPEN
                     and case.position == notice.step.position)
        if sent_back:
            assert now.position == (notice.step.return_to or notice.step.position - 1), (case.pk, now.position)
            assert NoticeEntry.objects.get(pk=objection.entry_id).withdrawn
        else:
            assert (now.status, now.position) == (case.status, case.position), f"case {case.pk} moved"

    @precondition(lambda self: any(n.status == NoticeStatus.OPEN for n in self.log().notices.values()))
    @rule(data=st.data())
    def close_notice(self, data: st.DataObject) -> None:
        draw = Draws(data)
        notices = self.notices()
        notice = draw("notice", [n for n in notices if n.status == NoticeStatus.OPEN], notices)
        name = draw("user", (right_user(notice.step, notice.area_id),), USERS)
        actor = self.user(name)
        entries = list(notice.entries.select_related("case"))
        open_objections = notice.objections.filter(status=ObjectionStatus.OPEN).count()
        closed = self.attempt(
            f"{self.today} {name}: notice_close({notice.pk} {notice.starts_on}–{notice.ends_on}, "
            f"{open_objections} open objection(s))",
            not code_in_scope(actor, notice.area_id), services.notice_close,
            actor=actor, notice_id=notice.pk, today=self.today)
        if closed is None:
            return
        assert notice.status == NoticeStatus.OPEN and self.today > notice.ends_on and not open_objections
        assert selectors.may_act(actor, Case(area_id=notice.area_id), notice.step), f"{name} may not close"
        after = Case.objects.in_bulk([e.case_id for e in entries])
        for entry in entries:
            case, now = entry.case, after[entry.case_id]
            if not entry.withdrawn and case.status == CaseStatus.OPEN and case.position == notice.step.position:
                assert now.position == case.position + 1 or now.status == CaseStatus.COMPLETED, case.pk
            else:
                assert (now.status, now.position) == (case.status, case.position), f"case {case.pk} moved"

    # -- invariants (read back from the database after every step)

    @invariant()
    def no_case_skips_a_step(self) -> None:
        check_no_skipped_step(self.log())

    @invariant()
    def notice_steps_are_left_only_through_the_notice(self) -> None:
        check_notice_steps(self.log())

    @invariant()
    def closed_notices_have_no_open_objection(self) -> None:
        check_objections(self.log())

    @invariant()
    def closed_cases_stay_closed(self) -> None:
        check_closed_cases_stay_closed(self.log())

    @invariant()
    def only_the_step_role_in_its_area_acts(self) -> None:
        check_actors_in_role_and_area(self.log(), {u.pk: u for u in self.world.users.values()})


@pytest.mark.django_db
def test_random_acts_by_random_users_keep_the_procedure_rules(personas):
    world = World.build(personas)
    run_state_machine_as_test(lambda: WorkflowMachine(world), settings=SETTINGS)


# --------------------------------------------------------- the checks are not vacuous: forged rows fail


@pytest.mark.django_db
def test_each_check_catches_a_forged_violation(personas):
    village, outsider = personas.village_officer, personas.other_county_officer
    homes = households(village, 2)
    first, second = services.cases_start(actor=village, procedure_key="identification_2014", year=YEAR,
                                         household_ids=[h.pk for h in homes], today=START)
    ids = [first.pk, second.pk]
    services.cases_act(actor=village, case_ids=ids, action="approve", at_position=2, evidence=[upload("minutes")],
                       today=START)
    services.cases_act(actor=village, case_ids=ids, action="approve", at_position=3, today=START)
    notice = services.notice_publish(actor=village, case_ids=ids, at_position=4, contact_name=CONTACT[0],
                                     contact_phone=CONTACT[1], today=START)
    services.objection_file(notice=notice, entry_id=notice.entries.get(case=first).pk, filed_by_name="张三",
                            contact="村东头", content="他家有小轿车", today=START)
    for check in CHECKS:
        check()
    step_4, step_5, step_6 = (first.procedure.steps.get(position=p) for p in (4, 5, 6))

    def forge_skip() -> None:  # 4 → 6 in one move
        Decision.objects.create(case=first, step=step_4, action="notice_passed", from_position=4, to_position=6,
                                decided_on=notice.ends_on + DAY, notice=notice)
        Case.objects.filter(pk=first.pk).update(position=6, step=step_6)

    def forge_leaving_an_open_notice() -> None:  # passes notice 4 while the notice still runs
        Decision.objects.create(case=second, step=step_4, action="notice_passed", from_position=4,
                                to_position=5, decided_on=START, notice=notice)
        Case.objects.filter(pk=second.pk).update(position=5, step=step_5)

    def forge_approval_at_a_notice() -> None:
        Decision.objects.create(case=second, step=step_4, action="approve", from_position=4, to_position=5,
                                decided_on=START, actor=village, role=village.role)
        Case.objects.filter(pk=second.pk).update(position=5, step=step_5)

    def forge_closing_with_an_open_objection() -> None:
        Notice.objects.filter(pk=notice.pk).update(status="closed", closed_on=notice.ends_on + DAY)

    def forge_a_decision_after_withdrawal() -> None:
        Decision.objects.create(case=first, step=step_4, action="withdraw", from_position=4, decided_on=START)
        Case.objects.filter(pk=first.pk).update(status="withdrawn", step=None, closed_on=START)
        Decision.objects.create(case=first, step=step_4, action="posted", from_position=4, to_position=4,
                                decided_on=START, notice=notice)

    def forge_an_outsider() -> None:
        Decision.objects.filter(case=first, action="start").update(actor=outsider)

    forgeries = [
        (forge_skip, check_no_skipped_step, "skipped a step"),
        (forge_leaving_an_open_notice, check_notice_steps, "is not closed"),
        (forge_approval_at_a_notice, check_notice_steps, "acted directly at a notice step"),
        (forge_closing_with_an_open_objection, check_objections, "still open, notice closed"),
        (forge_a_decision_after_withdrawal, check_closed_cases_stay_closed, "decisions after withdraw"),
        (forge_an_outsider, check_actors_in_role_and_area, "outside the actor's area"),
    ]
    for forge, check, reason in forgeries:
        with transaction.atomic():
            forge()
            with pytest.raises(AssertionError, match=reason):
                check()
            transaction.set_rollback(True)
    for check in CHECKS:  # and everything is as it was
        check()
