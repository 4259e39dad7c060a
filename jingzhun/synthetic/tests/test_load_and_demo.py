import pytest
from django.core.management import call_command

from jingzhun.accounts.models import User
from jingzhun.areas.models import Area
from jingzhun.core.audit import audit_verify
from jingzhun.core.models import AuditEvent
from jingzhun.registry import selectors
from jingzhun.registry.bulk import BulkLoadRefused, load_generated
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear
from jingzhun.synthetic.generator import write_registry

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (Area, Household, Person, HouseholdYear, PersonYear, AuditEvent)]


def test_load_generated_then_refuse_a_second_load(reference_data, tmp_path):
    rows = write_registry(persons=1500, seed=4, out=tmp_path)
    counts = load_generated(tmp_path, progress=False)
    assert counts["persons"] == Person.objects.count() == 1500
    assert Household.objects.count() == counts["households"] == rows["households"]
    assert HouseholdYear.objects.count() == 2 * counts["households"]
    assert PersonYear.objects.count() == 3000
    head = Person.objects.filter(relation="head").select_related("household").first()
    assert head.household.head_name == head.name
    assert head.household.member_count == head.household.members.count()
    assert head.household.version == 1 and head.id_base == head.id_number[:18]
    assert Area.objects.filter(source="generated", level=5).count() == Household.objects.values("area").distinct().count()
    event = AuditEvent.objects.get(action="registry.bulk.loaded")
    assert event.after == {"households": counts["households"], "persons": 1500, "source": str(tmp_path)}

    before = _counts()
    with pytest.raises(BulkLoadRefused):
        load_generated(tmp_path, progress=False)
    assert _counts() == before
    *_, (checked, broken) = audit_verify()
    assert broken is None and checked == 1


def test_demo_builds_county_accounts_and_is_idempotent(reference_data, capsys):
    call_command("demo", persons=800)
    out = capsys.readouterr().out
    for username in ("admin", "county_admin", "county_officer", "township_reviewer", "village_officer",
                     "first_secretary", "cadre", "evaluator", "auditor"):
        assert username in out
        assert User.objects.filter(username=username).exists()
    assert "jingzhun-demo-2026" in out
    assert Area.objects.filter(code__startswith="441426", level=4).count() == 8
    assert 50 <= Area.objects.filter(code__startswith="441426", level=5).count() <= 70
    assert Person.objects.count() == 800 + 9  # generated + the three example households
    assert AuditEvent.objects.filter(action="registry.household.registered").count() == 3
    # the village's queue has a posted identification notice and an overdue monitoring case
    from jingzhun.core import clock
    from jingzhun.workflow.models import Case, Notice
    from jingzhun.workflow.selectors import overdue_cases

    village_officer = User.objects.get(username="village_officer")
    notice = Notice.objects.get(procedure__subject="household")
    assert notice.area_id == village_officer.scope.get().code and notice.entries.count() >= 1
    assert [c.procedure_key for c in overdue_cases(actor=village_officer, today=clock.today())] == ["monitoring_2021"]
    assert Case.objects.filter(household__isnull=False).count() == notice.entries.count() + 1
    # projects and funds: in the library, funded and partly paid; this year's water project on its notice
    from jingzhun.funds.models import Project
    from jingzhun.funds.selectors import fund_ledger, funds_report

    county_officer = User.objects.get(username="county_officer")
    assert Project.objects.filter(status="accepted").count() == 2 and Project.objects.count() == 5
    assert fund_ledger(actor=county_officer).total.disbursed > 0
    assert any(r.lagging for r in funds_report(actor=county_officer, year=2024))
    assert Notice.objects.filter(procedure__subject="project", status="open").count() == 1
    # assistance: every poor household of the demo village is paired; the cadre login has households
    from jingzhun.assistance import checks
    from jingzhun.assistance.selectors import households_without_cadre, my_households

    county = User.objects.get(username="county_officer")
    village_code = village_officer.scope.get().code
    assert not households_without_cadre(actor=county, year=2024, on=clock.today(), area_code=village_code).exists()
    assert my_households(actor=User.objects.get(username="cadre"), on=clock.today()).exists()
    (village,) = checks.village_checks(actor=county, year=2024, on=clock.today(), area_code=village_code)
    assert village.people.counts["team_members"] == 3 and village.people.counts["first_secretary"]
    assert village.measures.counts["needing"] > 0
    persons, events = Person.objects.count(), AuditEvent.objects.count()
    call_command("demo", persons=800)
    assert "exists already" in capsys.readouterr().out
    assert Person.objects.count() == persons and AuditEvent.objects.count() == events
    officer = User.objects.get(username="village_officer")
    visible = selectors.household_search(actor=officer)
    assert visible.exists()
    assert all(h.area_id == officer.scope.get().code for h in visible)
