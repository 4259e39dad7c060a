"""Imports: check the whole file first, then write it in one transaction.

``import_check`` reads and validates (nothing is written to the registry) and records an
``ImportBatch``; ``import_write`` reads and checks the file again while it writes it (new households
in bulk, registered ones through the registry services) inside one transaction, so an interrupted
import leaves the registry as it was, and every change carries ``_source: import:<batch>`` in the
audit log; ``import_merge`` is ``import_write`` for a checked outcome. Re-importing the same file
changes nothing; a corrected file updates what changed. ``all-or-nothing`` writes nothing when any
row has a problem; ``valid-only`` writes every household whose rows are all valid (never part of a
household).
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.core.audit import audit_record, audit_source, register_action
from jingzhun.core.exceptions import ActionForbidden, DomainError
from jingzhun.core.models import AuditEvent
from jingzhun.imports.bulkwrite import write_new_households
from jingzhun.imports.models import ImportBatch, ImportProblem
from jingzhun.imports.progress import forget_progress, read_progress, reporter
from jingzhun.imports.readers import FileProblem, open_table
from jingzhun.imports.report import write_report
from jingzhun.imports.validate import (
    CheckedFile,
    ChunkResult,
    HouseholdGroup,
    Problem,
    check_file,
    group_year_data,
)
from jingzhun.registry import services as registry
from jingzhun.registry.bulk import (
    SuspendedIndexes,
    approximate_rows,
    lock_registry,
    reset_sequences,
    worth_suspending,
)
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear, StatusEvent

IMPORT_CHECKED = register_action("imports.batch.checked", _("Import file checked"))
IMPORT_MERGED = register_action("imports.batch.merged", _("Import written to the registry"))

FILE_MESSAGES = {
    "empty": _("The file is empty."),
    "not_spreadsheet": _("This file is not a spreadsheet (XLSX or CSV); it cannot be read."),
    "encoding": _("The file's characters cannot be read in this encoding; save it as UTF-8 or GBK, or name the encoding."),
    "unknown_encoding": _("Unknown encoding; use utf-8, gbk or gb18030."),
    "no_header": _("No header row was found."),
}


class ImportFileError(DomainError):
    status = 422
    default_code = "import_file"


@dataclass
class ImportOutcome:
    batch: ImportBatch
    checked: CheckedFile | None
    report: Path | None
    report_dir: Path

    def write_report(self) -> Path:
        assert self.checked is not None
        self.report = write_report(self.checked, self.report_dir / f"import-{self.batch.pk}-report.xlsx")
        self.batch.report_path = str(self.report)
        return self.report


PERSON_KEYS = ("name", "sex", "id_type", "id_number", "birth_date", "relation", "ethnicity", "political_status",
               "phone", "is_soldier", "status")
HOUSEHOLD_KEYS = registry.HOUSEHOLD_FIELDS


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            sha.update(chunk)
    return sha.hexdigest()


MAX_STORED_PROBLEMS = 20_000


def import_batch_create(*, actor: Any, path: Path | str, file_name: str, year: int | None = None,
                        mode: str = ImportBatch.Mode.ALL_OR_NOTHING, encoding: str | None = None) -> ImportBatch:
    """Record an uploaded file (already stored at ``path``) as a batch waiting to be checked."""
    if not can(actor, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    path = Path(path)
    return ImportBatch.objects.create(uploaded_by=actor if getattr(actor, "pk", None) else None, file_name=file_name,
                                      sha256=_digest(path) if path.exists() else "", year=year, mode=mode,
                                      file_path=str(path), encoding=encoding or "")


def import_check(*, actor: Any, path: Path | str, year: int | None = None, mode: str = ImportBatch.Mode.ALL_OR_NOTHING,
                 encoding: str | None = None, file_name: str | None = None, report_dir: Path | None = None,
                 progress: Callable[[int], None] | None = None, batch: ImportBatch | None = None) -> ImportOutcome:
    """Read and check ``path``; records the batch (or uses ``batch``), its problems and the report.
    Raises ImportFileError (with the reason in zh-hans and en) when the file cannot be read at all."""
    if not can(actor, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    path = Path(path)
    if batch is None:
        batch = import_batch_create(actor=actor, path=path, file_name=file_name or path.name, year=year, mode=mode,
                                    encoding=encoding)
    batch.status = ImportBatch.Status.CHECKING
    batch.save(update_fields=["status"])
    try:
        table = open_table(path, encoding=encoding)
        checked = check_file(table, actor=actor, year=year, progress=reporter(batch.pk, progress))
    except FileProblem as exc:
        forget_progress(batch.pk)
        batch.status = ImportBatch.Status.FAILED
        batch.message = str(FILE_MESSAGES.get(exc.code, exc.code))
        batch.finished_at = timezone.now()
        batch.save()
        raise ImportFileError(FILE_MESSAGES.get(exc.code, exc.code), code=exc.code) from exc
    batch.rows = checked.total_rows
    batch.households = checked.household_count
    batch.rejected_households = len(checked.rejected_households)
    batch.problems = len(checked.problems)
    if checked.file_problem is not None:
        batch.status = ImportBatch.Status.FAILED
        batch.message = checked.file_problem.text("zh-hans")
    else:
        batch.status = ImportBatch.Status.CHECKED
    outcome = ImportOutcome(batch, checked, None, report_dir or path.parent)
    if checked.problems:
        outcome.write_report()
    _store_problems(batch, checked.problems)
    batch.progress_rows = checked.total_rows
    batch.save()
    forget_progress(batch.pk)
    with transaction.atomic():
        audit_record(actor=actor, action=IMPORT_CHECKED, target_type="imports.batch", target_id=batch.pk,
                     after={"file": batch.file_name, "sha256": batch.sha256, "rows": batch.rows,
                            "households": batch.households, "problems": batch.problems})
    return outcome


def import_merge(*, actor: Any, outcome: ImportOutcome, progress: Callable[[int], None] | None = None) -> ImportBatch:
    """Write a checked batch: the file is read and checked again while it is written (the registry
    may have changed since the check). Nothing at all is written when the mode is all-or-nothing
    and there were problems."""
    batch, checked = outcome.batch, outcome.checked
    if checked is None or batch.status not in (ImportBatch.Status.CHECKED, ImportBatch.Status.MERGING):
        return batch
    if batch.mode == ImportBatch.Mode.ALL_OR_NOTHING and checked.problems:
        batch.status = ImportBatch.Status.REJECTED
        batch.finished_at = timezone.now()
        batch.save()
        return batch
    return import_write(actor=actor, outcome=outcome, progress=progress)


RUNNING = (ImportBatch.Status.CHECKING, ImportBatch.Status.MERGING)
INTERRUPTED_MESSAGE = ("导入在进行中被中断（处理它的进程已停止），登记数据没有任何改动；请重新上传文件。 "
                       "The import was interrupted (the process running it stopped); nothing in the registry "
                       "changed. Upload the file again.")


def import_rows_done(batch: ImportBatch) -> int:
    """Rows processed so far: the running job's count while it runs, else the batch's."""
    if batch.status in RUNNING:
        found = read_progress(batch.pk)
        return found[0] if found else 0
    return batch.progress_rows


def import_mark_interrupted() -> int:
    """Close the batches still marked running whose job stopped reporting ``IMPORT_STALE_MINUTES``
    ago (its process was killed or restarted; the merge's transaction left the registry as it was).
    Returns how many were closed."""
    stale_before = time.time() - settings.IMPORT_STALE_MINUTES * 60
    closed = 0
    for batch in ImportBatch.objects.filter(status__in=RUNNING):
        found = read_progress(batch.pk)
        heartbeat = found[1] if found else batch.started_at.timestamp()
        if heartbeat >= stale_before:
            continue
        closed += ImportBatch.objects.filter(pk=batch.pk, status=batch.status).update(
            status=ImportBatch.Status.FAILED, message=INTERRUPTED_MESSAGE, finished_at=timezone.now())
        forget_progress(batch.pk)
    return closed


def uploads_root() -> Path:
    """Where the web pages keep uploads and reports (``MEDIA_ROOT/imports``)."""
    return (Path(settings.MEDIA_ROOT) / "imports").resolve()


def import_clean_files(*, older_than_days: int | None = None) -> int:
    """Delete the stored uploads and reports of imports finished (or left unconfirmed) more than
    ``older_than_days`` (default ``IMPORT_KEEP_DAYS``) ago: they hold ID numbers and incomes, and the
    registry and the batch history keep what was imported. Only files under ``uploads_root()`` are
    touched (a command-line import's own file never is). Returns how many batches were cleaned."""
    days = settings.IMPORT_KEEP_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timezone.timedelta(days=days)
    root = uploads_root()
    old = ImportBatch.objects.exclude(status__in=RUNNING).filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, started_at__lt=cutoff)).exclude(
        file_path="", report_path="")
    cleaned = 0
    for batch in old:
        for stored in {batch.file_path, batch.report_path} - {""}:
            folder = Path(stored).parent.resolve() if Path(stored).is_absolute() else None
            # Only an upload's own folder: MEDIA_ROOT/imports/<32 hex digits>/.
            if folder is not None and folder.parent == root and UPLOAD_FOLDER.fullmatch(folder.name):
                shutil.rmtree(folder, ignore_errors=True)
        changes: dict[str, Any] = {"file_path": "", "report_path": ""}
        if batch.status == ImportBatch.Status.CHECKED:  # never confirmed; its file is gone now
            changes |= {"status": ImportBatch.Status.CANCELLED, "message": EXPIRED_MESSAGE, "finished_at": timezone.now()}
        ImportBatch.objects.filter(pk=batch.pk).update(**changes)
        cleaned += 1
    return cleaned


