"""The printed notice (``workflow.pdf``): what it shows, what it never shows, and how it looks.

Notices are made through the services, as in ``test_services``. Text is read back with pdfium; page 1
is also rendered to ``notice-page-1.png`` in ``$JINGZHUN_TEST_ARTEFACTS`` (default
``var/test-artefacts/``) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import reportlab

from jingzhun.registry.models import Household, Person
from jingzhun.registry.tests.factories import member, register
from jingzhun.workflow import pdf, services
from jingzhun.workflow.models import Notice, NoticeKind
from jingzhun.workflow.tests.factories import GENERAL_YEAR, START, households, village_notice

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[3]
PHONE = "13912345678"
MEMBER_PHONE = "13787654321"
BANK_ACCOUNT = "6217003320001234567"
CONTACT_PHONE = "0753-8881234"
LONG_REASON = ("家庭人均纯收入低于当年扶贫标准，经村民代表大会民主评议、入户核实，符合建档立卡贫困户识别条件，"
               "同意纳入本年度贫困户名单并按程序逐级上报审核")


def artefact_dir() -> Path:
    path = Path(os.environ.get("JINGZHUN_TEST_ARTEFACTS") or REPO / "var" / "test-artefacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def flat(text: str) -> str:
    """Extracted text without whitespace, so a value split by a line break still matches."""
    return re.sub(r"\s+", "", text)


def pages_text(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def post_notice(personas, homes, *, body: str = "", reasons: dict[int, str] | None = None) -> Notice:
    return village_notice(personas, homes, body=body, reasons=reasons, contact_phone=CONTACT_PHONE)


def private_household(personas) -> Household:
    """A household with a phone, a bank account and a member's phone: none of these may be printed."""
    home = register(personas.village_officer, year=2024, year_data=dict(GENERAL_YEAR), group_name="二组",
                    phone=PHONE, bank_account=BANK_ACCOUNT,
                    members=[member("head", "1", name="陈大海", phone=MEMBER_PHONE),
                             member("spouse", "2", name="林小梅"), member("son", "1", dt.date(2010, 3, 1), name="陈小山")])
    home.refresh_from_db()
    assert (home.phone, home.bank_account) == (PHONE, BANK_ACCOUNT)  # the secrets really are in the registry
    return home


@pytest.fixture
def fresh_font_cache():
    pdf.notice_font.cache_clear()
    yield
    pdf.notice_font.cache_clear()


def test_the_notice_shows_the_posted_list_and_no_private_detail(personas):
    homes = [*households(personas.village_officer, 3), private_household(personas)]
    notice = post_notice(personas, homes, body="根据《扶贫开发建档立卡工作方案》，经农户申请、民主评议，"
                                                "现将拟识别的贫困户名单公示如下。",
                         reasons={homes[-1].pk: LONG_REASON})
    data = pdf.notice_pdf(notice)
    assert data.startswith(b"%PDF") and b"FontFile2" in data  # the CJK font is embedded

    texts = pages_text(data)
    text = flat("".join(texts))
    assert flat(notice.title) in text and CONTACT_PHONE in text and "黄花村委会" in text
    for entry in notice.entries.all():
        assert entry.name in text
    assert "陈大海" in text and flat(LONG_REASON) in text  # a long reason wraps, nothing is cut off
    for label in pdf.COLUMNS:
        assert label in text
    assert f"公示期：2024年03月04日至2024年03月08日（共{notice.days}天）" in text
    assert "对公示对象有异议的，请于公示期内向黄花村委会反映" in text
    assert f"发布单位：{notice.area.name}" in text and "第1页共1页" in text

    id_numbers = list(Person.objects.filter(household__in=homes).values_list("id_number", flat=True))
    assert len(id_numbers) == 9
    secrets = [*id_numbers, PHONE, MEMBER_PHONE, BANK_ACCOUNT,
               *Household.objects.filter(pk__in=[h.pk for h in homes]).values_list("household_number", flat=True)]
    digits = re.sub(r"\D", "", text)
    for secret in secrets:
        assert secret not in text and re.sub(r"\D", "", secret) not in digits, secret

    document = pdfium.PdfDocument(data)
    try:
        image = document[0].render(scale=2).to_pil().convert("L")
    finally:
        document.close()
    path = artefact_dir() / "notice-page-1.png"
    image.save(path)
    assert path.stat().st_size > 0
    dark = sum(image.histogram()[:128])
    assert dark > 5000, f"page 1 looks blank ({dark} dark pixels)"
    # glyphs, not empty boxes: the title band near the top is inked
    width, height = image.size
    title_band = image.crop((0, int(height * 0.04), width, int(height * 0.12)))
    assert sum(title_band.histogram()[:128]) > 500


