"""What a public notice may say. No Django here.

A notice shows name, villager group, household size, the proposed decision and its reason. It
never shows an ID number, a phone number, a bank account or a health detail (domain §1.12; the
monitoring rules of 2021 say so explicitly). Officials write the reason; ``reason_problems`` refuses
a reason that carries any of these, before anything is posted.

Numbers are looked for after the text is reduced to its digits (Chinese and full-width numerals
included, any separator between them dropped), so ``138 001 38000``, ``138.0013.8000`` or
``一三八〇〇一三八〇〇〇`` are caught like ``13800138000``. Health words are a list and cannot be
complete: the standard wording (left empty, the system's phrase) is the safe choice, and the page
says so.
"""

from __future__ import annotations

import re

_NUMERALS = str.maketrans("零〇一二三四五六七八九０１２３４５６７８９ｘＸ", "00123456789" "0123456789" "xX")
_SEPARATORS = re.compile(r"(?<=[\dxX])[\s\-.·、,，_/:：]+(?=[\dxX])")
_DIGIT_RUN = re.compile(r"\d{7,}[\dxX]*")
HEALTH_WORDS = (
    "病", "残", "癌", "瘤", "透析", "瘫", "精神", "智力", "智障", "失明", "视障", "视力", "听力", "聋", "哑",
    "艾滋", "HIV", "结核", "糖尿", "尿毒", "住院", "手术", "化疗", "放疗", "中风", "脑梗", "脑出血", "心梗",
    "抑郁", "肝炎", "肾衰", "失能", "失智", "痴呆", "怀孕", "孕", "流产", "伤残", "截肢", "吸毒", "戒毒", "医疗",
    "disab", "illness", "disease", "cancer", "hospital", "pregnan",
)


def digits_only(text: str) -> str:
    """The text with Chinese and full-width numerals as digits and separators between digits removed."""
    return _SEPARATORS.sub("", (text or "").translate(_NUMERALS))


def reason_problems(text: str) -> list[str]:
    """Codes of what a public reason must not contain: ``id_or_account``, ``phone``, ``health``."""
    found = []
    runs = _DIGIT_RUN.findall(digits_only(text))
    if any(len(run) >= 15 or (len(run) >= 12 and not run.startswith("1")) for run in runs):
        found.append("id_or_account")
    if any(len(run) in (7, 8, 11, 12) or (len(run) in (10, 11, 12) and run.startswith("0")) for run in runs
           if len(run) < 15):
        found.append("phone")
    lowered = (text or "").lower()
    if any(word.lower() in lowered for word in HEALTH_WORDS):
        found.append("health")
    return found


_MOBILE = re.compile(r"1[3-9]\d{9}")


def public_text_problems(text: str) -> list[str]:
    """Codes of personal numbers in a notice's description of a thing (a project's content):
    ``id_or_account`` as for a reason, ``phone`` for a mobile number (11 digits from 13…19) or a
    number with an area code (10 to 12 digits from 0). Unlike ``reason_problems`` a plain figure
    such as 1500000 (yuan, metres) is not taken for a local telephone number, and health words are
    allowed (a clinic is a project, not a person's illness)."""
    found = []
    runs = _DIGIT_RUN.findall(digits_only(text))
    if any(len(run) >= 15 or (len(run) >= 12 and not run.startswith("1")) for run in runs):
        found.append("id_or_account")
    if any((len(run) == 11 and _MOBILE.fullmatch(run)) or (len(run) in (10, 11, 12) and run.startswith("0"))
           for run in runs if len(run) < 15):
        found.append("phone")
    return found
