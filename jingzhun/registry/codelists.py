"""Code lists (代码表) as data: read from ``CodeItem`` rows, cached in the process for a minute.

The initial content is ``codelists.json`` (loaded by a data migration); administrators edit it in
the admin. Labels come in zh-hans and en; ``label(list, code)`` picks the active language.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.utils import translation

DATA_FILE = Path(__file__).with_name("codelists.json")
_TTL_SECONDS = 60.0
_cache: dict[str, Any] = {"at": 0.0, "lists": {}}


def load_seed() -> dict[str, Any]:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def clear_cache() -> None:
    _cache["at"] = 0.0


def _lists() -> dict[str, dict[str, dict[str, Any]]]:
    if time.monotonic() - _cache["at"] > _TTL_SECONDS:
        from jingzhun.registry.models import CodeItem

        lists: dict[str, dict[str, dict[str, Any]]] = {}
        for item in CodeItem.objects.filter(active=True).order_by("code_list_id", "sort_order").values(
            "code_list_id", "code", "label_zh", "label_en", "attributes"
        ):
            lists.setdefault(item["code_list_id"], {})[item["code"]] = item
        _cache["lists"] = lists
        _cache["at"] = time.monotonic()
    return _cache["lists"]


def codes_of(list_key: str) -> dict[str, dict[str, Any]]:
    return _lists().get(list_key, {})


def is_valid(list_key: str, code: str) -> bool:
    return code in codes_of(list_key)


def label(list_key: str, code: str, language: str | None = None) -> str:
    """Label of a code in the given (or active) language; the code itself when unknown, '' when empty."""
    if not code:
        return ""
    item = codes_of(list_key).get(code)
    if item is None:
        return code
    lang = language or translation.get_language() or "zh-hans"
    return item["label_en"] if lang.startswith("en") else item["label_zh"]


def choices(list_key: str, *, blank: bool = True) -> list[tuple[str, str]]:
    out = [(code, label(list_key, code)) for code in codes_of(list_key)]
    return ([("", "—")] if blank else []) + out


def attribute(list_key: str, code: str, name: str) -> Any:
    item = codes_of(list_key).get(code)
    return (item or {}).get("attributes", {}).get(name)
