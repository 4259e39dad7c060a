"""Imports with real files: every format and encoding, broken files, modes, re-imports, the CLI."""

from __future__ import annotations

import os
import zipfile

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from jingzhun.core.models import AuditEvent
from jingzhun.imports.models import ImportBatch
from jingzhun.imports.services import ImportFileError, import_check, import_merge
from jingzhun.imports.tests.files import HEADER, household_rows, write_csv, write_xlsx
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear
from jingzhun.testing.personas import OTHER_VILLAGE, VILLAGE_B

pytestmark = pytest.mark.django_db


def run(actor, path, **options):  # type: ignore[no-untyped-def]
    outcome = import_check(actor=actor, path=path, report_dir=path.parent, **options)
    return outcome, import_merge(actor=actor, outcome=outcome)


def problems(outcome) -> set[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    return {(p.row, p.column, p.code) for p in outcome.checked.problems}


def test_xlsx_import_creates_households_and_reimport_changes_nothing(personas, tmp_path):
    path = write_xlsx(tmp_path / "村.xlsx", household_rows("HH0001") + household_rows("HH0002", surname="刘", size=4))
    outcome, batch = run(personas.village_officer, path)
    assert batch.status == ImportBatch.Status.DONE and batch.created == 2 and batch.problems == 0
    assert Household.objects.count() == 2 and Person.objects.count() == 7
    household = Household.objects.get(household_number="HH0001")
    year = HouseholdYear.objects.get(household=household, year=2024)
    assert (year.status, year.main_cause, year.other_cause_1) == ("poor", "1", "7")
    assert str(year.net_income) == "10500.00"
    assert PersonYear.objects.filter(person__household=household, health="serious").count() == 1
    assert AuditEvent.objects.filter(target_id=str(household.pk), after___source=f"import:{batch.pk}").exists()
    _outcome, again = run(personas.village_officer, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Household.objects.count() == 2 and Person.objects.count() == 7


def test_corrected_file_updates_what_changed_and_is_audited_as_import(personas, tmp_path):
    rows = household_rows("HH0001")
    run(personas.village_officer, write_xlsx(tmp_path / "a.xlsx", rows))
    for row in rows:
        row[3] = "13911112222"
    rows[2][16] = "普通劳动力"
    _outcome, batch = run(personas.village_officer, write_xlsx(tmp_path / "b.xlsx", rows))
    assert (batch.created, batch.updated, batch.unchanged) == (0, 1, 0)
    household = Household.objects.get(household_number="HH0001")
    assert household.phone == "13911112222"
    event = AuditEvent.objects.filter(action="registry.household.updated", target_id=str(household.pk)).get()
    assert event.after["phone"] == "13911112222" and event.after["_source"] == f"import:{batch.pk}"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_is_detected(personas, tmp_path, encoding):
    path = write_csv(tmp_path / "data.csv", household_rows("HH0001"), encoding=encoding)
    outcome, batch = run(personas.village_officer, path)
    assert batch.status == ImportBatch.Status.DONE, [p.text("en") for p in outcome.checked.problems]
    assert Person.objects.filter(name="王大山").exists()


def test_named_encoding_that_does_not_fit_is_a_clear_error(personas, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", household_rows("HH0001"), encoding="gbk")
    with pytest.raises(ImportFileError) as caught:
        import_check(actor=personas.village_officer, path=path, encoding="utf-8")
    assert caught.value.code == "encoding" and "UTF-8" in caught.value.text("zh-hans")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text(",".join(HEADER), encoding="utf-16")
    with pytest.raises(ImportFileError) as caught:
        import_check(actor=personas.village_officer, path=utf16)
    assert caught.value.code == "encoding"
    assert Household.objects.count() == 0


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda rows: rows[0].__setitem__(6, "户长"), (2, "与户主关系", "unknown_code")),
        (lambda rows: rows[0].__setitem__(5, rows[0][5][:17] + ("0" if rows[0][5][17] != "0" else "1")), (2, "证件号码", "id_checksum")),
        (lambda rows: rows[1].__setitem__(6, "户主"), (3, "与户主关系", "second_head")),
        (lambda rows: rows[2].__setitem__(5, rows[1][5]), (4, "证件号码", "duplicate_in_file")),
        (lambda rows: [r.__setitem__(1, OTHER_VILLAGE) for r in rows], (2, "行政区划代码", "area_scope")),
        (lambda rows: rows[0].__setitem__(12, "-5"), (2, "工资性收入", "negative")),
        (lambda rows: rows[1].__setitem__(3, "13900000000"), (3, "联系电话", "inconsistent")),
    ],
)
def test_broken_rows_are_named_and_nothing_is_written(personas, tmp_path, mutate, expected):
    rows = household_rows("HH0001")
    mutate(rows)
    outcome, batch = run(personas.village_officer, write_xlsx(tmp_path / "bad.xlsx", rows))
    assert expected in problems(outcome), problems(outcome)
    assert batch.status == ImportBatch.Status.REJECTED
    assert Household.objects.count() == 0 and Person.objects.count() == 0
    texts = {(p.text("zh-hans"), p.text("en")) for p in outcome.checked.problems}
    assert all(zh != en for zh, en in texts)
    report = load_workbook(outcome.report, read_only=True)
    rejected = list(report["被拒绝的行 Rejected rows"].iter_rows(values_only=True))
    assert rejected[0][1:] == tuple(HEADER) and len(rejected) == 4


