"""Writes to the area tree's yearly standing (the tree itself is reference data, loaded by migrations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jingzhun.areas.models import Area, AreaYear
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import NotFound

AREA_YEAR_DECIDED = register_action("areas.area_year.decided", _("Village or county standing set by a procedure"))


@transaction.atomic
def area_year_apply_decision(*, actor: Any, area_code: str, year: int, standing: str, exit_year: int | None,
                             decided_on: dt.date, note: str) -> AreaYear:
    """Record a village's or county's standing for ``year`` (出列/摘帽), as decided by a completed
    exit procedure (``workflow`` checked the actor at every step). Audited."""
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise NotFound()
    record, _created = AreaYear.objects.update_or_create(
        area=area, year=year, defaults={"standing": standing, "exit_year": exit_year, "decided_on": decided_on},
    )
    audit_record(actor=actor, action=AREA_YEAR_DECIDED, target_type="areas.area", target_id=area.code,
                 area_code=area.code, after={"year": year, "standing": standing, "exit_year": exit_year, "note": note})
    return record
