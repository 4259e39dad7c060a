"""The zh-hans catalogue is complete and its compiled file matches it."""

from pathlib import Path

import polib
from django.utils import translation

import jingzhun

CATALOGUE = Path(jingzhun.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(CATALOGUE))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_compiled_catalogue_matches_source():
    po = polib.pofile(str(CATALOGUE))
    mo = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    compiled = {e.msgid: e.msgstr for e in mo}
    source = {e.msgid: e.msgstr for e in po.translated_entries() if not e.msgid_plural}
    assert {k: v for k, v in source.items() if compiled.get(k) != v} == {}


def test_placeholders_survive_translation():
    po = polib.pofile(str(CATALOGUE))
    import re

    pattern = re.compile(r"%\(\w+\)s|\{\w*\}")
    broken = []
    for e in po.translated_entries():
        translations = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
        if any(set(pattern.findall(e.msgid)) != set(pattern.findall(t)) for t in translations):
            broken.append(e.msgid)
    assert broken == []


def test_default_language_is_chinese():
    with translation.override("zh-hans"):
        assert translation.gettext("Not found.") == "未找到。"
    with translation.override("en"):
        assert translation.gettext("Not found.") == "Not found."