def test_invisible_control_characters_are_refused_with_a_readable_report(personas, tmp_path):
    """Characters copied in from other systems (PostgreSQL cannot store NUL at all) are named, and the
    report — an XLSX, whose XML cannot hold them either — is still written."""
    rows = household_rows("HH0001") + household_rows("HH0002", surname="刘")
    rows[0][4] = "王\x01大山"
    rows[4][2] = "一\x1f组"
    path = write_csv(tmp_path / "ctrl.csv", rows)
    outcome, batch = run(personas.village_officer, path, mode=ImportBatch.Mode.VALID_ONLY)
    assert {(2, "姓名", "control_character"), (6, "所在组", "control_character")} <= problems(outcome)
    assert batch.status == ImportBatch.Status.DONE and Household.objects.count() == 0
    rejected = list(load_workbook(outcome.report, read_only=True)["被拒绝的行 Rejected rows"].iter_rows(values_only=True))
    assert len(rejected) == 1 + len(rows)


def test_duplicate_id_against_registry(personas, tmp_path):
    first = household_rows("HH0001")
    run(personas.village_officer, write_xlsx(tmp_path / "a.xlsx", first))
    second = household_rows("HH0002")
    second[1][5] = first[1][5]
    outcome, batch = run(personas.village_officer, write_xlsx(tmp_path / "b.xlsx", second))
    assert (3, "证件号码", "duplicate_in_registry") in problems(outcome)
    assert Household.objects.count() == 1


def test_valid_only_writes_whole_valid_households_and_never_part_of_one(personas, tmp_path):
    good = household_rows("HH0001")
    bad = household_rows("HH0002", surname="刘")
    bad[2][6] = "户主"
    outcome, batch = run(personas.village_officer, write_xlsx(tmp_path / "mixed.xlsx", good + bad), mode="valid-only")
    assert batch.status == ImportBatch.Status.DONE and batch.created == 1 and batch.rejected_households == 1
    assert list(Household.objects.values_list("household_number", flat=True)) == ["HH0001"]
    assert not Person.objects.filter(name__startswith="刘").exists()