UPLOAD_FOLDER = re.compile(r"[0-9a-f]{32}")
EXPIRED_MESSAGE = ("文件已按保存期限删除，未导入；如需导入请重新上传。 "
                   "The file was deleted at the end of its keeping period without being imported; upload it again to import it.")


class _RollBack(Exception):
    """Raised inside the import's transaction to undo everything written so far."""


def import_write(*, actor: Any, outcome: ImportOutcome, progress: Callable[[int], None] | None = None) -> ImportBatch:
    """Check and write the batch's file in one pass, a chunk of whole households at a time, inside
    one transaction: new households in bulk (imports.bulkwrite), registered ones through the registry
    services (only what changed, audited field by field). All-or-nothing rolls everything back at
    the first problem it meets (and keeps checking, to report every problem); valid-only writes every
    household whose rows are all valid. A stop half-way (killed process, error) leaves the registry
    as it was. Raises ImportFileError when the file cannot be read."""
    batch = outcome.batch
    path = Path(batch.file_path)
    batch.status = ImportBatch.Status.MERGING
    batch.save(update_fields=["status"])
    writer: _ChunkWriter | None = None
    try:
        with audit_source(f"import:{batch.pk}"), transaction.atomic():
            lock_registry()
            writer = _ChunkWriter(actor, batch, year=batch.year)  # sizes read under the lock
            try:
                try:
                    table = open_table(path, encoding=batch.encoding or None)
                    tick = reporter(batch.pk, progress)
                    checked = check_file(table, actor=actor, year=batch.year, progress=tick, on_chunk=writer.write,
                                         database_lock=writer.database)
                except FileProblem as exc:
                    raise ImportFileError(FILE_MESSAGES.get(exc.code, exc.code), code=exc.code) from exc
                outcome.checked = checked
                writer.wait()
                checked.problems.extend(writer.late)
                if checked.file_problem is not None or writer.failed or (
                        batch.mode == ImportBatch.Mode.ALL_OR_NOTHING and checked.problems):
                    raise _RollBack
                tick(0)
                writer.finish()  # can take a while after a large import: indexes are built again
                tick(0)
            finally:
                writer.close()  # no write may still run when the transaction ends
            audit_record(actor=actor, action=IMPORT_MERGED, target_type="imports.batch", target_id=batch.pk,
                         after={"created": writer.created, "updated": writer.updated, "unchanged": writer.unchanged,
                                "rejected_households": len(checked.rejected_households)})
    except ImportFileError as exc:
        forget_progress(batch.pk)
        batch.status = ImportBatch.Status.FAILED
        batch.message = exc.text("zh-hans")
        batch.finished_at = timezone.now()
        batch.save()
        raise
    except _RollBack:
        checked = outcome.checked
        batch.status = ImportBatch.Status.FAILED if checked.file_problem is not None else ImportBatch.Status.REJECTED
        batch.message = (checked.file_problem.text("zh-hans") if checked.file_problem is not None
                         else writer.failed or "")
        _finish(outcome, checked, created=0, updated=0, unchanged=0)
        return batch
    _finish(outcome, outcome.checked, created=writer.created, updated=writer.updated, unchanged=writer.unchanged)
    batch.status = ImportBatch.Status.DONE
    batch.save()
    return batch


