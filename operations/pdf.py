"""The printable day sheet of a shift (志工簽到表): a text PDF (not an image) in Traditional Chinese.

fpdf2 embeds a subset of Noto Sans CJK TC (an OpenType font with CFF outlines, which reportlab's TTFont
cannot read). The font is looked up at run time: settings.CJK_FONT_PATH if set, else the usual places
of the Debian package fonts-noto-cjk; a missing font raises CJKFontMissing with a clear message."""
from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

# Collection index of the Traditional Chinese face in NotoSansCJK-*.ttc (JP, KR, SC, TC, HK, …).
TC_INDEX_IN_TTC = 3
FONT_CANDIDATES = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKtc-Regular.otf",
]


class CJKFontMissing(RuntimeError):
    pass


def find_cjk_font() -> Path:
    configured = getattr(settings, "CJK_FONT_PATH", "") or os.environ.get("CJK_FONT_PATH", "")
    for candidate in ([configured] if configured else []) + FONT_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise CJKFontMissing(
        "No Chinese font found for PDFs. Install the Debian package fonts-noto-cjk "
        "(apt-get install fonts-noto-cjk) or set CJK_FONT_PATH to a Noto Sans CJK TC font file."
    )


def _pdf():
    from fpdf import FPDF

    # fontTools reports every subsetting step at INFO level; keep the logs readable.
    logging.getLogger("fontTools").setLevel(logging.WARNING)

    font = find_cjk_font()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    kwargs = {"collection_font_number": TC_INDEX_IN_TTC} if font.suffix.lower() == ".ttc" else {}
    pdf.add_font("cjk", fname=str(font), **kwargs)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_("Day sheet"))
    return pdf