def test_fixed_report_can_be_imported_again(personas, tmp_path):
    rows = household_rows("HH0001")
    rows[0][6] = "户长"
    outcome, _batch = run(personas.village_officer, write_xlsx(tmp_path / "bad.xlsx", rows))
    sheet = load_workbook(outcome.report)["被拒绝的行 Rejected rows"]
    fixed = [[cell for cell in row[1:]] for row in sheet.iter_rows(min_row=2, values_only=True)]
    fixed[0][6] = "户主"
    _outcome, batch = run(personas.village_officer, write_xlsx(tmp_path / "fixed.xlsx", fixed))
    assert batch.status == ImportBatch.Status.DONE and batch.created == 1


@pytest.mark.parametrize("case", ["empty", "header_only", "missing_column", "zip_renamed", "png_renamed", "garbage_50mb"])
def test_unreadable_files_give_a_clear_message(personas, tmp_path, case):
    path = tmp_path / "file.xlsx"
    if case == "empty":
        path.write_bytes(b"")
    elif case == "header_only":
        path = write_csv(tmp_path / "file.csv", [])
    elif case == "missing_column":
        path = write_xlsx(tmp_path / "file.xlsx", [r[1:] for r in household_rows()], header=HEADER[1:])
    elif case == "zip_renamed":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
    elif case == "png_renamed":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    else:
        with path.open("wb") as handle:
            for _ in range(50):
                handle.write(os.urandom(1 << 20))
    try:
        outcome = import_check(actor=personas.village_officer, path=path)
    except ImportFileError as exc:
        message = exc.text("zh-hans")
        assert message and exc.text("en") != message
    else:
        assert outcome.batch.status == ImportBatch.Status.FAILED
        assert outcome.checked.file_problem is not None
        if case == "missing_column":
            assert outcome.checked.file_problem.params == {"column": "户编号"}
    assert Household.objects.count() == 0


def test_cli_exit_codes(personas, tmp_path, capsys):
    good = write_xlsx(tmp_path / "good.xlsx", household_rows("HH0001"))
    call_command("import", str(good), user="village_a", verbosity=0)
    assert "created 1" in capsys.readouterr().out
    bad_rows = household_rows("HH0002")
    bad_rows[0][6] = "户长"
    bad = write_xlsx(tmp_path / "bad.xlsx", bad_rows)
    report = tmp_path / "out" / "report.xlsx"
    report.parent.mkdir()
    with pytest.raises(SystemExit) as caught:
        call_command("import", str(bad), user="village_a", report=str(report), verbosity=0)
    assert caught.value.code == 1 and report.exists()
    assert str(report) in capsys.readouterr().out
    with pytest.raises(SystemExit) as caught:
        call_command("import", str(tmp_path / "missing.xlsx"), user="village_a", verbosity=0)
    assert caught.value.code == 2
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04" + os.urandom(100))
    with pytest.raises(SystemExit) as caught:
        call_command("import", str(garbage), user="village_a", verbosity=0)
    assert caught.value.code == 2
    assert "无法读取" in capsys.readouterr().err
    call_command("import", str(good), user="village_a", dry_run=True, year=2024, verbosity=0)  # exit 0: no SystemExit
    assert "Dry run" in capsys.readouterr().out


def test_template_has_dropdowns_and_instructions(tmp_path):
    call_command("template", str(tmp_path / "t.xlsx"))
    book = load_workbook(tmp_path / "t.xlsx")
    data = book["数据 Data"]
    assert [c.value for c in data[1]][:3] == ["户编号", "行政区划代码", "所在组"]
    assert data.data_validations.dataValidation, "code columns have drop-down lists"
    assert "代码表 Codes" in book.sheetnames and book["说明 Instructions"].max_row > 40


def test_role_without_edit_cannot_import(personas, tmp_path):
    from jingzhun.core.exceptions import ActionForbidden

    with pytest.raises(ActionForbidden):
        import_check(actor=personas.evaluator, path=write_xlsx(tmp_path / "a.xlsx", household_rows()))


