"""Property-based test of the fund ledger (hypothesis stateful testing).

Random users — the county officer, the township reviewer (whose areas hold two of the three projects),
an officer of another county and the evaluator (who reads but does not write) — receive funds,
allocate them to projects, disburse, and reverse disbursements and allocations, in random order and
with random amounts: most are well-formed and near the limits (exactly what is left, a cent more),
some are not amounts at all. The machine keeps its own account of what each call should do and
checks, for every call, that it succeeded exactly when the rules say it should — and that a refused
call changed nothing. After every step the database itself must show:

1. the sum of disbursements to projects (seen from the projects) equals the fund ledger's total
   disbursed (seen from the funds) and the plain sum of the ledger lines;
2. no fund has more allocated than it received, no allocation more paid out than it holds, no
   project more allocated from a source than its budget for it, and no sum is negative;
3. the fund, allocation and project sums are those the machine expected.

With ``SETTINGS`` below one run makes 20 examples × 60 steps = 1,200 random calls, each followed by
the checks — about 15 s on SQLite, as every call is a real service call (about 11 queries with its
audit event) and every check reads the ledger and the selectors again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from jingzhun.accounts.scope import code_in_scope
from jingzhun.accounts.services import user_create
from jingzhun.areas import codes
from jingzhun.core.exceptions import ActionForbidden, DomainError, NotFound, ValidationFailed
from jingzhun.funds import selectors, services
from jingzhun.funds.models import Allocation, Disbursement, Fund, ProjectBudget
from jingzhun.funds.money import AmountError, parse_amount
from jingzhun.funds.tests.factories import in_library
from jingzhun.testing.personas import COUNTY, OTHER_COUNTY, PASSWORD, TOWNSHIP, VILLAGE_C

SETTINGS = settings(max_examples=20, stateful_step_count=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
USERS = ("county_officer", "county_officer", "township_reviewer", "other_county_officer", "evaluator")
WRITERS = ("county_officer", "township_reviewer", "other_county_officer")
SOURCES = ("central", "provincial", "county", "integrated")
AREAS = (COUNTY, COUNTY, TOWNSHIP, OTHER_COUNTY)
NOT_AMOUNTS = ("", "abc", "12.345", "0", "-5", "1e3", "0.001")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


@dataclass
class World:
    """Made once per test function: the users and three projects in the library."""

    users: dict[str, Any]
    admin: Any
    projects: dict[int, tuple[str, dict[str, Decimal]]]  # id → (area, budget by source)
    today: Any

    @classmethod
    def build(cls, personas: Any) -> World:
        admin = user_create(actor=None, username="root", password=PASSWORD, role="", scope_codes=[],
                            display_name="root", is_superuser=True)
        made = [in_library(personas, name="光伏电站", budget={"central": "3000", "county": "1000"}),
                in_library(personas, name="道路硬化", kind="infrastructure", budget={"central": "2000",
                                                                                  "integrated": "500"}),
                in_library(personas, by=admin, name="肉牛养殖", area_code=VILLAGE_C,
                           budget={"provincial": "1500", "central": "800"})]
        projects = {p.pk: (p.area_id, dict(ProjectBudget.objects.filter(project=p).values_list("source", "amount")))
                    for p, _day in made}
        users = {name: getattr(personas, name) for name in set(USERS)}
        return cls(users=users, admin=admin, projects=projects, today=max(day for _p, day in made))


@dataclass
class Model:
    """What the machine expects the ledger to hold."""

    funds: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → source, area, amount
    allocations: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → fund, project, amount, reversed
    disbursements: dict[int, dict[str, Any]] = field(default_factory=dict)  # id → allocation, amount, reversed

    def fund_allocated(self, fund_id: int) -> Decimal:
        return sum((a["amount"] for a in self.allocations.values() if a["fund"] == fund_id), ZERO)

    def allocation_paid(self, allocation_id: int) -> Decimal:
        return sum((d["amount"] for d in self.disbursements.values() if d["allocation"] == allocation_id), ZERO)

    def project_source_allocated(self, project_id: int, source: str) -> Decimal:
        return sum((a["amount"] for a in self.allocations.values()
                    if a["project"] == project_id and self.funds[a["fund"]]["source"] == source), ZERO)


def snapshot() -> tuple[Any, ...]:
    """Every line of the ledger: (funds, allocations, disbursements)."""
    return (list(Fund.objects.order_by("pk").values_list("pk", "amount")),
            list(Allocation.objects.order_by("pk").values_list("pk", "fund_id", "project_id", "amount", "reverses_id")),
            list(Disbursement.objects.order_by("pk").values_list("pk", "allocation_id", "amount", "reverses_id")))


def amount_text(data: st.DataObject, edges: tuple[Decimal, ...] = ()) -> str:
    """Mostly a valid amount (often exactly a limit or a cent past it), sometimes not an amount."""
    kind = data.draw(st.sampled_from(("random", "random", "edge", "edge", "bad")), label="amount kind")
    if kind == "edge" and edges:
        value = data.draw(st.sampled_from(edges), label="edge")
        return f"{max(value, CENT):.2f}"
    if kind == "bad":
        return data.draw(st.sampled_from(NOT_AMOUNTS), label="not an amount")
    value = data.draw(st.decimals(min_value=CENT, max_value=Decimal("3000"), places=2), label="amount")
    return f"{value:.2f}"


def valid_amount(text: str) -> Decimal | None:
    try:
        return parse_amount(text)
    except AmountError:
        return None


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world
        self.model = Model()
        self.numbers = 0
        self.state: tuple[Any, ...] | None = None  # the ledger as the last check read it
        self.atomic = transaction.atomic()
        self.atomic.__enter__()  # every example starts from the same three projects and leaves nothing

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # -- helpers

    def user(self, data: st.DataObject, names: tuple[str, ...] = USERS) -> tuple[str, Any]:
        name = data.draw(st.sampled_from(names), label="user")
        return name, self.world.users[name]

    def attempt(self, label: str, expected: type[DomainError] | None, service: Any, **kwargs: Any) -> Any:
        """Call ``service``; it must succeed exactly when ``expected`` is None, and otherwise raise
        ``expected`` and change nothing."""
        before = self.state if self.state is not None else snapshot()
        self.state = None
        try:
            result = service(today=self.world.today, **kwargs)
        except DomainError as exc:
            note(f"{label} -> refused {type(exc).__name__} {exc.code} {[i.code for i in exc.issues]}")
            assert snapshot() == before, f"{label}: refused ({exc.code}) but the ledger changed"
            assert expected is not None, f"{label}: refused ({exc.code} {[i.code for i in exc.issues]}), expected to pass"
            assert isinstance(exc, expected), f"{label}: {type(exc).__name__}, expected {expected.__name__}"
            return None
        note(f"{label} -> done")
        assert expected is None, f"{label}: succeeded, expected {expected.__name__}"
        return result

    @staticmethod
    def writes(name: str) -> bool:
        return name != "evaluator"

    # -- rules

    @rule(data=st.data())
    def receive(self, data: st.DataObject) -> None:
        name, actor = self.user(data, (*WRITERS, "evaluator"))
        source = data.draw(st.sampled_from(SOURCES), label="source")
        area = data.draw(st.sampled_from(AREAS), label="area")
        text = amount_text(data, (Decimal("500"), Decimal("2000"), Decimal("3000")))
        self.numbers += 1
        amount = valid_amount(text)
        expected = (ActionForbidden if not self.writes(name)
                    else ValidationFailed if amount is None or not code_in_scope(actor, area) else None)
        made = self.attempt(f"{name}: receive {source} {text!r} in {area}", expected, services.fund_receive,
                            actor=actor, source=source, year=2024, document_number=f"财〔2024〕{self.numbers}号",
                            area_code=area, amount=text)
        if made is not None:
            assert made.amount == amount
            self.model.funds[made.pk] = {"source": source, "area": area, "amount": amount}

    @precondition(lambda self: bool(self.model.funds))
    @rule(data=st.data())
    def allocate(self, data: st.DataObject) -> None:
        name, actor = self.user(data)
        fund_id = data.draw(st.sampled_from(sorted(self.model.funds)), label="fund")
        project_id = data.draw(st.sampled_from(sorted(self.world.projects)), label="project")
        fund = self.model.funds[fund_id]
        area, budget = self.world.projects[project_id]
        fund_left = fund["amount"] - self.model.fund_allocated(fund_id)
        budget_left = budget.get(fund["source"], ZERO) - self.model.project_source_allocated(project_id, fund["source"])
        text = amount_text(data, (fund_left, fund_left + CENT, budget_left, budget_left + CENT))
        amount = valid_amount(text)
        if not code_in_scope(actor, fund["area"]):
            expected: type[DomainError] | None = NotFound
        elif not self.writes(name):
            expected = ActionForbidden
        elif not code_in_scope(actor, area):
            expected = NotFound
        elif (amount is None or not area.startswith(codes.prefix_of(fund["area"])) or fund["source"] not in budget
              or amount > fund_left or amount > budget_left):
            expected = ValidationFailed
        else:
            expected = None
        made = self.attempt(f"{name}: allocate {text!r} of fund {fund_id} ({fund['source']}, left {fund_left}) to "
                            f"project {project_id} (budget left {budget_left})", expected, services.allocate,
                            actor=actor, fund_id=fund_id, project_id=project_id, amount=text)
        if made is not None:
            self.model.allocations[made.pk] = {"fund": fund_id, "project": project_id, "amount": amount,
                                               "reversed": False, "reversal": False}

    @precondition(lambda self: any(not a["reversal"] for a in self.model.allocations.values()))
    @rule(data=st.data())
    def disburse(self, data: st.DataObject) -> None:
        name, actor = self.user(data)
        originals = sorted(k for k, a in self.model.allocations.items() if not a["reversal"])
        allocation_id = data.draw(st.sampled_from(originals), label="allocation")
        allocation = self.model.allocations[allocation_id]
        fund_area = self.model.funds[allocation["fund"]]["area"]
        left = allocation["amount"] - self.model.allocation_paid(allocation_id)
        text = amount_text(data, (left, left + CENT, left / 2))
        amount = valid_amount(text)
        if not code_in_scope(actor, fund_area):
            expected: type[DomainError] | None = NotFound
        elif not self.writes(name):
            expected = ActionForbidden
        elif amount is None or allocation["reversed"] or amount > left:
            expected = ValidationFailed
        else:
            expected = None
        made = self.attempt(f"{name}: disburse {text!r} of allocation {allocation_id} (left {left})", expected,
                            services.disburse, actor=actor, allocation_id=allocation_id, amount=text, payee="施工单位",
                            voucher_number=f"记-{allocation_id}")
        if made is not None:
            self.model.disbursements[made.pk] = {"allocation": allocation_id, "amount": amount, "reversed": False,
                                                 "reversal": False}

    @precondition(lambda self: bool(self.model.disbursements))
    @rule(data=st.data())
    def reverse_disbursement(self, data: st.DataObject) -> None:
        name, actor = self.user(data)
        disbursement_id = data.draw(st.sampled_from(sorted(self.model.disbursements)), label="disbursement")
        line = self.model.disbursements[disbursement_id]
        fund_area = self.model.funds[self.model.allocations[line["allocation"]]["fund"]]["area"]
        if not code_in_scope(actor, fund_area):
            expected: type[DomainError] | None = NotFound
        elif not self.writes(name):
            expected = ActionForbidden
        elif line["reversed"] or line["reversal"]:
            expected = ValidationFailed
        else:
            expected = None
        made = self.attempt(f"{name}: reverse disbursement {disbursement_id} ({line['amount']})", expected,
                            services.disbursement_reverse, actor=actor, disbursement_id=disbursement_id,
                            reason="收款人错误")
        if made is not None:
            line["reversed"] = True
            self.model.disbursements[made.pk] = {"allocation": line["allocation"], "amount": -line["amount"],
                                                 "reversed": False, "reversal": True}

    @precondition(lambda self: bool(self.model.allocations))
    @rule(data=st.data())
    def reverse_allocation(self, data: st.DataObject) -> None:
        name, actor = self.user(data)
        allocation_id = data.draw(st.sampled_from(sorted(self.model.allocations)), label="allocation")
        allocation = self.model.allocations[allocation_id]
        fund_area = self.model.funds[allocation["fund"]]["area"]
        if not code_in_scope(actor, fund_area):
            expected: type[DomainError] | None = NotFound
        elif not self.writes(name):
            expected = ActionForbidden
        elif allocation["reversed"] or allocation["reversal"] or self.model.allocation_paid(allocation_id):
            expected = ValidationFailed
        else:
            expected = None
        made = self.attempt(f"{name}: reverse allocation {allocation_id} ({allocation['amount']})", expected,
                            services.allocation_reverse, actor=actor, allocation_id=allocation_id, reason="分配错误")
        if made is not None:
            allocation["reversed"] = True
            self.model.allocations[made.pk] = {**allocation, "amount": -allocation["amount"], "reversed": False,
                                               "reversal": True}

    # -- invariants (read back from the database after every step)

    @invariant()
    def the_ledger_is_whole(self) -> None:
        self.state = check_ledger(self.world, self.model)


def check_ledger(world: World, model: Model) -> tuple[Any, ...]:
    """The three properties of the module docstring, from one read of the ledger lines plus the
    selectors that the pages and reports use. Returns what it read (``snapshot()``), so that the
    next call's refusal is compared with it without reading the tables again."""
    state = snapshot()
    funds = dict(state[0])
    allocations = {pk: (fund_id, project_id, amount, reverses) for pk, fund_id, project_id, amount, reverses in state[1]}
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for _pk, allocation_id, amount, _reverses in state[2]:
        paid[allocation_id] += amount
    # 1. paid out: seen from the projects, from the fund ledger, and line by line
    admin = world.admin
    money = selectors.project_money(list(world.projects))
    by_projects = sum((m.disbursed for m in money.values()), ZERO)
    ledger = selectors.fund_ledger(actor=admin).total
    lines = sum(paid.values(), ZERO)
    expected = sum((d["amount"] for d in model.disbursements.values()), ZERO)
    assert by_projects == ledger.disbursed == lines == expected, (by_projects, ledger.disbursed, lines, expected)
    # 2. nothing overspent, and 3. every sum as expected
    allocated: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for fund_id, _project_id, amount, _reverses in allocations.values():
        allocated[fund_id] += amount
    for fund_id, amount in funds.items():
        assert ZERO <= allocated[fund_id] <= amount, f"fund {fund_id}: {allocated[fund_id]} allocated of {amount}"
        assert allocated[fund_id] == model.fund_allocated(fund_id), f"fund {fund_id}"
    reversed_ids = {reverses for *_rest, reverses in allocations.values() if reverses is not None}
    for pk, (_fund_id, _project_id, amount, reverses) in allocations.items():
        if reverses is not None:
            assert not paid[pk], f"a reversing allocation {pk} pays"
            continue
        assert ZERO <= paid[pk] <= amount, f"allocation {pk}: {paid[pk]} paid of {amount}"
        assert pk not in reversed_ids or paid[pk] == ZERO, f"reversed allocation {pk} still pays {paid[pk]}"
        assert paid[pk] == model.allocation_paid(pk), f"allocation {pk}"
    for project_id, (_area, budget) in world.projects.items():
        for source, total in money[project_id].allocated_by_source.items():
            assert ZERO <= total <= budget.get(source, ZERO), f"project {project_id} {source}: {total} allocated"
            assert total == model.project_source_allocated(project_id, source), f"project {project_id} {source}"
        assert ZERO <= money[project_id].disbursed <= money[project_id].allocated, f"project {project_id}"
    return state


