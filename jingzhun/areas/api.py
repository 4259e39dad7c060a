"""Areas in the API: GET /areas (optionally the children of one), GET /areas/{code}.

Lists show the areas inside your scope plus the ancestors of your scope (as names, for breadcrumbs);
a single area outside your scope answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from jingzhun.api.schemas import ERRORS
from jingzhun.areas import codes
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.areas.selectors import area_get, area_list
from jingzhun.core.exceptions import ValidationFailed, issue

router = Router(tags=["areas"])


class LevelOut(Schema):
    code: int = Field(..., description="1 province, 2 city, 3 county, 4 township, 5 village")
    label: str


class AreaOut(Schema):
    code: str
    name: str
    level: LevelOut
    parent_code: str | None


def _out(area: Area) -> dict[str, Any]:
    return {"code": area.code, "name": area.name, "level": {"code": area.level, "label": str(AreaLevel(area.level).label)},
            "parent_code": area.parent_id}


@router.get("", response={200: list[AreaOut], **ERRORS}, summary="Areas you can see")
def list_areas(request: HttpRequest, parent: str | None = Query(None, description="only the children of this area")) -> list[dict[str, Any]]:
    if parent and not codes.is_area_code(parent):
        raise ValidationFailed(issues=[issue("parent", "area_code", _("An area code has 12 digits."))])
    return [_out(a) for a in area_list(actor=request.auth, parent_code=parent)]


@router.get("/{code}", response={200: AreaOut, **ERRORS}, summary="One area")
def get_area(request: HttpRequest, code: str) -> dict[str, Any]:
    return _out(area_get(actor=request.auth, code=code))
