"""Areas in the API: GET /areas (optionally the children of one), GET /areas/{code}."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from jingzhun.areas.selectors import area_get, area_list

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None


def _out(area) -> dict:  # type: ignore[no-untyped-def]
    return {"code": area.code, "name": area.name, "level": area.level, "parent_code": area.parent_id}


@router.get("", response=list[AreaOut], summary="Areas you can see")
def list_areas(request: HttpRequest, parent: str | None = None) -> list[dict]:
    return [_out(a) for a in area_list(actor=request.auth, parent_code=parent)]


@router.get("/{code}", response=AreaOut, summary="One area")
def get_area(request: HttpRequest, code: str) -> dict:
    return _out(area_get(actor=request.auth, code=code))