def day_sheet_pdf(*, shift, roster: list, printed_by: str = "") -> bytes:
    """One shift's sign-in sheet: venue, group, date and time, then every accepted volunteer with boxes
    for the check-in and check-out times and a signature."""
    pdf = _pdf()
    pdf.add_page()
    position = shift.position
    pdf.set_font("cjk", size=16)
    pdf.cell(0, 10, "志工簽到表 Day sheet", new_x="LMARGIN", new_y="NEXT")  # bilingual, as printed for the venue
    pdf.set_font("cjk", size=11)
    labels = {
        "campaign": _("Campaign"), "venue": _("Venue"), "group": _("Service group"), "position": _("Position"),
        "shift": _("Shift"), "headcount": _("Headcount"), "accepted": _("Accepted"),
    }
    venue = position.venue.display_name if position.venue else "—"
    group = position.team.display_name if position.team else "—"
    roc = f"{shift.date.year - 1911}/{shift.date:%m/%d}"
    times = f"{shift.start_time:%H:%M}–{shift.end_time:%H:%M}"
    lines = [
        f"{labels['campaign']}：{position.campaign.display_title}",
        f"{labels['venue']}：{venue}    {labels['group']}：{group}",
        f"{labels['position']}：{position.display_title}",
        f"{labels['shift']}：{shift.date:%Y-%m-%d}（{roc}） {shift.name} {times}    "
        f"{labels['headcount']}：{shift.headcount}    {labels['accepted']}：{len(roster)}",
    ]
    for line in lines:
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = [10, 38, 28, 24, 24, 24, 42]
    headers = ["#", _("Name"), _("Mobile phone"), _("Check-in"), _("Check-out"), _("Hours"), _("Signature")]
    pdf.set_font("cjk", size=10)
    pdf.set_fill_color(230, 236, 245)
    for width, header in zip(widths, headers, strict=True):
        pdf.cell(width, 8, header, border=1, align="C", fill=True)
    pdf.ln()
    for number, signup in enumerate(roster, start=1):
        att = getattr(signup, "att", None)
        record = getattr(att, "service_record", None) if att else None
        check_in = timezone.localtime(att.check_in_at).strftime("%H:%M") if att and att.check_in_at else ""
        check_out = timezone.localtime(att.check_out_at).strftime("%H:%M") if att and att.check_out_at else ""
        if att and att.outcome == "no_show":
            check_in = _("No-show")
        phone = signup.volunteer.phone
        masked_phone = f"{phone[:4]}***{phone[-3:]}" if len(phone) >= 8 else phone
        cells = [str(number), signup.volunteer.name, masked_phone, check_in, check_out,
                 str(record.hours) if record else "", ""]
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 9, value, border=1, align="C" if width <= 28 else "L")
        pdf.ln()
    if not roster:
        pdf.cell(sum(widths), 9, _("No accepted volunteers for this shift yet."), border=1, align="C")
        pdf.ln()
    pdf.ln(4)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 5, _("Hours are the actual time at the venue between check-in and check-out, rounded to "
                           "the nearest half hour; travel time is not counted."), new_x="LMARGIN", new_y="NEXT")
    printed, signature = _("Printed"), _("Leader signature")
    pdf.cell(0, 6, f"{printed}：{timezone.localtime():%Y-%m-%d %H:%M}  {printed_by}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"{signature}：______________________", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def training_certificate_pdf(*, certificate) -> bytes:
    """A training certificate (結業證書) as a text PDF in Chinese: name, course, kind and category, hours,
    organiser, completion date (also in ROC years) and the certificate number."""
    pdf = _pdf()
    pdf.set_title("結業證書")
    pdf.add_page()
    pdf.set_font("cjk", size=26)
    pdf.ln(20)
    pdf.cell(0, 16, "結業證書", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, f"字號：{certificate.number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(12)
    day = certificate.completed_on
    roc = f"民國{day.year - 1911}年{day.month}月{day.day}日"
    kind = {"basic": "基礎訓練", "special": "特殊訓練", "in_service": "在職訓練"}.get(certificate.kind, "")
    category = certificate.get_category_display() if certificate.category else ""
    pdf.set_font("cjk", size=14)
    text = (f"　　{certificate.volunteer.name} 君參加 {certificate.organiser_name} 辦理之「{certificate.course_name}」"
            f"（{kind}{'，' + category if category else ''}），計 {certificate.hours} 小時，"
            f"於{roc}結業，特發此證。")
    pdf.multi_cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(20)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, f"辦理單位：{certificate.organiser_name}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"結業日期：{day:%Y-%m-%d}（{roc}）", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("cjk", size=9)
    pdf.multi_cell(0, 5, "依志願服務法第九條辦理之教育訓練。Training under Art. 9 of the Volunteer Service Act. "
                   f"Certificate {certificate.number}, {certificate.hours} h, completed {day:%Y-%m-%d}.",
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def training_sheet_pdf(*, session, roster: list, printed_by: str = "") -> bytes:
    """A training session's sign-in sheet (課程簽到表): the course, date, place, then every enrolled person
    with boxes for the signature and the attendance tick."""
    pdf = _pdf()
    pdf.set_title("課程簽到表")
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.cell(0, 10, "課程簽到表 Training sign-in sheet", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    course = session.course
    roc = f"{session.date.year - 1911}/{session.date:%m/%d}"
    for line in (f"{_('Course')}：{course.display_title}（{course.hours} h）",
                 f"{_('Date and time')}：{session.date:%Y-%m-%d}（{roc}） {session.start_time:%H:%M}–{session.end_time:%H:%M}",
                 f"{_('Place')}：{session.place or session.online_url}    {_('Instructor')}：{session.instructor or '—'}"):
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    widths = [10, 50, 40, 50, 40]
    headers = ["#", _("Name"), _("Mobile phone"), _("Signature"), _("Present")]
    pdf.set_font("cjk", size=10)
    pdf.set_fill_color(230, 236, 245)
    for width, header in zip(widths, headers, strict=True):
        pdf.cell(width, 8, header, border=1, align="C", fill=True)
    pdf.ln()
    for number, enrolment in enumerate(roster, start=1):
        phone = enrolment.volunteer.phone
        masked_phone = f"{phone[:4]}***{phone[-3:]}" if len(phone) >= 8 else phone
        present = "✓" if enrolment.attended else ""
        for width, value in zip(widths, [str(number), enrolment.volunteer.name, masked_phone, "", present], strict=True):
            pdf.cell(width, 9, value, border=1, align="C" if width <= 40 else "L")
        pdf.ln()
    pdf.ln(4)
    pdf.set_font("cjk", size=9)
    printed = _("Printed")
    pdf.cell(0, 6, f"{printed}：{timezone.localtime():%Y-%m-%d %H:%M}  {printed_by}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _roc(day) -> str:
    return f"民國{day.year - 1911}年{day.month}月{day.day}日"


def service_id_pdf(*, service_id, photo: bytes | None = None) -> bytes:
    """A service ID (志願服務證) card, 86 × 54 mm, as a text PDF: the volunteer's name and photo, the issuing
    unit, the number, the issue and expiry dates (Art.12; 志願服務證及服務紀錄冊管理辦法)."""
    import io

    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    font = find_cjk_font()
    pdf = FPDF(orientation="L", unit="mm", format=(54, 86))
    kwargs = {"collection_font_number": TC_INDEX_IN_TTC} if font.suffix.lower() == ".ttc" else {}
    pdf.add_font("cjk", fname=str(font), **kwargs)
    pdf.set_auto_page_break(auto=False)
    pdf.set_title("志願服務證")
    pdf.add_page()
    pdf.set_margins(4, 4, 4)
    pdf.set_xy(4, 4)
    pdf.set_font("cjk", size=11)
    pdf.cell(78, 6, "志願服務證 Volunteer service ID", align="C", new_x="LMARGIN", new_y="NEXT")
    if photo:
        pdf.image(io.BytesIO(photo), x=62, y=13, w=20, h=26)
    else:
        pdf.rect(62, 13, 20, 26)
    pdf.set_font("cjk", size=9)
    pdf.set_xy(4, 13)
    for line in (f"姓名：{service_id.volunteer.name}",
                 f"證號：{service_id.number}",
                 f"發證單位：{service_id.unit.display_name}",
                 f"發證日期：{service_id.issued_on:%Y-%m-%d}",
                 f"有效日期：{service_id.expires_on:%Y-%m-%d}"):
        pdf.cell(56, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=6)
    pdf.set_xy(4, 46)
    pdf.multi_cell(78, 3, "本證僅供識別志工身分之用，不得借予他人使用（志願服務法第十二條）。", align="C")
    return bytes(pdf.output())


def certificate_pdf(*, application, verify_url: str) -> bytes:
    """A performance certificate (志願服務績效證明書) or an honor card (志願服務榮譽卡) as a text PDF in Chinese
    with its verification number and the address of the public verification page."""
    pdf = _pdf()
    honor = application.kind == "honor_card"
    title = "志願服務榮譽卡" if honor else "志願服務績效證明書"
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("cjk", size=24)
    pdf.ln(16)
    pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, f"驗證編號：{application.number}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("cjk", size=14)
    volunteer = application.volunteer
    since = application.seniority_from
    if honor:
        text = (f"　　{volunteer.name} 君自{_roc(since) if since else '—'}起參與志願服務，"
                f"服務年資滿三年，服務時數計 {application.hours} 小時，符合志願服務法第二十條規定，"
                f"發給志願服務榮譽卡。")
    else:
        text = (f"　　{volunteer.name} 君自{_roc(since) if since else '—'}起於 {application.unit.display_name} "
                f"參與志願服務，服務時數計 {application.hours} 小時，績效良好，特予證明。")
    pdf.multi_cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("cjk", size=12)
    lines = [f"運用單位：{application.unit.display_name}",
             f"時數採計至：{application.hours_to:%Y-%m-%d}" if application.hours_to else "",
             f"發給日期：{application.issued_on:%Y-%m-%d}（{_roc(application.issued_on)}）"]
    if honor and application.valid_from:
        lines.append(f"有效期間：{application.valid_from:%Y-%m-%d} 至 {application.valid_until:%Y-%m-%d}")
    for line in filter(None, lines):
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    if not honor:
        pdf.ln(10)
        pdf.cell(0, 8, "業務承辦人：__________　志工督導：__________　負責人：__________",
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("cjk", size=9)
    kind = "Honor card" if honor else "Performance certificate"
    pdf.multi_cell(0, 5, f"{kind} {application.number}: {application.hours} h, issued {application.issued_on:%Y-%m-%d}. "
                   f"查驗真偽 Verify: {verify_url}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def period_report_pdf(*, report, tables: list, printed_by: str = "") -> bytes:
    """A half-year or annual report (半年報 / 年度成果報告) as a text PDF: the unit, the period, the status, every
    figures table (`selectors.reports.figure_tables`, rendered in the active language — Chinese for the
    authorities), the funding and the Art.7 narrative."""
    pdf = _pdf()
    roc_year = report.year - 1911
    part = {0: "年度", 1: "上半年", 2: "下半年"}[report.half]
    title = f"{report.unit.name} 民國{roc_year}年（{report.year}）{part}志願服務成果報告"
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("cjk", size=15)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    computed = timezone.localtime(report.computed_at).strftime("%Y-%m-%d %H:%M") if report.computed_at else "—"
    for line in (f"{_('Period')}：{report.start:%Y-%m-%d} – {report.end:%Y-%m-%d}　{_('Version')}：{report.version}",
                 f"{_('Status')}：{report.get_status_display()}　{_('Figures computed at')}：{computed}",
                 f"{_('Due on')}：{report.due_on:%Y-%m-%d}" if report.due_on else ""):
        if line:
            pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for table in tables:
        pdf.ln(3)
        pdf.set_font("cjk", size=12)
        pdf.cell(0, 8, table.title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=9)
        headers = table.headers
        first = min(70.0, width / 2) if len(headers) <= 2 else width / (len(headers) + 1) * 2
        rest = (width - first) / max(len(headers) - 1, 1)
        widths = [first] + [rest] * (len(headers) - 1)
        pdf.set_fill_color(230, 236, 245)
        for w, header in zip(widths, headers, strict=True):
            pdf.cell(w, 7, str(header), border=1, align="C", fill=True)
        pdf.ln()
        for row in table.rows:
            for i, (w, value) in enumerate(zip(widths, row, strict=True)):
                pdf.cell(w, 7, str(value), border=1, align="L" if i == 0 else "R")
            pdf.ln()
    pdf.ln(4)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, _("Funding"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 6, f"{_('Government subsidy (NT$)')}：{report.government_subsidy:,}　"
                   f"{_('Own funds (NT$)')}：{report.own_funds:,}", new_x="LMARGIN", new_y="NEXT")
    for heading, text in ((_("How the service plan went (Art.7)"), report.plan_narrative), (_("Notes"), report.notes)):
        pdf.ln(2)
        pdf.set_font("cjk", size=12)
        pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)
        pdf.multi_cell(0, 6, text or "—", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("cjk", size=8)
    printed = _("Printed")
    pdf.cell(0, 5, f"{printed}：{timezone.localtime():%Y-%m-%d %H:%M}  {printed_by}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
