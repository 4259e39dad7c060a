"""What a public notice may say. No Django here.

A notice shows name, villager group, household size, the proposed decision and its reason. It
never shows an ID number, a phone number, a bank account or a health detail (domain §1.12; the
monitoring rules of 2021 say so explicitly). Officials write the reason; ``reason_problems`` refuses
a reason that carries any of these, before anything is posted.
"""

from __future__ import annotations

import re

_LONG_NUMBER = re.compile(r"\d[\d\s-]{13,}[\dXx]")  # ID numbers (15/18), bank accounts, with spaces or dashes
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|0\d{2,3}[\s-]?\d{7,8})(?!\d)")
HEALTH_WORDS = (
    "病", "残疾", "残障", "癌", "肿瘤", "透析", "瘫", "精神", "智力", "失明", "聋", "哑", "艾滋", "HIV",
    "结核", "糖尿", "尿毒", "住院", "手术", "disab", "illness", "disease", "cancer", "hospital",
)


def reason_problems(text: str) -> list[str]:
    """Codes of what a public reason must not contain: ``id_or_account``, ``phone``, ``health``."""
    found = []
    if _LONG_NUMBER.search(text or ""):
        found.append("id_or_account")
    if _PHONE.search(text or ""):
        found.append("phone")
    lowered = (text or "").lower()
    if any(word.lower() in lowered for word in HEALTH_WORDS):
        found.append("health")
    return found
