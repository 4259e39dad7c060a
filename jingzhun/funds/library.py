"""A project's way into the county project library (项目库入库, domain §1.10, §2.11), as seen from the
project: the handler that ``workflow`` calls for cases about projects (``workflow.subjects``).

The procedure is a preset of ``workflow`` (``presets.json``), edited like any other:
``project_library`` for a village project — 村级申报 → 村级公示 → 乡镇审核 → 乡镇公示 → 县级论证 →
县级审定 → 县级公示 — and ``project_library_township`` for a township project (乡镇申报 → 乡镇公示 →
县级论证 → 县级审定 → 县级公示). Every notice runs ``project_notice_days`` (10) days and never fewer
than 10 (``workflow.flows.MIN_NOTICE_DAYS``). ``services.project_submit_to_library`` starts the case;
from then on the project's steps, notices and objections are workflow's, and this handler:

* names the project and links its page in the queues and the case page;
* gives the notice its row: project name, place, content, total budget with its sources and the
  number of beneficiary households (fixed on the notice when it is posted);
* on completion (the county notice closed without an upheld objection) puts the project in the
  library with the date (``in_library``);
* on rejection or withdrawal marks it ``rejected`` or ``withdrawn`` — not in the library; it can be
  changed and submitted again;
* on roll back (出库, by the county) takes it out of the library — refused once money was allocated
  to it or its works started.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jingzhun.areas import codes
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import NotFound, ValidationFailed
from jingzhun.funds import zh
from jingzhun.funds.models import Allocation, Project, ProjectStatus
from jingzhun.funds.money import ZERO, cents, yuan
from jingzhun.workflow import flows
from jingzhun.workflow.models import Case
from jingzhun.workflow.subjects import NoticeRow, SubjectHandler

ENTERED_LIBRARY = register_action("funds.project.entered_library", _("Project entered the project library"))
NOT_ADMITTED = register_action("funds.project.not_admitted", _("Project not admitted to the library"))
LEFT_LIBRARY = register_action("funds.project.left_library", _("Project taken out of the library"))

LIBRARY_PROCEDURES = {codes.VILLAGE: "project_library", codes.TOWNSHIP: "project_library_township"}


def procedure_key_for(project: Project) -> str:
    """The library procedure of a village project or of a township project."""
    return LIBRARY_PROCEDURES[codes.level_of(project.area_id)]


def place_name(area: Any) -> str:
    """A village with its township (大柘镇黄花村); a township alone."""
    parent = area.parent if codes.level_of(area.code) == codes.VILLAGE else None
    return f"{parent.name}{area.name}" if parent is not None else area.name


def _project(case: Case, *, lock: bool = False) -> Project:
    projects = Project.objects.select_for_update() if lock else Project.objects
    project = projects.filter(pk=case.subject_ref).first()
    if project is None:
        raise NotFound()
    return project


def _audit(project: Project, *, actor: Any, action: str, case: Case, **after: Any) -> None:
    audit_record(actor=actor, action=action, target_type="funds.project", target_id=project.pk,
                 area_code=project.area_id, after={"case": case.pk, "status": project.status, **after})


def _name(case: Case) -> str:
    name = Project.objects.filter(pk=case.subject_ref).values_list("name", flat=True).first()
    return name or f"#{case.subject_ref}"


def _url(case: Case) -> str:
    return reverse("funds:project_detail", kwargs={"pk": case.subject_ref})


def _notice_row(case: Case) -> NoticeRow:
    """What the notice shows about the project. Only things, never people: the responsible person's
    telephone and the beneficiary households' names stay off the notice (their number is shown)."""
    project = Project.objects.select_related("area", "area__parent").filter(pk=case.subject_ref).first()
    if project is None:
        raise NotFound()
    budgets = list(project.budgets.order_by("source"))
    total = sum((b.amount for b in budgets), ZERO)
    details = {
        "place": place_name(project.area),
        "kind": zh.KIND.get(project.kind, project.kind),
        "content": project.content,
        "budget_total": yuan(total),
        "sources": [{"source": b.source, "label": zh.SOURCE.get(b.source, b.source), "amount": yuan(b.amount)}
                    for b in budgets],
        "beneficiaries": project.beneficiaries.count(),
        "planned": " – ".join(d.isoformat() for d in (project.planned_start, project.planned_end) if d),
    }
    return NoticeRow(name=project.name, place=details["place"], details=details,
                     public_text=f"{project.name}\n{project.content}")


def _apply(case: Case, actor: Any, today: dt.date) -> None:
    """The last notice closed: the project is in the library from ``today``."""
    project = _project(case, lock=True)
    if project.status != ProjectStatus.IN_PROCEDURE:
        raise ValidationFailed(_("%(name)s is no longer waiting for the library (it is %(status)s)."),
                               code="project_not_in_procedure",
                               params={"name": project.name, "status": project.get_status_display()})
    project.status, project.library_on, project.library_case = ProjectStatus.IN_LIBRARY, today, case
    project.save(update_fields=["status", "library_on", "library_case", "updated_at"])
    _audit(project, actor=actor, action=ENTERED_LIBRARY, case=case, library_on=today)


def _refused(case: Case, actor: Any, today: dt.date, action: str) -> None:
    """The case was rejected or withdrawn: the project is not in the library and can be changed and
    submitted again."""
    project = _project(case, lock=True)
    if project.status != ProjectStatus.IN_PROCEDURE or project.library_case_id != case.pk:
        return
    project.status = ProjectStatus.REJECTED if action == flows.REJECT else ProjectStatus.WITHDRAWN
    project.library_on = None
    project.save(update_fields=["status", "library_on", "updated_at"])
    _audit(project, actor=actor, action=NOT_ADMITTED, case=case, decision=action)


def _roll_back(case: Case, actor: Any, today: dt.date, reason: str) -> None:
    """出库: only a project waiting in the library, with no money allocated to it."""
    project = _project(case, lock=True)
    if project.status != ProjectStatus.IN_LIBRARY or project.library_case_id != case.pk:
        raise ValidationFailed(_("%(name)s can be taken out of the library only while it waits there; its works "
                                 "have started or it left the library already."), code="project_under_way",
                               params={"name": project.name})
    allocated = cents(Allocation.objects.filter(project=project).aggregate(total=Sum("amount"))["total"])
    if allocated:
        raise ValidationFailed(_("%(amount)s yuan are allocated to %(name)s: reverse the allocations before "
                                 "taking it out of the library."), code="project_funded",
                               params={"amount": yuan(allocated), "name": project.name})
    project.status, project.library_on = ProjectStatus.WITHDRAWN, None
    project.save(update_fields=["status", "library_on", "updated_at"])
    _audit(project, actor=actor, action=LEFT_LIBRARY, case=case, reason=reason)


HANDLER = SubjectHandler(name=_name, url=_url, notice_row=_notice_row, apply=_apply, refused=_refused,
                         roll_back=_roll_back)