def test_a_long_list_runs_over_pages_with_the_header_repeated(personas):
    homes = households(personas.village_officer, 60)
    notice = post_notice(personas, homes)
    texts = pages_text(pdf.notice_pdf(notice))
    assert len(texts) > 1
    total = len(texts)
    for number, page in enumerate(texts, start=1):
        assert f"第{number}页共{total}页" in flat(page)
    assert "户主姓名" in texts[1] and "拟定事项" in texts[1]
    everything = flat("".join(texts))
    for n in range(60):
        assert f"户主{n:02d}" in everything


def test_an_entry_taken_off_after_an_objection_is_not_printed_and_an_announcement_has_no_objection_line(personas):
    homes = households(personas.village_officer, 3)
    notice = post_notice(personas, homes)
    first = notice.entries.get(line=1)
    objection = services.objection_file(notice=notice, entry_id=first.pk, filed_by_name="张三", contact="村东头",
                                        content="他家有小轿车", today=START + dt.timedelta(days=1))
    services.objection_resolve(actor=personas.village_officer, objection_id=objection.pk, upheld=True,
                               resolution="核实有车，退回重新核实", today=START + dt.timedelta(days=1))
    text = flat("".join(pages_text(pdf.notice_pdf(notice))))
    assert first.name not in text
    assert all(e.name in text for e in notice.entries.filter(withdrawn=False))

    chosen = list(notice.entries.filter(line=1))  # explicit entries are printed as given
    assert first.name in flat("".join(pages_text(pdf.notice_pdf(notice, entries=chosen))))

    notice.kind = NoticeKind.ANNOUNCEMENT  # rendered only, not saved
    text = flat("".join(pages_text(pdf.notice_pdf(notice))))
    assert "公告日期：2024年03月04日" in text
    assert "公示期" not in text and "异议" not in text


def test_a_server_without_a_chinese_font_says_so(personas, settings, monkeypatch, fresh_font_cache):
    notice = post_notice(personas, households(personas.village_officer, 1))
    latin_only = str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf")  # a real font without Chinese
    settings.NOTICE_PDF_FONT = "/nonexistent/fonts/none.ttf"
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (("/nonexistent/wqy-zenhei.ttc", 0), (latin_only, 0)))
    monkeypatch.setattr(pdf, "_fc_match", lambda: (latin_only, 0))
    with pytest.raises(pdf.NoticeFontMissing) as missing:
        pdf.notice_pdf(notice)
    assert missing.value.status == 503 and missing.value.code == "notice_font_missing"
    assert "NOTICE_PDF_FONT" in missing.value.text("en") and "fonts-wqy-zenhei" in missing.value.text("en")


def test_the_font_setting_is_used_first(personas, settings, monkeypatch, fresh_font_cache):
    usable = next((c for c in pdf._font_candidates() if pdf._load_cjk_font(*c) is not None), None)
    if usable is None:
        pytest.skip("no Chinese font on this machine")
    notice = post_notice(personas, households(personas.village_officer, 1))
    settings.NOTICE_PDF_FONT = usable[0]
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    monkeypatch.setattr(pdf, "_fc_match", lambda: None)
    assert "户主00" in flat("".join(pages_text(pdf.notice_pdf(notice))))