def _finish(outcome: ImportOutcome, checked: CheckedFile, *, created: int, updated: int, unchanged: int) -> None:
    batch = outcome.batch
    forget_progress(batch.pk)
    batch.progress_rows = checked.total_rows
    batch.created, batch.updated, batch.unchanged = created, updated, unchanged
    batch.rows = checked.total_rows
    batch.households = checked.household_count
    batch.rejected_households = len(checked.rejected_households)
    batch.problems = len(checked.problems)
    batch.finished_at = timezone.now()
    if checked.problems:
        outcome.write_report()
    _store_problems(batch, checked.problems)
    batch.save()


REBUILT_TABLES = (Household, Person, HouseholdYear, PersonYear, StatusEvent)
WRITE_ROWS = 100_000  # new members gathered (over a few checked chunks) before they are written


class _ChunkWriter:
    """Receives each checked chunk: gathers its new households and writes them in bulk, a few
    chunks at a time, in a writer thread on the import's own connection and transaction (so the
    next chunks are checked while the database takes in these); merges its registered households
    (on the calling thread, once the writer is idle).

    One write runs at a time. While it runs, the checking thread reads the database only under
    ``database`` (a lock the writer holds for each write), and nothing else touches the connection.
    An error in the writer is raised on the calling thread at the next chunk, ``wait`` or ``finish``;
    ``close`` must be called before the transaction ends."""

    def __init__(self, actor: Any, batch: ImportBatch, *, year: int | None) -> None:
        self.actor, self.batch, self.year = actor, batch, year
        self.all_or_nothing = batch.mode == ImportBatch.Mode.ALL_OR_NOTHING
        self.created = self.updated = self.unchanged = 0
        self.late: list[Problem] = []
        self.failed = ""
        self.problems_seen = 0
        self.members_written = 0
        self.merging = False  # a chunk had registered households: the registry indexes stay from then on
        self.members_before = approximate_rows(Person)
        self.events_before = approximate_rows(AuditEvent)
        # Into an empty registry the unique indexes go too: nothing registered before needs looking
        # up (the file's own duplicates are caught by the checks), and they are rebuilt at the end.
        self.indexes = SuspendedIndexes(REBUILT_TABLES, unique=not Person.objects.exists())
        self.audit_indexes = SuspendedIndexes((AuditEvent,))  # one event per new household
        self.pending: list[pl.DataFrame] = []  # checked new households not yet written
        self.database = threading.Lock()
        self._connection = connections[DEFAULT_DB_ALIAS]
        self._connection.inc_thread_sharing()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jingzhun-import-write")
        self._writing: Future[None] | None = None

    def write(self, chunk: ChunkResult) -> None:
        self.problems_seen += chunk.problems
        if self.all_or_nothing and (self.problems_seen or self.failed):
            self.pending = []
            return  # everything will be rolled back; keep checking only
        if not chunk.new_rows.is_empty():
            self.pending.append(chunk.new_rows)
        if chunk.existing or sum(rows.height for rows in self.pending) >= WRITE_ROWS:
            self._write_pending(may_drop_indexes=not chunk.existing)
        if not chunk.existing:
            return
        self.wait()  # registered households are merged here, through the services
        if self.indexes.active:
            # The services' lookups need the indexes.
            self.indexes.restore()
            self.merging = True
        for group in chunk.existing:
            try:
                with transaction.atomic():
                    result = _merge_household(self.actor, group, self.year)
            except DomainError as exc:
                if self.all_or_nothing:
                    self.failed = exc.text("zh-hans")
                    return
                self.late.append(Problem(group.first_row, "", group.number, exc.code, exc.message, exc.params))
                continue
            self.updated += result == "updated"
            self.unchanged += result == "unchanged"

    def _write_pending(self, *, may_drop_indexes: bool = True) -> None:
        """Hand the new households gathered so far to the writer thread (after the previous write)."""
        if not self.pending:
            return
        rows = pl.concat(self.pending, how="vertical_relaxed")
        self.pending = []
        self.wait()
        context = contextvars.copy_context()  # the audit source of the import, among others
        self._writing = self._pool.submit(context.run, self._write_rows, rows, may_drop_indexes)

    def _write_rows(self, rows: pl.DataFrame, may_drop_indexes: bool) -> None:
        """In the writer thread: write ``rows`` (new households) in bulk on the import's connection."""
        connections[DEFAULT_DB_ALIAS] = self._connection
        with self.database:
            self.members_written += rows.height
            households_written = self.created + rows["household_number"].n_unique()  # with these
            minimum = settings.IMPORT_REBUILD_INDEXES_MIN_ROWS
            if minimum and may_drop_indexes and not self.merging \
                    and worth_suspending(self.members_written, self.members_before, minimum=minimum):
                self.indexes.suspend()
            if minimum and worth_suspending(households_written, self.events_before, minimum=minimum // 3):
                self.audit_indexes.suspend()
            self.created += write_new_households(rows, actor=self.actor, year=self.year)
            reset_sequences()  # the services take keys from the sequences; move them past the bulk keys

    def wait(self) -> None:
        """Wait for the write under way, if any; raises its error."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def finish(self) -> None:
        """Write what is still gathered, then build again the indexes a large import dropped."""
        self._write_pending()
        self.wait()
        self.indexes.restore()
        self.audit_indexes.restore()

    def close(self) -> None:
        """Let the write under way end (its error, if any, was or will be raised by ``wait``) and stop
        the writer thread."""
        if self._writing is not None:
            futures_wait([self._writing])
        self._pool.shutdown(wait=True)
        self._connection.dec_thread_sharing()


def _clean_member(member: dict[str, Any]) -> dict[str, Any]:
    return {k: member[k] for k in PERSON_KEYS if member.get(k) is not None}


def _merge_household(actor: Any, group: HouseholdGroup, default_year: int | None = None) -> str:
    year = group.year.get("year") or default_year
    year_data = group_year_data(group, default_year)
    household_fields = {k: v for k, v in group.household.items() if k in HOUSEHOLD_KEYS and v is not None}
    if group.existing_id is None:
        household = registry.household_register(
            actor=actor, area_code=group.household["area_code"], members=[_clean_member(m) for m in group.members],
            household=household_fields, year=year if year_data else None, year_data=year_data,
            household_number=group.number,
        )
        _merge_person_years(actor, household, group)
        return "created"
    household = Household.objects.get(pk=group.existing_id)
    changed = False
    household_changes = {k: v for k, v in household_fields.items() if getattr(household, k) != v}
    if household_changes:
        registry.household_update(actor=actor, household_id=household.pk, expected_version=household.version,
                                  changes=household_changes)
        changed = True
    people = {p.id_base: p for p in Person.objects.filter(household=household)}
    for member in group.members:
        data = _clean_member(member)
        person = people.get(member.get("id_base"))
        household.refresh_from_db(fields=["version"])
        if person is None:
            registry.person_add(actor=actor, household_id=household.pk, expected_version=household.version, data=data)
            changed = True
            continue
        diff = {k: v for k, v in data.items() if getattr(person, k) != v}
        if diff:
            registry.person_update(actor=actor, person_id=person.pk, expected_version=household.version, changes=diff)
            changed = True
    if year and year_data:
        record = HouseholdYear.objects.filter(household=household, year=year).first()
        diff = year_data if record is None else {k: v for k, v in year_data.items() if getattr(record, k) != v}
        if diff:
            household.refresh_from_db(fields=["version"])
            registry.household_year_save(actor=actor, household_id=household.pk, year=year,
                                         expected_version=household.version, data=diff)
            changed = True
    changed |= _merge_person_years(actor, household, group)
    return "updated" if changed else "unchanged"


def _merge_person_years(actor: Any, household: Household, group: HouseholdGroup) -> bool:
    changed = False
    people = {p.id_base: p for p in Person.objects.filter(household=household)}
    for member in group.members:
        data, year = member.get("_year") or {}, member.get("_year_number")
        person = people.get(member.get("id_base"))
        if not data or not year or person is None:
            continue
        record = PersonYear.objects.filter(person=person, year=year).first()
        diff = data if record is None else {k: v for k, v in data.items() if getattr(record, k) != v}
        if diff:
            household.refresh_from_db(fields=["version"])
            registry.person_year_save(actor=actor, person_id=person.pk, year=year,
                                      expected_version=household.version, data=diff)
            changed = True
    return changed


def _store_problems(batch: ImportBatch, problems: list[Problem]) -> None:
    """Keep the first problems for the web report (the XLSX report always has all of them)."""
    ImportProblem.objects.filter(batch=batch).delete()
    ImportProblem.objects.bulk_create([
        ImportProblem(batch=batch, row=p.row, column=p.column[:60], value=str(p.value)[:200], code=p.code[:40],
                      message_zh=p.text("zh-hans")[:300], message_en=p.text("en")[:300])
        for p in sorted(problems, key=lambda p: (p.row, p.column))[:MAX_STORED_PROBLEMS]
    ], batch_size=2000)
