"""A public notice (公示/公告) as a printable A4 PDF in Chinese, for the village notice board.

``notice_pdf`` lays out the title, the area and year, the notice text, the table of what was posted
(序号, 户主姓名, 村民小组, 家庭人口, 拟定事项, 理由 — or, for projects, 序号, 项目名称, 实施地点, 建设内容,
投资及资金来源, 受益户数, 拟定事项及理由), the notice period, where to object, and the posting office
and date; every page carries "第 X 页 共 Y 页" and a long table repeats its header row.

Privacy: the sheet shows only what ``NoticeEntry`` keeps for the public (name, villager group,
household size, proposed decision, reason; a project's ``details`` as posted). It never reads the
household, its members or the project, so an ID number, a household's phone, a bank account or a
health detail cannot reach the paper.

Chinese text needs an embedded CJK TrueType font. It is looked up once per process: the
``NOTICE_PDF_FONT`` setting first, then the usual Debian/Ubuntu paths (``FONT_CANDIDATES``), then
``fc-match :lang=zh``. A font is used only if it can be embedded and has glyphs for Chinese; if
none qualifies, ``NoticeFontMissing`` (HTTP 503) says what to install.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from reportlab.lib import colors
from reportlab.lib import textsplit as rl_textsplit
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus import paragraph as rl_paragraph

from jingzhun.core.exceptions import DomainError
from jingzhun.workflow.models import Notice, NoticeEntry, NoticeKind

FONT_NAME = "JingzhunNoticeCJK"
# (path, sub-font index for .ttc collections), tried in this order after the setting.
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)
# Characters a font must have to be accepted (fc-match may answer with a Latin-only fallback).
_PROBE = "公示户主姓名村民小组异议电话第页共"

COLUMNS = ("序号", "户主姓名", "村民小组", "家庭人口", "拟定事项", "理由")
COLUMN_WIDTHS_MM = (12, 22, 20, 19, 40, 57)  # 170 mm: A4 (210 mm) less two 20 mm margins
PROJECT_COLUMNS = ("序号", "项目名称", "实施地点", "建设内容", "投资（元）及资金来源", "受益户数", "拟定事项及理由")
PROJECT_COLUMN_WIDTHS_MM = (9, 24, 17, 34, 46, 12, 28)
MARGIN = 20 * mm


class NoticeFontMissing(DomainError):
    """No usable Chinese font on the server: the PDF would show empty boxes, so none is made."""

    status = 503
    default_code = "notice_font_missing"
    default_message = _(
        "No Chinese font is installed on the server, so the notice cannot be printed. "
        "Install fonts-wqy-zenhei (Debian) or set NOTICE_PDF_FONT."
    )


# ---------------------------------------------------------------------------------------------- font


def _fc_match() -> tuple[str, int] | None:
    """The font fontconfig would use for Chinese, or None when fc-match is absent or fails."""
    command = shutil.which("fc-match")
    if not command:
        return None
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell, no user input
            [command, "-f", "%{file}|%{index}", ":lang=zh"], capture_output=True, text=True, timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    path, _sep, index = result.stdout.strip().partition("|")
    if result.returncode != 0 or not path:
        return None
    return path, int(index) if index.isdigit() else 0


def _font_candidates() -> Iterator[tuple[str, int]]:
    """Where to look, in order: the setting, the common paths, then fontconfig (asked only if needed)."""
    configured = str(getattr(settings, "NOTICE_PDF_FONT", "") or "").strip()
    if configured:
        yield configured, 0
    yield from FONT_CANDIDATES
    found = _fc_match()
    if found is not None:
        yield found


def _load_cjk_font(path: str, subfont_index: int) -> TTFont | None:
    """The font at ``path`` if ReportLab can embed it and it covers Chinese, else None."""
    if not Path(path).is_file():
        return None
    try:
        font = TTFont(FONT_NAME, path, subfontIndex=subfont_index)
    except (TTFError, OSError, ValueError, IndexError, KeyError):
        return None  # e.g. CFF-outline OpenType (ReportLab embeds TrueType outlines only)
    glyphs = font.face.charToGlyph
    if not all(ord(char) in glyphs for char in _PROBE):
        return None
    return font


@functools.cache
def notice_font() -> str:
    """Register the Chinese font once per process and return its ReportLab name.

    Raises ``NoticeFontMissing`` when no candidate is usable (a failure is not cached, so installing
    a font or fixing the setting takes effect without a restart)."""
    for path, subfont_index in _font_candidates():
        font = _load_cjk_font(path, subfont_index)
        if font is not None:
            pdfmetrics.registerFont(font)
            return FONT_NAME
    raise NoticeFontMissing()


# ---------------------------------------------------------------------------------------------- layout

# Full-width Chinese punctuation that must not begin a line (避头点); ReportLab's CJK wrapping knows
# the Japanese set, which lacks the full-width comma, colon, semicolon, ! ? and closing 》.
_CANNOT_START_ZH = "，：；！？》〉」』】"


@functools.cache
def _chinese_line_breaking() -> None:
    """Teach ReportLab's CJK wrapping (once per process) to hang these marks instead of starting a
    line with them. Only adds characters; wrapping of other text is unchanged."""
    for module in (rl_textsplit, rl_paragraph):  # one-fragment and many-fragment paragraphs respectively
        missing = "".join(c for c in _CANNOT_START_ZH if c not in module.ALL_CANNOT_START)
        if missing:
            module.ALL_CANNOT_START += missing


def _date_zh(day: dt.date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def _text(value: Any) -> str:
    """Plain text made safe for Paragraph markup; line breaks are kept."""
    return escape(str(value or "")).replace("\r\n", "\n").replace("\n", "<br/>")


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("notice", fontName=font, fontSize=11, leading=17, wordWrap="CJK", alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, alignment=TA_CENTER, spaceAfter=8),
        "body": ParagraphStyle("body", parent=base, firstLineIndent=22, spaceAfter=6),
        "text": ParagraphStyle("text", parent=base, spaceBefore=4),
        "head": ParagraphStyle("head", parent=base, fontSize=10, leading=14, alignment=TA_CENTER),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "cell_centre": ParagraphStyle("cell_centre", parent=base, fontSize=9.5, leading=13, alignment=TA_CENTER),
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_RIGHT),
    }


def _household_row(entry: NoticeEntry, cell: ParagraphStyle, centre: ParagraphStyle) -> list[Any]:
    return [
        Paragraph(_text(entry.line), centre),
        Paragraph(_text(entry.name), cell),
        Paragraph(_text(entry.group_name), centre),
        Paragraph(_text(entry.household_size if entry.household_size is not None else ""), centre),
        Paragraph(_text(entry.decision), cell),
        Paragraph(_text(entry.reason), cell),
    ]


def _project_row(entry: NoticeEntry, cell: ParagraphStyle, centre: ParagraphStyle) -> list[Any]:
    details = entry.details or {}
    money = [f"合计：{details.get('budget_total') or '—'}"]
    money += [f"{s.get('label', '')}：{s.get('amount', '')}" for s in details.get("sources") or []]
    return [
        Paragraph(_text(entry.line), centre),
        Paragraph(_text(entry.name), cell),
        Paragraph(_text(details.get("place") or entry.group_name), cell),
        Paragraph(_text(details.get("content", "")), cell),
        Paragraph(_text("\n".join(money)), cell),
        Paragraph(str(int(details.get("beneficiaries") or 0)), centre),
        Paragraph(_text(f"{entry.decision}\n{entry.reason}".strip()), cell),
    ]


def _entries_table(entries: Sequence[NoticeEntry], styles: dict[str, ParagraphStyle], *,
                   projects: bool = False) -> Table:
    """The list, one row per entry; only the public fields of ``NoticeEntry`` are read."""
    cell, centre = styles["cell"], styles["cell_centre"]
    columns, widths = (PROJECT_COLUMNS, PROJECT_COLUMN_WIDTHS_MM) if projects else (COLUMNS, COLUMN_WIDTHS_MM)
    rows: list[list[Any]] = [[Paragraph(label, styles["head"]) for label in columns]]
    for entry in entries:
        rows.append((_project_row if projects else _household_row)(entry, cell, centre))
    if not entries:
        rows.append([Paragraph("（无）", centre)] + [""] * (len(columns) - 1))
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if not entries:
        commands.append(("SPAN", (0, 1), (-1, 1)))
    table.setStyle(TableStyle(commands))
    return table


def _period_lines(notice: Notice) -> list[str]:
    """公示期 and where to object, or only 公告日期 for an announcement."""
    if notice.kind == NoticeKind.ANNOUNCEMENT:
        return [f"公告日期：{_date_zh(notice.starts_on)}"]
    unit = "个工作日" if notice.working_days else "天"
    return [
        f"公示期：{_date_zh(notice.starts_on)} 至 {_date_zh(notice.ends_on)}（共{notice.days}{unit}）",
        f"对公示对象有异议的，请于公示期内向 {notice.contact_name} 反映，电话：{notice.contact_phone}",
    ]


def _published_on(notice: Notice) -> dt.date:
    """The date under the posting office: the day the notice goes up on the board."""
    return notice.starts_on


class _NumberedCanvas(canvas.Canvas):
    """A canvas that holds its pages until the end so each footer can say how many there are."""

    def __init__(self, *args: Any, font_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._font_name = font_name
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        self.saveState()
        self.setFont(self._font_name, 9)
        self.drawCentredString(A4[0] / 2, 12 * mm, f"第 {self._pageNumber} 页 共 {total} 页")
        self.restoreState()


def notice_pdf(notice: Notice, *, entries: list[NoticeEntry] | None = None) -> bytes:
    """The notice as an A4 PDF (bytes). ``entries`` defaults to the entries still on the notice
    (not taken off after an objection), in posted order; their posted numbers are kept as 序号.

    Raises ``NoticeFontMissing`` when the server has no Chinese font."""
    font = notice_font()
    _chinese_line_breaking()
    styles = _styles(font)
    if entries is None:
        entries = list(notice.entries.filter(withdrawn=False).order_by("line"))
    area_name = notice.area.name

    story: list[Any] = [
        Paragraph(_text(notice.title), styles["title"]),
        Paragraph(f"{_text(area_name)}　{notice.year}年度", styles["subtitle"]),
    ]
    for paragraph in (notice.body or "").replace("\r\n", "\n").strip().split("\n\n"):
        if paragraph.strip():
            story.append(Paragraph(_text(paragraph.strip()), styles["body"]))
    projects = notice.procedure.subject == "project"
    story += [Spacer(1, 2 * mm), _entries_table(entries, styles, projects=projects), Spacer(1, 5 * mm)]
    closing: list[Any] = [Paragraph(_text(line), styles["text"]) for line in _period_lines(notice)]
    closing += [
        Spacer(1, 10 * mm),
        Paragraph(f"发布单位：{_text(area_name)}", styles["sign"]),
        Paragraph(_date_zh(_published_on(notice)), styles["sign"]),
    ]
    story.append(KeepTogether(closing))

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm, bottomMargin=22 * mm,
        title=notice.title, author=area_name, subject=str(notice.kind), creator="jingzhun",
    )
    document.build(story, canvasmaker=functools.partial(_NumberedCanvas, font_name=font))
    return buffer.getvalue()
