import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from jingzhun.core.audit import audit_record, audit_verify
from jingzhun.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit_record(actor=None, action="test.thing.changed", target_type="test.thing", target_id=i,
                         area_code="441426100201", before={"v": i}, after={"v": i + 1, "名称": "黄花村"})


def _result():
    *_, last = audit_verify()
    return last


def test_intact_chain_verifies():
    _events(5)
    checked, broken = _result()
    assert broken is None and checked == 5
    call_command("audit", "verify", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_record_outside_transaction_refused():
    with pytest.raises(RuntimeError):
        audit_record(actor=None, action="x", target_type="t", target_id=1)


def test_model_refuses_update_and_delete():
    _events(1)
    event = AuditEvent.objects.get()
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_row_edited_directly_in_database_is_detected():
    _events(5)
    table = AuditEvent._meta.db_table
    _raw(f"UPDATE {table} SET after = %s WHERE seq = %s", ['{"v": 999}', 3])
    checked, broken = _result()
    assert broken is not None and broken.seq == 3 and checked == 2
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", verbosity=0)
    assert "#3" in str(caught.value) and caught.value.returncode == 1


def test_row_deleted_directly_is_detected():
    _events(5)
    _raw(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = %s", [2])
    _checked, broken = _result()
    assert broken is not None and broken.seq == 2


def test_last_row_deleted_is_detected():
    _events(3)
    _raw(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = %s", [3])
    _checked, broken = _result()
    assert broken is not None and broken.seq == 3


def test_actor_changed_is_detected():
    _events(2)
    _raw(f"UPDATE {AuditEvent._meta.db_table} SET actor_username = %s WHERE seq = %s", ["someone", 1])
    _checked, broken = _result()
    assert broken is not None and broken.seq == 1
