"""Exports: scope, masking, formula neutralisation, encodings, audit, and the round trip back in."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from jingzhun.core.models import AuditEvent
from jingzhun.imports.models import ImportBatch
from jingzhun.imports.services import import_check, import_merge
from jingzhun.imports.tests.files import household_rows, write_xlsx
from jingzhun.registry.exports import households_csv
from jingzhun.registry.models import Person
from jingzhun.registry.selectors import household_search
from jingzhun.testing.personas import VILLAGE_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(personas, tmp_path):
    rows = household_rows("HH0001") + household_rows("HH0002", surname="刘")
    for row in rows[:3]:
        row[2] = "=1+1"  # a formula in 所在组 of HH0001
    for officer, path, data in ((personas.village_officer, "a.xlsx", rows),
                                (personas.village_officer_b, "b.xlsx", household_rows("HHB001", area=VILLAGE_B))):
        outcome = import_check(actor=officer, path=write_xlsx(tmp_path / path, data), report_dir=tmp_path)
        assert import_merge(actor=officer, outcome=outcome).status == ImportBatch.Status.DONE
    return tmp_path


def _csv(actor, encoding="utf-8-sig") -> list[list[str]]:  # type: ignore[no-untyped-def]
    data = b"".join(households_csv(actor=actor, households=household_search(actor=actor), encoding=encoding))
    return list(csv.reader(io.StringIO(data.decode(encoding))))


def test_export_is_scoped_masked_neutralised_and_audited(personas, registry):
    rows = _csv(personas.village_officer)
    assert rows[0][:3] == ["户编号", "行政区划代码", "所在组"]
    assert {r[0] for r in rows[1:]} == {"HH0001", "HH0002"}  # not village B's household
    assert rows[1][2] == "'=1+1"
    head_id = Person.objects.get(name="王大山", household__household_number="HH0001").id_number
    assert any(head_id in r for r in rows)
    masked = _csv(personas.evaluator)
    assert {r[0] for r in masked[1:]} == {"HH0001", "HH0002", "HHB001"}
    assert not any(head_id in r for r in masked) and any("***" in r for r in masked)
    assert AuditEvent.objects.filter(action="registry.households.exported", actor_username="evaluator",
                                     after__masked=True).exists()


def test_gbk_export_opens_in_gbk(personas, registry):
    rows = _csv(personas.county_officer, encoding="gbk")
    name = rows[0].index("姓名")
    assert "王大山" in {r[name] for r in rows}


def test_export_then_import_changes_nothing(personas, registry, tmp_path):
    out = tmp_path / "export.xlsx"
    call_command("export", str(out), user="village_a")
    sheet = load_workbook(out, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "户编号" and len(rows) == 1 + 6
    # Neutralised cells are restored by the user before re-import; this one is the formula cell.
    fixed = [[("=1+1" if c == "'=1+1" else c) for c in row] for row in rows[1:]]
    back = write_xlsx(tmp_path / "back.xlsx", fixed, header=list(rows[0]))
    outcome = import_check(actor=personas.village_officer, path=back, report_dir=tmp_path)
    assert outcome.checked.problems == []
    batch = import_merge(actor=personas.village_officer, outcome=outcome)
    assert (batch.created, batch.updated, batch.unchanged) == (0, 0, 2)


def test_export_cli_usage_errors(personas, tmp_path):
    with pytest.raises(SystemExit) as caught:
        call_command("export", str(tmp_path / "x.txt"), user="village_a")
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        call_command("export", str(tmp_path / "x.csv"), user="nobody")
    assert caught.value.code == 2
    call_command("export", str(tmp_path / "x.csv"), user="village_a", encoding="gbk")
    assert (tmp_path / "x.csv").read_bytes().decode("gbk").startswith("户编号")
