"""Department lists (部门比对数据): loading CSV in GBK and XLSX, every row checked, all-or-nothing or
valid-only, replacing, scope and role; and a screening run on the database that uses a loaded list."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from jingzhun.core.exceptions import ActionForbidden, ValidationFailed
from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import Person
from jingzhun.registry.tests.factories import register, valid_id
from jingzhun.screening.export import snapshot_from_database
from jingzhun.screening.models import DepartmentList, DepartmentRecord, DepartmentSource, Hit
from jingzhun.screening.services import DepartmentListRejected, department_list_load
from jingzhun.screening.snapshot import Snapshot
from jingzhun.screening.tests.factories import department_csv, department_xlsx, load_list, screen
from jingzhun.testing.personas import COUNTY, OTHER_COUNTY, VILLAGE_A

pytestmark = pytest.mark.django_db


def _wrong_check_character(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def test_sources_are_those_the_exclusion_rules_read():
    from jingzhun.screening.catalogue.base import DATA_SOURCES
    from jingzhun.screening.features import DEPARTMENT_SOURCES

    assert set(DepartmentSource.values) == set(DEPARTMENT_SOURCES) == set(DATA_SOURCES)


def test_load_a_gbk_csv(personas, tmp_path):
    first = valid_id()
    second = next(n for n in iter(valid_id, None) if n.endswith("X"))  # written with a small x below
    path = department_csv(tmp_path / "车辆.csv", [(first, "王建国", "粤M12345 小轿车"), (second.lower(), "李秀英", "")],
                          encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    loaded = department_list_load(actor=personas.county_officer, source="vehicles", area=COUNTY, year=2024, path=path)
    made = loaded.department_list
    assert (made.source, made.area_id, made.year, made.row_count, made.file_name) == (
        "vehicles", COUNTY, 2024, 2, "车辆.csv")
    assert made.loaded_by == personas.county_officer and loaded.skipped == [] and loaded.replaced_rows is None
    records = list(made.records.values_list("row", "id_number", "detail"))
    assert records == [(2, first, "粤M12345 小轿车"), (3, second.upper(), "")]  # the Chinese text survived GBK
    event = AuditEvent.objects.get(action="screening.department_list.loaded", target_id=str(made.pk))
    assert event.area_code == COUNTY and event.after["rows"] == 2 and event.after["source"] == "vehicles"
    assert first not in str(event.after)  # no ID numbers in the audit log

    # The same file named as GB18030 reads the same.
    again = department_list_load(actor=personas.county_officer, source="vehicles", area=COUNTY, year=2024, path=path,
                                 encoding="gbk")
    assert list(again.department_list.records.values_list("row", "id_number", "detail")) == records


def test_load_an_xlsx_without_detail_column_and_with_other_columns(personas, tmp_path):
    number = valid_id()
    path = department_xlsx(tmp_path / "cadres.xlsx", [("张三", number, "村委会主任"), (None, None, None)],
                           header=("姓名", "身份证号码", "职务"))
    loaded = department_list_load(actor=personas.county_admin, source="village_cadres", area=COUNTY, year=2024,
                                  path=path)
    assert loaded.department_list.row_count == 1  # the blank row is no row
    assert list(loaded.department_list.records.values_list("id_number", "detail")) == [(number, "")]


def test_xlsx_with_a_detail_column(personas, tmp_path):
    number = valid_id()
    path = department_xlsx(tmp_path / "biz.xlsx", [(number, "个体工商户 2019 年注册")])
    loaded = department_list_load(actor=personas.county_officer, source="business_registry", area=COUNTY, year=2024,
                                  path=path)
    assert list(loaded.department_list.records.values_list("row", "id_number", "detail")) == [
        (2, number, "个体工商户 2019 年注册")]


def test_bad_rows_are_named_and_nothing_is_written(personas, tmp_path):
    good, bad = valid_id(), _wrong_check_character(valid_id())
    previous = load_list(personas.county_officer, tmp_path, [valid_id()], name="old.csv").department_list
    path = department_csv(tmp_path / "new.csv", [(good, "甲", ""), (bad, "乙", ""), ("", "丙", "无证号"),
                                                 (valid_id(), "丁", "x" * 501)])
    with pytest.raises(DepartmentListRejected) as caught:
        department_list_load(actor=personas.county_officer, source="vehicles", area=COUNTY, year=2024, path=path)
    problems = caught.value.problems
    assert [(p.row, p.column, p.field, p.code) for p in problems] == [
        (3, "身份证号", "id_number", "checksum"), (4, "身份证号", "id_number", "required"),
        (5, "说明", "detail", "too_long")]
    assert problems[0].text("en") == ("Row 3, column “身份证号”: The check character of this ID number is wrong; "
                                      "please compare it with the card.")
    assert "证件号码校验位错误" in problems[0].text("zh-hans") and "3" in problems[0].text("zh-hans")
    body = caught.value.as_dict()
    assert body["code"] == "department_list_rejected" and "3" in body["message_en"]
    assert body["fields"][0]["field"] == "rows[3].id_number" and "Row 3" in body["fields"][0]["message_en"]
    # Nothing written: the previous list is still there, whole.
    assert list(DepartmentList.objects.values_list("pk", "row_count")) == [(previous.pk, 1)]
    assert DepartmentRecord.objects.count() == 1

    # Valid-only: the good row is loaded, the bad ones are reported.
    loaded = department_list_load(actor=personas.county_officer, source="vehicles", area=COUNTY, year=2024, path=path,
                                  valid_only=True)
    assert loaded.department_list.row_count == 1 and [p.row for p in loaded.skipped] == [3, 4, 5]
    assert list(loaded.department_list.records.values_list("id_number", flat=True)) == [good]
    assert loaded.replaced_rows == 1


def test_file_problems_are_named(personas, tmp_path):
    no_id = department_csv(tmp_path / "x.csv", [("王", "x")], header=("姓名", "说明"))
    with pytest.raises(ValidationFailed) as caught:
        department_list_load(actor=personas.county_officer, source="vehicles", area=COUNTY, year=2024, path=no_id)
    assert [(i.field, i.code) for i in caught.value.issues] == [("file", "missing_column")]
    header_only = department_csv(tmp_path / "y.csv", [])
    with pytest.raises(ValidationFailed) as caught:
        department_list_load(actor=personas.county_officer, source="vehicles", area=COUNTY, year=2024, path=header_only)
    assert [(i.field, i.code) for i in caught.value.issues] == [("file", "no_rows")]
    garbage = tmp_path / "z.csv"
    garbage.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(ValidationFailed) as caught:
        department_list_load(actor=personas.county_officer, source="vehicles", area=COUNTY, year=2024, path=garbage)
    assert [(i.field, i.code) for i in caught.value.issues] == [("file", "not_spreadsheet")]
    with pytest.raises(ValidationFailed) as caught:
        department_list_load(actor=personas.county_officer, source="boats", area=COUNTY, year=1999, path=no_id)
    assert {i.field for i in caught.value.issues} == {"source", "year"}
    assert not DepartmentList.objects.exists()


def test_loading_again_replaces_the_list_of_the_same_source_area_and_year(personas, tmp_path):
    a, b, c = valid_id(), valid_id(), valid_id()
    first = load_list(personas.county_officer, tmp_path, [a, b], name="first.csv").department_list
    other_year = load_list(personas.county_officer, tmp_path, [a], year=2023, name="2023.csv").department_list
    other_source = load_list(personas.county_officer, tmp_path, [a], source="town_property", name="p.csv").department_list
    second = load_list(personas.county_admin, tmp_path, [c], name="second.csv")
    assert second.replaced_rows == 2
    assert not DepartmentList.objects.filter(pk=first.pk).exists()
    assert set(DepartmentList.objects.values_list("pk", flat=True)) == {
        other_year.pk, other_source.pk, second.department_list.pk}
    assert list(second.department_list.records.values_list("id_number", flat=True)) == [c]
    assert not DepartmentRecord.objects.filter(id_number=b).exists()
    event = AuditEvent.objects.get(action="screening.department_list.loaded",
                                   target_id=str(second.department_list.pk))
    assert event.before["rows"] == 2 and event.before["file_name"] == "first.csv"


def test_area_must_be_inside_the_loaders_areas_and_a_county_or_wider(personas, tmp_path):
    path = department_csv(tmp_path / "v.csv", [(valid_id(), "x", "")])
    with pytest.raises(ValidationFailed) as caught:
        department_list_load(actor=personas.other_county_officer, source="vehicles", area=COUNTY, year=2024, path=path)
    assert [(i.field, i.code) for i in caught.value.issues] == [("area", "out_of_scope")]
    with pytest.raises(ValidationFailed) as caught:  # the city above the county is not the officer's either
        department_list_load(actor=personas.county_officer, source="vehicles", area="441400000000", year=2024,
                             path=path)
    assert [(i.field, i.code) for i in caught.value.issues] == [("area", "out_of_scope")]
    with pytest.raises(ValidationFailed) as caught:
        department_list_load(actor=personas.county_officer, source="vehicles", area=VILLAGE_A, year=2024, path=path)
    assert [(i.field, i.code) for i in caught.value.issues] == [("area", "level")]
    for actor in (personas.village_officer, personas.township_reviewer, personas.evaluator):
        with pytest.raises(ActionForbidden):
            department_list_load(actor=actor, source="vehicles", area=COUNTY, year=2024, path=path)
    assert not DepartmentList.objects.exists()
    load_list(personas.other_county_officer, tmp_path, [valid_id()], area=OTHER_COUNTY)
    assert DepartmentList.objects.get().area_id == OTHER_COUNTY


def test_screening_on_the_database_uses_a_loaded_vehicle_list(personas, tmp_path):
    household = register(personas.village_officer)  # poor in 2024
    spouse = Person.objects.get(household=household, relation="spouse")
    stranger = valid_id()
    before = screen(personas.county_officer, groups=["exclusion"])
    assert before.rule_ids == [] and "EXCL-02" in before.rules_without_data

    load_list(personas.county_officer, tmp_path, [valid_id()], year=2023, name="2023.csv")  # another year: no use
    load_list(personas.county_officer, tmp_path, [stranger, spouse.id_number], name="2024.csv")
    snapshot, _ids = snapshot_from_database(year=2024, area_code=COUNTY)
    assert snapshot.department_sources == ("vehicles",)
    matches = snapshot.table("department_matches").to_pylist()
    assert matches == [{"id_number": spouse.id_number, "source": "vehicles", "detail": "粤M00002"}]  # members only
    # A snapshot directory says which lists it carries (``jingzhun screen --snapshot`` turns their rules on).
    assert Snapshot.from_directory(snapshot.write(tmp_path / "snap")).department_sources == ("vehicles",)

    run = screen(personas.county_officer, groups=["exclusion"])
    assert run.rule_ids == ["EXCL-02"] and "EXCL-02" not in run.rules_without_data
    assert set(run.rules_without_data) == {"EXCL-01", "EXCL-03", "EXCL-04", "EXCL-05"}
    hit = Hit.objects.get(run=run)
    assert (hit.rule_id, hit.person_id, hit.household_id) == ("EXCL-02", spouse.pk, household.pk)
    assert spouse.name in hit.message_zh and "vehicle" in hit.message_en
    assert run.counts == {"EXCL-02": 1}

    # A city officer's run over the city finds it too: the county's list covers part of the city.
    city_run = screen(personas.city_officer, groups=["exclusion"], area_code="441400000000")
    assert city_run.rule_ids == ["EXCL-02"] and city_run.counts == {"EXCL-02": 1}


def test_a_province_list_covers_the_county(personas, tmp_path):
    register(personas.village_officer)
    head = Person.objects.filter(relation="head").get()
    from jingzhun.accounts.models import User

    superuser = User.objects.create_superuser(username="admin", password="x")  # noqa: S106
    load_list(superuser, tmp_path, [head.id_number], source="public_employees", area="440000000000")
    run = screen(personas.county_officer, groups=["exclusion"])
    assert run.counts == {"EXCL-01": 1}


def test_command_loads_lists_reports_bad_rows_and_usage_errors(personas, tmp_path, capsys):
    good = valid_id()
    path = department_csv(tmp_path / "v.csv", [(good, "甲", "粤M1")], encoding="gbk")
    call_command("departments", "load", "--source", "vehicles", "--area", COUNTY, "--year", "2024",
                 "--user", "county", str(path), verbosity=0)
    out = capsys.readouterr().out
    assert "rows loaded: 1" in out and DepartmentRecord.objects.get().id_number == good

    bad = department_csv(tmp_path / "bad.csv", [(good, "甲", ""), (_wrong_check_character(good), "乙", "")])
    with pytest.raises(SystemExit) as exit_code:
        call_command("departments", "load", "--source", "vehicles", "--area", COUNTY, "--year", "2024",
                     "--user", "county", str(bad), verbosity=0)
    assert exit_code.value.code == 1
    printed = capsys.readouterr()
    assert "Row 3, column “身份证号”: The check character" in printed.out
    assert DepartmentRecord.objects.get().id_number == good  # the old list stays

    for arguments, message in (
        (["--area", OTHER_COUNTY, "--user", "county", str(path)], "is not among your areas"),
        (["--area", COUNTY, "--user", "nobody", str(path)], "No active account"),
        (["--area", COUNTY, "--user", "county", str(tmp_path / "missing.csv")], "File not found"),
        (["--area", COUNTY, "--user", "village_a", str(path)], "may not do this"),
    ):
        with pytest.raises(SystemExit) as exit_code:
            call_command("departments", "load", "--source", "vehicles", "--year", "2024", *arguments, verbosity=0)
        assert exit_code.value.code == 2
        assert message in capsys.readouterr().err

    call_command("departments", "list", "--user", "county")
    listing = capsys.readouterr().out
    assert "vehicles" in listing and "v.csv" in listing and COUNTY in listing
    call_command("departments", "list", "--user", "other_county")
    assert "No department list is loaded" in capsys.readouterr().out