@pytest.mark.django_db
def test_random_receipts_allocations_disbursements_and_corrections_keep_the_ledger_whole(personas):
    world = World.build(personas)
    run_state_machine_as_test(lambda: LedgerMachine(world), settings=SETTINGS)


@pytest.mark.django_db
def test_the_invariants_catch_a_forged_overspending(personas):
    """The checks are not vacuous: a line written past the services breaks them."""
    world = World.build(personas)
    machine = LedgerMachine(world)
    try:
        county = world.users["county_officer"]
        fund = services.fund_receive(actor=county, source="central", year=2024, document_number="伪造", area_code=COUNTY,
                                     amount="100", today=world.today)
        machine.model.funds[fund.pk] = {"source": "central", "area": COUNTY, "amount": Decimal("100.00")}
        project_id = next(iter(world.projects))
        allocation = services.allocate(actor=county, fund_id=fund.pk, project_id=project_id, amount="100",
                                       today=world.today)
        machine.model.allocations[allocation.pk] = {"fund": fund.pk, "project": project_id,
                                                    "amount": Decimal("100.00"), "reversed": False, "reversal": False}
        check_ledger(world, machine.model)
        forged = Disbursement.objects.create(allocation=allocation, amount=Decimal("150"), paid_on=world.today,
                                             payee="x", voucher_number="伪")
        machine.model.disbursements[forged.pk] = {"allocation": allocation.pk, "amount": Decimal("150.00"),
                                                  "reversed": False, "reversal": False}
        with pytest.raises(AssertionError, match="150.00 paid of 100.00"):
            check_ledger(world, machine.model)  # the totals agree; the allocation is overspent
        Disbursement.objects.filter(pk=forged.pk).update(amount=Decimal("50"))
        with pytest.raises(AssertionError, match="50.00"):
            check_ledger(world, machine.model)  # the sums are not what the calls did
        Disbursement.objects.filter(pk=forged.pk).delete()
        del machine.model.disbursements[forged.pk]
        check_ledger(world, machine.model)
        Allocation.objects.create(fund=fund, project_id=project_id, amount=Decimal("5000"), allocated_on=world.today)
        with pytest.raises(AssertionError, match="5100.00 allocated of 100.00"):
            check_ledger(world, machine.model)
    finally:
        machine.teardown()
