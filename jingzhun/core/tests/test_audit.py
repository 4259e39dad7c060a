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


# --- bulk events: the column-wise serialisation gives the chain audit_record would give ---------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from jingzhun.core.audit import _canonical, audit_record_many, audit_source, canonical_json  # noqa: E402

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12)  # NUL: see imports
MEMBER = st.fixed_dictionaries({"name": TEXT, "id_number": st.none() | TEXT, "relation": TEXT})
YEAR = st.none() | st.fixed_dictionaries({"year": st.integers(2014, 2030), "status": st.none() | TEXT,
                                          "per_capita_net_income": st.none() | TEXT})
PAYLOAD = st.fixed_dictionaries({
    "household_number": TEXT, "_household_version": st.integers(1, 3), "address": TEXT,
    "is_relocated": st.booleans(), "members": st.lists(MEMBER, min_size=1, max_size=4), "year": YEAR,
})


def _frame(payloads):
    import polars as pl

    schema = {"household_number": pl.String, "_household_version": pl.Int64, "address": pl.String,
              "is_relocated": pl.Boolean,
              "members": pl.List(pl.Struct({"name": pl.String, "id_number": pl.String, "relation": pl.String})),
              "year": pl.Struct({"year": pl.Int64, "status": pl.String, "per_capita_net_income": pl.String})}
    return pl.DataFrame(payloads, schema=schema)


def _expected(payload):
    return {k: v for k, v in payload.items() if not (k == "year" and v is None)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(PAYLOAD, min_size=1, max_size=8))
def test_canonical_json_is_byte_for_byte_the_canonical_dict(payloads):
    texts = canonical_json(_frame(payloads), omit_when_null="year").to_list()
    assert texts == [_canonical(_expected(p)).decode() for p in payloads]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(PAYLOAD, min_size=1, max_size=5))
def test_bulk_events_verify_and_read_back(payloads):
    import polars as pl

    with transaction.atomic():
        before = AuditEvent.objects.count()
        audit_record(actor=None, action="test.thing.changed", target_type="test.thing", target_id=0, after={"v": 1})
        targets = pl.DataFrame({"target_id": [f"h{i}" for i in range(len(payloads))],
                                "area_code": ["441426100201"] * len(payloads)})
        with audit_source("import:7"):
            written = audit_record_many(actor=None, action="test.thing.imported", target_type="test.thing",
                                        targets=targets, afters=_frame(payloads), omit_when_null="year")
        audit_record(actor=None, action="test.thing.changed", target_type="test.thing", target_id=0, after={"v": 2})
    assert written == len(payloads)
    stored = list(AuditEvent.objects.filter(action="test.thing.imported").order_by("-seq")[:written])[::-1]
    assert [e.after for e in stored] == [{**_expected(p), "_source": "import:7"} for p in payloads]
    assert AuditEvent.objects.count() == before + written + 2
    assert _result() == (before + written + 2, None)