def test_area_outside_scope_for_existing_household(personas, tmp_path):
    run(personas.village_officer_b, write_xlsx(tmp_path / "b.xlsx", household_rows("HHB001", area=VILLAGE_B)))
    outcome, _batch = run(personas.village_officer, write_xlsx(tmp_path / "a.xlsx", household_rows("HHB001", area=VILLAGE_B)))
    assert any(p.code in ("area_scope", "household_scope") for p in outcome.checked.problems)
    assert Household.objects.count() == 1


@pytest.mark.parametrize("mode", ["all-or-nothing", "valid-only"])
def test_interrupted_merge_leaves_the_registry_as_it_was(personas, tmp_path, monkeypatch, mode):
    from jingzhun.imports import services as import_services
    from jingzhun.imports import validate

    rows = household_rows("HH0001") + household_rows("HH0002", surname="刘") + household_rows("HH0003", surname="陈")
    outcome = import_check(actor=personas.village_officer, path=write_xlsx(tmp_path / "a.xlsx", rows), mode=mode,
                           report_dir=tmp_path)
    monkeypatch.setattr(validate, "CHUNK_ROWS", 3)  # one household per chunk: two are written before the stop
    monkeypatch.setattr(import_services, "WRITE_ROWS", 1)  # each chunk written as soon as it is checked
    real = import_services.write_new_households
    calls = {"n": 0}

    def dies_on_the_third(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is stopped in the middle of writing
        return real(*args, **kwargs)

    monkeypatch.setattr(import_services, "write_new_households", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        import_merge(actor=personas.village_officer, outcome=outcome)
    assert calls["n"] == 3
    assert Household.objects.count() == 0 and Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="registry.household").exists()


def test_bulk_written_households_match_the_services_and_keep_the_audit_chain(tmp_path, personas):
    """New households go in set-based; the values and the audit chain are what the services give."""
    import polars as pl

    from jingzhun.accounts.roles import Role
    from jingzhun.accounts.services import user_create
    from jingzhun.core.audit import audit_verify
    from jingzhun.registry.bulk import _load_areas
    from jingzhun.registry.income import INCOME_ITEMS, derive_income
    from jingzhun.registry.models import StatusEvent
    from jingzhun.synthetic.import_file import write_import_file

    sheet = write_import_file(persons=600, seed=5, out=tmp_path / "data", year=2024, county="441426000000")
    _load_areas("default", pl.read_parquet(tmp_path / "data" / "areas.parquet"))
    officer = user_create(actor=None, username="bulk_county", password="county-password-1",  # noqa: S106
                          role=Role.COUNTY_OFFICER, scope_codes=["441426000000"])
    _outcome, batch = run(officer, sheet, year=2024)
    assert batch.status == ImportBatch.Status.DONE and batch.problems == 0
    assert Person.objects.count() == 600 and batch.created == Household.objects.count() > 100
    assert StatusEvent.objects.filter(kind="registered").count() == batch.created
    for record in HouseholdYear.objects.select_related("household")[:50]:
        persons = record.size_end or record.household.member_count
        derived = derive_income({k: getattr(record, k) for k in INCOME_ITEMS}, persons)
        assert {k: getattr(record, k) for k in derived} == derived
    head = Person.objects.filter(relation="head").select_related("household").first()
    assert head.household.head_name == head.name and head.id_base == head.id_number[:18]
    assert AuditEvent.objects.filter(action="registry.household.imported").count() == batch.created
    event = AuditEvent.objects.filter(action="registry.household.imported").first()
    record = HouseholdYear.objects.get(household_id=int(event.target_id), year=2024)
    assert event.after["year"] == {"year": 2024, "status": record.status,
                                   "per_capita_net_income": str(record.per_capita_net_income)}
    assert event.after["members"] and event.after["_source"].startswith("import:")
    *_progress, (_checked, chain_break) = list(audit_verify())
    assert chain_break is None
    _outcome, again = run(officer, sheet, year=2024)
    assert (again.created, again.updated, again.unchanged) == (0, 0, batch.created)


def test_household_rows_far_apart_in_a_large_file_are_refused(personas, tmp_path, monkeypatch):
    from jingzhun.imports import validate

    monkeypatch.setattr(validate, "CHUNK_ROWS", 3)
    rows = household_rows("HH0001") + household_rows("HH0002", surname="刘") + household_rows("HH0001", surname="陈")[2:]
    rows[-1][5] = "110101200501020011"
    _outcome, batch = run(personas.village_officer, write_csv(tmp_path / "split.csv", rows), mode="valid-only")
    assert batch.status == ImportBatch.Status.FAILED and "户编号" in batch.message
    assert Household.objects.count() == 0


def _registry_schema() -> set[tuple[str, ...]]:
    """Every index and constraint of the registry tables, as the database describes them."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE tablename LIKE 'registry\\_%%'")
            rows = cursor.fetchall()
            cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid::regclass::text LIKE 'registry\\_%%'")
            return set(rows) | set(cursor.fetchall())
        cursor.execute("SELECT tbl_name, name, sql FROM sqlite_master WHERE tbl_name LIKE 'registry\\_%' ESCAPE '\\'")
        return set(cursor.fetchall())


def test_large_import_drops_and_rebuilds_the_registry_indexes(personas, tmp_path, monkeypatch, settings):
    """A large import writes without secondary indexes and foreign keys and builds them again at
    the end (PostgreSQL); afterwards the schema is exactly what it was and still enforced."""
    from django.db import IntegrityError, transaction

    from jingzhun.imports import validate
    from jingzhun.registry.bulk import SuspendedIndexes

    settings.IMPORT_REBUILD_INDEXES_MIN_ROWS = 1
    monkeypatch.setattr(validate, "CHUNK_ROWS", 3)
    dropped: list[int] = []
    real_suspend = SuspendedIndexes.suspend

    def suspend(self):  # type: ignore[no-untyped-def]
        real_suspend(self)
        dropped.append(len(self.restore_sql))

    monkeypatch.setattr(SuspendedIndexes, "suspend", suspend)
    before = _registry_schema()
    rows = household_rows("HH0001") + household_rows("HH0002", surname="刘") + household_rows("HH0003", surname="陈")
    _outcome, batch = run(personas.village_officer, write_csv(tmp_path / "big.csv", rows), year=2024)
    assert batch.status == ImportBatch.Status.DONE and Person.objects.count() == 9
    assert _registry_schema() == before
    from django.db import connection

    # Unique indexes too: the registry was empty. SQLite keeps its inline constraints and foreign keys.
    assert dropped and dropped[0] > (10 if connection.vendor == "postgresql" else 5)
    person = Person.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(household=person.household, name="重复", sex="1", id_type="resident_id",
                              id_number=person.id_number, id_base=person.id_base, relation="child")


def test_interrupted_large_import_leaves_indexes_and_registry_as_they_were(personas, tmp_path, monkeypatch, settings):
    from jingzhun.imports import services as import_services
    from jingzhun.imports import validate

    settings.IMPORT_REBUILD_INDEXES_MIN_ROWS = 1
    monkeypatch.setattr(validate, "CHUNK_ROWS", 3)
    monkeypatch.setattr(import_services, "WRITE_ROWS", 1)
    before = _registry_schema()
    real = import_services.write_new_households
    calls = {"n": 0}

    def dies_on_the_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(import_services, "write_new_households", dies_on_the_second)
    rows = household_rows("HH0001") + household_rows("HH0002", surname="刘") + household_rows("HH0003", surname="陈")
    outcome = import_check(actor=personas.village_officer, path=write_csv(tmp_path / "big.csv", rows), year=2024,
                           report_dir=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        import_merge(actor=personas.village_officer, outcome=outcome)
    assert Household.objects.count() == 0 and _registry_schema() == before
