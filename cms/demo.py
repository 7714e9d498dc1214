"""Demo content for `load_demo_data`: every public page type in Traditional Chinese and English, menus,
footer text, contact details, generated gallery images (Pillow) and real small ODT and PDF downloads
generated at load time. Idempotent: pages are found by slug, images and documents by title."""
from __future__ import annotations

import datetime
import io

from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, Site
from wagtail.rich_text import RichText

from operations.selectors.public import unit_by_code

from .models import (
    AnnouncementIndexPage,
    AnnouncementPage,
    ContactSettings,
    DownloadsPage,
    FooterText,
    GalleryPage,
    HomePage,
    LinkListPage,
    Menu,
    SectionPage,
    SitemapPage,
    StandardPage,
    UnitApplicationPage,
    VideoPage,
    WMGLandingPage,
)
from .recruitment_pages import RecruitmentPage, ensure_recruitment_page
from .workflow import ensure_editorial_setup

ZH = {
    "title": "臺北市志工管理整合平台",
    "intro": "一起投入志願服務：找到適合您的服務機會，報名班次，累積服務時數。",
    "banner_title": "",  # empty: the campaign's title (name and year from the recruitment data)
    "banner_text": "全球最大規模的綜合型運動賽會之一，需要您的熱情與專業。年滿16歲即可報名。",
}
EN = {
    "title": "Taipei City Volunteer Platform",
    "intro": "Volunteer with us: find a role that suits you, sign up for shifts and keep track of your hours.",
    "banner_title": "",
    "banner_text": "One of the largest multi-sport events in the world needs your energy and skills. Open to everyone aged 16 and over.",
}


HOME_TEXT = {
    "zh": "<p>臺北市政府社會局與臺北市志願服務推廣中心為志工、運用單位與志工團隊提供的整合平台。"
          "雙北世界壯年運動會的志工也在這裡招募與管理。</p>",
    "en": "<p>The platform of the Department of Social Welfare and the Taipei Volunteer Service Promotion Center "
          "for volunteers, volunteer-using units and teams. The volunteers of the World Masters Games are "
          "recruited and managed here too.</p>",
}


def _p(*paragraphs: str) -> RichText:
    return RichText("".join(f"<p>{p}</p>" for p in paragraphs))


class _Loader:
    def __init__(self, stdout=None):
        self.stdout = stdout
        self.zh, _ = Locale.objects.get_or_create(language_code="zh-hant")
        self.en, _ = Locale.objects.get_or_create(language_code="en")

    def log(self, message: str):
        if self.stdout is not None:
            self.stdout.write(message)

    # --- pages --------------------------------------------------------------------------------
    def page(self, parent_zh, cls, slug: str, zh: dict, en: dict):
        """The page `slug` under `parent_zh` and its English translation, created when missing."""
        page = Page.objects.child_of(parent_zh).filter(slug=slug).first()
        if page is None:
            page = parent_zh.add_child(instance=cls(slug=slug, locale=self.zh, **zh))
            page.save_revision().publish()
        page = page.specific
        if not page.has_translation(self.en):
            english = page.copy_for_translation(self.en)
            for field, value in en.items():
                setattr(english, field, value)
            english.save_revision().publish()
        return page, page.get_translation(self.en).specific

    # --- media --------------------------------------------------------------------------------
    def image(self, title: str, colours: tuple[str, str], seed: int):
        Image = get_image_model()
        existing = Image.objects.filter(title=title).first()
        if existing:
            return existing
        from PIL import Image as PILImage
        from PIL import ImageDraw

        width, height = 1200, 800
        img = PILImage.new("RGB", (width, height), colours[0])
        draw = ImageDraw.Draw(img)
        top = tuple(int(colours[0][i:i + 2], 16) for i in (1, 3, 5))
        bottom = tuple(int(colours[1][i:i + 2], 16) for i in (1, 3, 5))
        for y in range(height):
            t = y / height
            draw.line([(0, y), (width, y)], fill=tuple(int(top[i] + (bottom[i] - top[i]) * t) for i in range(3)))
        # a stylised crowd of volunteers in vests
        for i in range(9):
            x = 90 + i * 125 + (seed * 37 % 40)
            h = 260 + ((i * 53 + seed * 17) % 90)
            vest = ["#ffbf47", "#f26b38", "#2f9e6e", "#ffffff"][(i + seed) % 4]
            draw.ellipse([x - 34, height - h - 80, x + 34, height - h - 12], fill="#f3d2b3")
            draw.rounded_rectangle([x - 52, height - h, x + 52, height - 40], radius=30, fill=vest)
        draw.rectangle([0, height - 60, width, height], fill="#1b1f24")
        # No text in the picture: its words would be in one language only and unreadable to screen readers;
        # the caption and the alternative text carry them, in the page's language.
        buffer = io.BytesIO()
        img.save(buffer, "JPEG", quality=82)
        image = Image(title=title, file=ImageFile(buffer, name=f"demo-{seed}.jpg"))
        image.save()
        return image

    def document(self, title: str, filename: str, content: bytes):
        Document = get_document_model()
        existing = Document.objects.filter(title=title).first()
        if existing:
            return existing
        document = Document(title=title)
        document.file.save(filename, ContentFile(content), save=False)
        document.save()
        return document

    # --- snippets -----------------------------------------------------------------------------
    def menu(self, key: str, locale, items: list):
        menu = Menu.objects.filter(key=key, locale=locale).first()
        if menu is None:
            source = Menu.objects.filter(key=key).first()
            menu = Menu(key=key, locale=locale, items=items)
            if source is not None:
                menu.translation_key = source.translation_key
            menu.save()
        return menu


def odt_bytes(title: str, paragraphs: list[str]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text=title))
    for paragraph in paragraphs:
        doc.text.addElement(P(text=paragraph))
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A small, valid one-page text PDF (Helvetica, ASCII), written by hand so that no PDF library is
    needed for demo data."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = ["BT", "/F1 18 Tf", "72 770 Td", f"({esc(title)}) Tj", "/F1 11 Tf", "0 -30 Td"]
    for line in lines:
        text += [f"({esc(line)}) Tj", "0 -16 Td"]
    text.append("ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _unit(code: str):
    return unit_by_code(code)


# The English titles of the demo documents, carried by the English pages' download blocks.
EN_DOC_TITLES = {"handbook": "Volunteer handbook (PDF)", "guide": "Volunteer application form (ODT)",
                 "plan": "Service plan template (ODT)", "wmg": "WMG volunteer guide (PDF)"}

ANNOUNCEMENTS = [
    # (slug, category, unit code, days ago, zh title, en title, zh text, en text)
    ("wmg-recruitment-open", "recruitment", "wmg-committee", 2, "世壯運志工招募開跑，歡迎年滿16歲民眾報名",
     "WMG volunteer recruitment is open to everyone aged 16 and over",
     "場館、行政與語言志工同步招募，可依場館與組別選擇班次。", "Venue, administrative and language volunteers: choose shifts by venue and service group."),
    ("hospital-volunteers", "recruitment", "tp-hospital", 6, "臺北市立聯合醫院招募導診志工", "Taipei City Hospital needs guide volunteers",
     "協助民眾掛號、導引與陪伴就醫，每週服務一個半天。", "Help patients register and find their way, half a day a week."),
    ("library-reading", "recruitment", "tp-library", 12, "市立圖書館說故事志工招募", "Storytelling volunteers for the public library",
     "陪伴孩子閱讀，培養閱讀興趣。", "Read with children and share the joy of books."),
    ("basic-training-june", "training", "tp-vol-center", 3, "志願服務基礎訓練課程開課", "Basic volunteer training: new sessions",
     "依志願服務法規定，志工須完成基礎訓練6小時，共3門課：志願服務內涵與倫理、志願服務法規之認識、志願服務經驗分享。",
     "The Volunteer Service Act requires basic training: 6 hours in 3 subjects (the meaning and ethics of volunteering, volunteer law, sharing experience)."),
    ("wmg-special-training", "training", "wmg-committee", 9, "世壯運志工特殊訓練線上課程", "WMG special training online",
     "完成特殊訓練後方可排班服務。", "Volunteers serve after completing the special training."),
    ("first-aid-training", "training", "tp-hospital", 20, "志工急救訓練（CPR+AED）", "First aid training for volunteers (CPR and AED)",
     "由醫院急診團隊授課，名額有限。", "Taught by the hospital's emergency team; places are limited."),
    ("platform-launch", "news", "tp-social", 1, "臺北市志工管理整合平台全新上線", "The new Taipei City Volunteer Platform is online",
     "志工、運用單位與志工團隊可在同一平台完成招募、報名、訓練與時數管理。",
     "Volunteers, units and teams now recruit, sign up, train and record hours in one place."),
    ("volunteer-awards", "news", "tp-social", 15, "113年度績優志工表揚名單公告", "Outstanding volunteers of the year announced",
     "感謝每一位志工的付出。", "Thank you to every volunteer."),
    ("record-book", "news", "tp-vol-center", 30, "志願服務紀錄冊申請方式說明", "How to apply for a volunteer record book",
     "紀錄冊可於平台線上申請，由運用單位審核。", "Apply online; your unit reviews the application."),
    ("faq-hours", "faq", "tp-vol-center", 4, "服務時數如何計算？", "How are service hours counted?",
     "以每0.5小時為單位，不含交通時間。", "In steps of half an hour, travel time excluded."),
    ("faq-insurance", "faq", "tp-social", 8, "志工服務期間有保險嗎？", "Are volunteers insured while serving?",
     "運用單位應為志工辦理意外事故保險。", "Units insure their volunteers against accidents."),
    ("faq-minors", "faq", "wmg-committee", 10, "未滿18歲可以報名世壯運志工嗎？", "Can people under 18 volunteer at the WMG?",
     "年滿16歲即可報名，未滿18歲需上傳法定代理人同意書。",
     "Yes, from 16; under 18 you upload a guardian's consent form."),
]


@transaction.atomic
def load_demo_pages(stdout=None, *, full: bool = True) -> HomePage:
    """The home page in both languages and the editorial set-up; with `full` (the default) every other
    demo page, menus, footer, contact details, images and documents too."""
    loader = _Loader(stdout)
    zh_locale, en_locale = loader.zh, loader.en
    home = HomePage.objects.filter(locale=zh_locale).first()
    if home is None:
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", locale=zh_locale))
        # Wagtail's first migration makes a placeholder "Welcome to your new Wagtail site!" page (slug
        # "home") as the default site's root; our home page replaces it (its Site row goes with it).
        for placeholder in Page.objects.child_of(root).filter(slug="home"):
            if placeholder.specific_class is Page:
                placeholder.delete()
        home = root.add_child(instance=HomePage(slug="home", locale=zh_locale, **ZH))
        home.save_revision().publish()
        Site.objects.filter(is_default_site=True).delete()
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=ZH["title"]
        )
    if not home.has_translation(en_locale):
        english = home.copy_for_translation(en_locale)
        for field, value in EN.items():
            setattr(english, field, value)
        english.save_revision().publish()
    home_en = home.get_translation(en_locale).specific
    ensure_editorial_setup()
    if full:
        _load_site(loader, home, home_en)
    return home


def _load_site(loader: _Loader, home: HomePage, home_en: HomePage) -> None:
    page = loader.page
    today = timezone.localdate()

    # --- media ---
    from wagtail.models import Collection

    if Collection.get_first_root_node() is None:  # a flushed database (transactional tests) has none
        Collection.add_root(name="Root")
    photos = [
        loader.image(f"世壯運志工培訓 {i + 1}", ("#005b7f", "#7cc4d8"), i)
        for i in range(4)
    ] + [
        loader.image(f"社區服務日 {i + 1}", ("#2f7d62", "#bfe3c8"), 10 + i)
        for i in range(4)
    ]
    guide_odt = loader.document(
        "志工服務申請表（ODT）", "volunteer-application-form.odt",
        odt_bytes("志工服務申請表 Volunteer application form",
                  ["姓名 Name：", "聯絡電話 Phone：", "可服務時段 Availability：", "語言能力 Languages："]),
    )
    plan_odt = loader.document(
        "志願服務計畫範本（ODT）", "service-plan-template.odt",
        odt_bytes("志願服務計畫範本 Service plan template",
                  ["一、招募 Recruitment", "二、教育訓練 Training", "三、管理 Management", "四、運用 Deployment",
                   "五、輔導 Guidance", "六、考核 Evaluation", "七、服務項目 Service items"]),
    )
    handbook_pdf = loader.document(
        "志工服務手冊（PDF）", "volunteer-handbook.pdf",
        pdf_bytes("Taipei City Volunteer Handbook", [
            "1. Your rights and duties under the Volunteer Service Act.",
            "2. Basic training (6 hours, 3 subjects) and special training.",
            "3. Service hours are recorded in steps of half an hour.",
            "4. Insurance: your unit insures you while you serve.",
            "Taipei Volunteer Service Promotion Center, tel. 02-2302-3993",
        ]),
    )
    wmg_pdf = loader.document(
        "世壯運志工須知（PDF）", "wmg-volunteer-guide.pdf",
        pdf_bytes("World Masters Games - Volunteer guide", [
            "Event days: see the event page; venues in Taipei, New Taipei and the co-host cities.",
            "Minimum age 16; guardian consent under 18.",
            "Check in at your venue with the QR code 30 minutes before the shift.",
        ]),
    )

    # --- announcements ---
    news, news_en = page(home, AnnouncementIndexPage, "announcements",
                         {"title": "訊息公告", "intro": "<p>平台公告、招募活動、教育訓練與常見問答。</p>"},
                         {"title": "Announcements", "slug": "announcements",
                          "intro": "<p>News, recruitment events, training and frequently asked questions.</p>"})
    for index, (slug, category, unit_code, days, zh_title, en_title, zh_text, en_text) in enumerate(ANNOUNCEMENTS):
        attachments, attachments_en = [], []
        if index % 3 == 0:
            attachments = [("document", {"document": handbook_pdf, "title": "", "description": ""})]
            attachments_en = [("document", {"document": handbook_pdf, "title": EN_DOC_TITLES["handbook"], "description": ""})]
        elif index % 3 == 1:
            attachments = [("document", {"document": guide_odt, "title": "", "description": ""})]
            attachments_en = [("document", {"document": guide_odt, "title": EN_DOC_TITLES["guide"], "description": ""})]
        page(news, AnnouncementPage, slug,
             {"title": zh_title, "category": category, "unit": _unit(unit_code),
              "date": today - datetime.timedelta(days=days), "intro": f"<p>{zh_text}</p>",
              "body": [("paragraph", _p("詳細資訊請洽各運用單位或臺北市志願服務推廣中心。"))],  # the summary is the intro
              "attachments": attachments},
             {"title": en_title, "slug": slug, "intro": f"<p>{en_text}</p>",
              "body": [("paragraph", _p("For details, contact the unit or the Taipei Volunteer Service Promotion Center."))],
              "attachments": attachments_en})

    # --- organisations ---
    orgs, orgs_en = page(home, SectionPage, "organisations",
                         {"title": "志願服務運用單位介紹", "intro": "<p>認識志願服務團隊與運用單位。</p>"},
                         {"title": "Volunteer organisations", "slug": "organisations",
                          "intro": "<p>Meet our volunteer teams and the units that work with volunteers.</p>"})
    hospital, dome = _unit("tp-hospital"), _unit("wmg-taipei-dome")
    library = _unit("tp-library")
    teams_body_zh = [("paragraph", _p("臺北市的志工團隊遍布社福、衛生、文化、教育與體育等領域。以下為部分團隊的即時資料。"))]
    teams_body_en = [("paragraph", _p("Taipei's volunteer teams serve in welfare, health, culture, education and sport. Live facts of some teams below."))]
    for unit in (dome, hospital):
        if unit:
            teams_body_zh.append(("unit_facts", {"unit": str(unit.pk), "text": RichText("")}))
            teams_body_en.append(("unit_facts", {"unit": str(unit.pk), "text": RichText("")}))
    page(orgs, StandardPage, "teams", {"title": "志願服務團隊介紹", "intro": "<p>各志工隊的服務內容與編組。</p>",
                                       "body": teams_body_zh},
         {"title": "Volunteer teams", "slug": "teams", "intro": "<p>What the teams do and how they are organised.</p>",
          "body": teams_body_en})
    units_zh = [("paragraph", _p("運用單位是依志願服務法招募、訓練並運用志工的機關、機構、學校或團體。"))]
    units_en = [("paragraph", _p("A volunteer-using unit is an agency, institution, school or organisation that recruits, trains and deploys volunteers under the Volunteer Service Act."))]
    for unit in (hospital, library):
        if unit:
            units_zh.append(("unit_facts", {"unit": str(unit.pk), "text": RichText("")}))
            units_en.append(("unit_facts", {"unit": str(unit.pk), "text": RichText("")}))
    page(orgs, StandardPage, "units", {"title": "運用單位介紹", "intro": "<p>與志工一起服務市民的單位。</p>", "body": units_zh},
         {"title": "Volunteer-using units", "slug": "units", "intro": "<p>The units serving citizens with volunteers.</p>",
          "body": units_en})

    # --- apply to become a unit ---
    apply, apply_en = page(home, SectionPage, "apply-unit",
                           {"title": "申請成為運用單位", "intro": "<p>志願服務計畫核備與運用單位申請。</p>"},
                           {"title": "Become a volunteer-using unit", "slug": "apply-unit",
                            "intro": "<p>Service-plan filing and the application to become a unit.</p>"})
    page(apply, StandardPage, "service-plan",
         {"title": "志願服務計畫核備", "intro": "<p>依志願服務法第7條，運用單位應擬定志願服務計畫，報主管機關及目的事業主管機關備案。</p>",
          "body": [("heading", "計畫應包含的七項內容"),
                   ("paragraph", RichText("<ol><li>招募</li><li>教育訓練</li><li>管理</li><li>運用</li><li>輔導</li><li>考核</li><li>服務項目</li></ol>")),
                   ("callout", {"title": "備案時程", "text": RichText("<p>計畫應於開始運用志工前送備案；計畫結束後2個月內函報成果。</p>")}),
                   ("download", {"document": plan_odt, "description": "可編輯的開放文件格式"})]},
         {"title": "Service-plan filing", "slug": "service-plan",
          "intro": "<p>Under Article 7 of the Volunteer Service Act, units file a volunteer service plan with the competent and purpose authorities.</p>",
          "body": [("heading", "The seven parts of a plan"),
                   ("paragraph", RichText("<ol><li>Recruitment</li><li>Training</li><li>Management</li><li>Deployment</li><li>Guidance</li><li>Evaluation</li><li>Service items</li></ol>")),
                   ("callout", {"title": "When to file", "text": RichText("<p>File before volunteers start; report the results within two months after the plan ends.</p>")}),
                   ("download", {"document": plan_odt, "title": EN_DOC_TITLES["plan"], "description": "Editable OpenDocument file"})]})
    page(apply, UnitApplicationPage, "application",
         {"title": "運用單位申請", "intro": "<p>機關、學校或立案團體可線上申請成為志願服務運用單位，送出後由主管機關審核。</p>",
          "privacy_notice": "<p>個人資料蒐集告知：本表資料僅用於運用單位申請審核與聯繫（個資法第8條）。</p>",
          "body": [("paragraph", _p("立案團體及法人須上傳立案證書影本；政府機關及公立學校免附。"))]},
         {"title": "Apply to become a unit", "slug": "application",
          "intro": "<p>Agencies, schools and registered organisations apply online; the authority reviews the application.</p>",
          "privacy_notice": "<p>Personal data notice: we use this information only to review your application and contact you (Personal Data Protection Act, Art. 8).</p>",
          "body": [("paragraph", _p("Registered organisations and juridical persons upload a copy of their registration certificate; agencies and public schools are exempt."))]})

    # --- WMG landing ---
    wmg, wmg_en = page(home, WMGLandingPage, "wmg",
                       {"title": "雙北世界壯年運動會 志工專區", "campaign_code": "wmg-2025",
                        "banner_text": "場館、行政與語言志工招募中，與來自世界各地的選手一起創造美好回憶。",
                        "intro": "<p>世壯運在臺北市、新北市舉辦，並由桃園市、新竹市、新竹縣與宜蘭縣協辦。以下為各縣市的場館分布與即時招募進度。</p>",
                        "body": [("download", {"document": wmg_pdf, "description": "報到、排班與注意事項"})]},
                       {"title": "World Masters Games: volunteers", "slug": "wmg",
                        "banner_text": "Venue, administrative and language volunteers wanted: make memories with athletes from all over the world.",
                        "intro": "<p>The Games are hosted by Taipei and New Taipei, with Taoyuan, Hsinchu City, Hsinchu County and Yilan co-hosting. The venue map and live recruitment status follow.</p>",
                        "body": [("download", {"document": wmg_pdf, "title": EN_DOC_TITLES["wmg"], "description": "Check-in, shifts and what to bring"})]})

    # --- 我要當志工: the recruitment browsing page (cms/recruitment_pages.py) in both languages ---

    recruit = ensure_recruitment_page()
    recruit_en = RecruitmentPage.objects.filter(locale=loader.en).first()
    recruit_by_locale = {loader.zh.pk: recruit or wmg, loader.en.pk: recruit_en or wmg_en}

    # --- highlights ---
    highlights, highlights_en = page(home, SectionPage, "highlights", {"title": "活動集錦", "intro": "<p>活動花絮與精彩影音。</p>"},
                                     {"title": "Highlights", "slug": "highlights", "intro": "<p>Photo galleries and videos.</p>"})
    galleries, galleries_en = page(highlights, SectionPage, "galleries", {"title": "活動花絮", "intro": "<p>志工活動照片。</p>"},
                                   {"title": "Photo galleries", "slug": "galleries", "intro": "<p>Photos of volunteer events.</p>"})
    page(galleries, GalleryPage, "wmg-training-day",
         {"title": "世壯運志工培訓日", "date": today - datetime.timedelta(days=20), "intro": "<p>近千名志工參加場館實地培訓。</p>",
          "images": [("image", {"image": img, "caption": f"場館培訓 {i + 1}", "alt": f"穿著志工背心的志工在場館培訓（{i + 1}）"})
                     for i, img in enumerate(photos[:4])]},
         {"title": "WMG volunteer training day", "slug": "wmg-training-day", "intro": "<p>Nearly a thousand volunteers trained at the venues.</p>",
          "images": [("image", {"image": img, "caption": f"Venue training {i + 1}", "alt": f"Volunteers in vests training at a venue ({i + 1})"})
                     for i, img in enumerate(photos[:4])]})
    page(galleries, GalleryPage, "community-day",
         {"title": "社區志願服務日", "date": today - datetime.timedelta(days=45), "intro": "<p>各區志工隊走入社區服務長輩。</p>",
          "images": [("image", {"image": img, "caption": f"社區服務 {i + 1}", "alt": f"志工在社區服務（{i + 1}）"})
                     for i, img in enumerate(photos[4:])]},
         {"title": "Community service day", "slug": "community-day", "intro": "<p>District teams visited older neighbours.</p>",
          "images": [("image", {"image": img, "caption": f"Community service {i + 1}", "alt": f"Volunteers serving in the community ({i + 1})"})
                     for i, img in enumerate(photos[4:])]})
    # No third-party video in the demo: editors upload our own films (or link them) with a transcript.
    videos = page(highlights, VideoPage, "videos",
         {"title": "精彩影音", "intro": "<p>這裡放志工招募與服務現場的影片，每部附逐字稿；影音網站的播放器只在按下播放後才載入。</p>",
          "videos": []},
         {"title": "Videos", "slug": "videos",
          "intro": "<p>Films of volunteer recruitment and service, each with a transcript; a video site's player "
                   "loads only when you press play.</p>",
          "videos": []})
    for video_page in videos:  # demo data loaded by an earlier version linked a stranger's YouTube film
        if any("dQw4w9WgXcQ" in (block.value.get("url") or "") for block in video_page.videos):
            video_page.videos = []
            video_page.save_revision().publish()

    # --- resources ---
    resources, resources_en = page(home, SectionPage, "resources", {"title": "資源補給站", "intro": "<p>法規、連結、檔案與操作教學。</p>"},
                                   {"title": "Resources", "slug": "resources", "intro": "<p>Laws, links, files and tutorials.</p>"})
    page(resources, LinkListPage, "laws",
         {"title": "相關法規", "intro": "<p>志願服務相關法規。</p>",
          "links": [("link", {"title": "志願服務法", "url": "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=D0050092", "source": "全國法規資料庫", "description": "志願服務的基本法律。"}),
                    ("link", {"title": "志願服務獎勵辦法", "url": "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=D0050094", "source": "全國法規資料庫", "description": "服務時數與獎勵。"}),
                    ("link", {"title": "個人資料保護法", "url": "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=I0050021", "source": "全國法規資料庫", "description": ""})]},
         {"title": "Laws and regulations", "slug": "laws", "intro": "<p>Laws on volunteer service.</p>",
          "links": [("link", {"title": "Volunteer Service Act", "url": "https://law.moj.gov.tw/ENG/LawClass/LawAll.aspx?pcode=D0050092", "source": "Laws & Regulations Database", "description": "The basic law on volunteer service."}),
                    ("link", {"title": "Regulations on Volunteer Awards", "url": "https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=D0050094", "source": "Laws & Regulations Database", "description": "Service hours and awards."}),
                    ("link", {"title": "Personal Data Protection Act", "url": "https://law.moj.gov.tw/ENG/LawClass/LawAll.aspx?pcode=I0050021", "source": "Laws & Regulations Database", "description": ""})]})
    page(resources, LinkListPage, "links",
         {"title": "好站連結", "intro": "<p>志願服務相關網站。</p>",
          "links": [("link", {"title": "衛生福利部志願服務資訊整合系統", "url": "https://vol.mohw.gov.tw/", "source": "衛生福利部", "description": ""}),
                    ("link", {"title": "臺北市政府社會局", "url": "https://dosw.gov.taipei/", "source": "臺北市政府", "description": ""})]},
         {"title": "Useful links", "slug": "links", "intro": "<p>Websites about volunteering.</p>",
          "links": [("link", {"title": "Ministry of Health and Welfare volunteer system", "url": "https://vol.mohw.gov.tw/", "source": "MOHW", "description": ""}),
                    ("link", {"title": "Department of Social Welfare, Taipei", "url": "https://dosw.gov.taipei/", "source": "Taipei City Government", "description": ""})]})
    page(resources, DownloadsPage, "downloads",
         {"title": "檔案下載", "intro": "<p>表單與手冊，提供開放文件格式（ODF）與PDF。</p>",
          "documents": [("document", {"document": d, "description": desc}) for d, desc in
                        ((guide_odt, "志工報名使用"), (plan_odt, "運用單位擬定計畫使用"), (handbook_pdf, "志工權利義務與服務須知"), (wmg_pdf, "世壯運志工須知"))]},
         {"title": "Downloads", "slug": "downloads", "intro": "<p>Forms and handbooks in OpenDocument (ODF) and PDF.</p>",
          "documents": [("document", {"document": d, "title": EN_DOC_TITLES[key], "description": desc}) for d, key, desc in
                        ((guide_odt, "guide", "For volunteers signing up"), (plan_odt, "plan", "For units drafting a plan"),
                         (handbook_pdf, "handbook", "Rights, duties and practical advice"), (wmg_pdf, "wmg", "WMG volunteer guide"))]})
    page(resources, StandardPage, "tutorials",
         {"title": "系統操作教學", "intro": "<p>一步一步學會使用平台。</p>",
          "body": [("step", {"title": "步驟一：註冊會員", "text": RichText("<p>點選右上角「登入」旁的「註冊」，填寫基本資料並驗證電子郵件。</p>"), "image": None}),
                   ("step", {"title": "步驟二：瀏覽招募", "text": RichText("<p>在「我要當志工」選擇活動、職務與班次。</p>"), "image": None}),
                   ("step", {"title": "步驟三：報名班次", "text": RichText("<p>按「報名」即完成；額滿時可登記候補。</p>"), "image": None})]},
         {"title": "Tutorials", "slug": "tutorials", "intro": "<p>Learn the platform step by step.</p>",
          "body": [("step", {"title": "Step 1: register", "text": RichText("<p>Choose “Register” next to “Log in”, fill in your details and confirm your e-mail.</p>"), "image": None}),
                   ("step", {"title": "Step 2: browse recruitment", "text": RichText("<p>Under “Volunteer with us” choose a campaign, a position and shifts.</p>"), "image": None}),
                   ("step", {"title": "Step 3: sign up", "text": RichText("<p>Press “Sign up”; when a shift is full you can join its waitlist.</p>"), "image": None})]})

    # --- header and footer pages ---
    guide, guide_en = page(home, StandardPage, "guide",
                           {"title": "操作指南", "intro": "<p>第一次使用平台？從這裡開始。</p>",
                            "body": [("paragraph", _p("民眾可免登入瀏覽招募資訊；報名班次需先註冊並登入，或使用臺北通登入。", "運用單位請由「申請成為運用單位」提出申請。"))]},
                           {"title": "How-to guide", "slug": "guide", "intro": "<p>New here? Start with this.</p>",
                            "body": [("paragraph", _p("Anyone can browse recruitment without an account; to sign up for shifts, register and log in, or use TaipeiPass.", "Organisations apply under “Become a volunteer-using unit”."))]})
    sitemap, sitemap_en = page(home, SitemapPage, "sitemap", {"title": "網站導覽", "intro": "<p>本網站所有頁面。</p>"},
                               {"title": "Site map", "slug": "sitemap", "intro": "<p>Every page of this site.</p>"})
    terms, terms_en = page(home, StandardPage, "terms",
                           {"title": "服務條款", "show_in_menus": False, "body": [("paragraph", _p("使用本平台即表示您同意遵守本服務條款。", "本平台由臺北市政府社會局維運。"))]},
                           {"title": "Terms of service", "slug": "terms", "body": [("paragraph", _p("By using this platform you accept these terms.", "The platform is run by the Department of Social Welfare, Taipei City Government."))]})
    privacy, privacy_en = page(home, StandardPage, "privacy",
                               {"title": "隱私權政策", "body": [("paragraph", _p("我們依個人資料保護法蒐集、處理及利用您的個人資料，僅用於志願服務相關業務。", "身分證號於畫面上僅顯示部分字元。"))]},
                               {"title": "Privacy policy", "slug": "privacy", "body": [("paragraph", _p("We collect and use personal data under the Personal Data Protection Act, only for volunteer service.", "Identity numbers are shown masked."))]})
    a11y, a11y_en = page(home, StandardPage, "accessibility",
                         {"title": "無障礙聲明", "body": [("paragraph", _p("本網站依「網站無障礙規範」2.1版AA等級設計，可使用鍵盤操作。", "如有無障礙問題，請來電告知。"))]},
                         {"title": "Accessibility statement", "slug": "accessibility", "body": [("paragraph", _p("This site follows WCAG 2.1 level AA and works with a keyboard.", "Please call us about any accessibility problem."))]})

    # --- home page links ---
    for h, wmg_page, news_page, apply_page, downloads_slug in ((home, wmg, news, apply, "downloads"), (home_en, wmg_en, news_en, apply_en, "downloads")):
        changed = False
        h = HomePage.objects.get(pk=h.pk)  # fresh: the tree counters changed while children were added
        if h.wmg_page_id != wmg_page.pk or h.announcements_page_id != news_page.pk or not h.quick_links or not h.body:
            h.wmg_page = wmg_page
            h.volunteer_page = recruit_by_locale[h.locale_id]
            h.announcements_page = news_page
            is_en = h.locale_id == loader.en.pk
            res = resources_en if is_en else resources
            downloads_page = Page.objects.child_of(res).filter(slug=downloads_slug).first()
            # The seed's home page: the venue map, the recruitment status and the announcements are live
            # blocks of the body, which editors may reorder.
            h.body = [
                ("paragraph", RichText(HOME_TEXT["en" if is_en else "zh"])),
                ("venue_map", {"campaign": "wmg-2025", "heading": "Venue map" if is_en else "競賽場館分布",
                               "volunteer_page": recruit_by_locale[h.locale_id]}),
                ("recruitment_progress", {"campaign": "wmg-2025", "city": "",
                                          "heading": "Recruitment status" if is_en else "志工招募現況"}),
                ("announcements", {"heading": "Announcements" if is_en else "訊息公告", "announcements_page": news_page}),
            ]
            h.quick_links = [
                ("link", {"label": "Volunteer recruitment" if is_en else "志工招募", "page": recruit_by_locale[h.locale_id], "url": ""}),
                ("link", {"label": "WMG venues and status" if is_en else "世壯運場館與招募進度", "page": wmg_page, "url": ""}),
                ("link", {"label": "Become a unit" if is_en else "申請成為運用單位", "page": apply_page, "url": ""}),
                ("link", {"label": "Downloads" if is_en else "檔案下載", "page": downloads_page, "url": ""}),
                ("link", {"label": "Back-office log-in" if is_en else "後台登入", "page": None,
                          "url": ("/en" if is_en else "") + "/backoffice/login/"}),
            ]
            changed = True
        if changed:
            h.save_revision().publish()
    wmg.refresh_from_db()
    if wmg.volunteer_page_id is None:
        for w in (WMGLandingPage.objects.get(pk=wmg.pk), WMGLandingPage.objects.get(pk=wmg_en.pk)):
            w.volunteer_page = recruit_by_locale[w.locale_id]
            w.save_revision().publish()

    # --- menus, footer, contact details ---
    def link(label, target, url=""):
        return {"label": label, "page": target, "url": url}

    def child(parent_page, slug):
        return Page.objects.child_of(parent_page).filter(slug=slug).first()

    for locale, h, is_en in ((loader.zh, home, False), (loader.en, home_en, True)):
        def tr(slug, _h=h):
            return Page.objects.child_of(_h).filter(slug=slug).first()

        n, o, ap, hi, re_ = tr("announcements"), tr("organisations"), tr("apply-unit"), tr("highlights"), tr("resources")
        w = tr("wmg")
        volunteer = recruit_by_locale[locale.pk]
        prefix = "/en" if is_en else ""
        loader.menu("main", locale, [
            ("group", {**link("Announcements" if is_en else "訊息公告", n), "children": []}),
            ("group", {**link("Organisations" if is_en else "志願服務運用單位介紹", o), "children": [
                link("Volunteer teams" if is_en else "志願服務團隊介紹", child(o, "teams")),
                link("Volunteer-using units" if is_en else "運用單位介紹", child(o, "units"))]}),
            ("group", {**link("Become a unit" if is_en else "申請成為運用單位", ap), "children": [
                link("Service-plan filing" if is_en else "志願服務計畫核備", child(ap, "service-plan")),
                link("Apply online" if is_en else "運用單位申請", child(ap, "application"))]}),
            ("group", {**link("Volunteer with us" if is_en else "我要當志工", volunteer), "children": [
                link("Volunteer recruitment" if is_en else "志工招募", volunteer),
                link("WMG volunteers" if is_en else "世壯運志工專區", w)]}),
            ("group", {**link("Highlights" if is_en else "活動集錦", hi), "children": [
                link("Photo galleries" if is_en else "活動花絮", child(hi, "galleries")),
                link("Videos" if is_en else "精彩影音", child(hi, "videos"))]}),
            ("group", {**link("Resources" if is_en else "資源補給站", re_), "children": [
                link("Laws" if is_en else "相關法規", child(re_, "laws")),
                link("Useful links" if is_en else "好站連結", child(re_, "links")),
                link("Downloads" if is_en else "檔案下載", child(re_, "downloads")),
                link("Tutorials" if is_en else "系統操作教學", child(re_, "tutorials"))]}),
        ])
        loader.menu("header", locale, [
            ("link", link("Home" if is_en else "回首頁", h)),
            ("link", link("How-to guide" if is_en else "操作指南", tr("guide"))),
            ("link", link("Site map" if is_en else "網站導覽", tr("sitemap"))),
            ("link", link("Newsletter" if is_en else "訂閱電子報", None, f"{prefix}/newsletter/")),
            ("link", link("Log in" if is_en else "登入", None, f"{prefix}/volunteer/login/")),
            ("link", link("TaipeiPass log-in" if is_en else "臺北通登入", None, f"{prefix}/volunteer/taipeipass/")),
        ])
        loader.menu("footer", locale, [
            ("link", link("Terms of service" if is_en else "服務條款", tr("terms"))),
            ("link", link("Privacy policy" if is_en else "隱私權政策", tr("privacy"))),
            ("link", link("Accessibility statement" if is_en else "無障礙聲明", tr("accessibility"))),
            ("link", link("Site map" if is_en else "網站導覽", tr("sitemap"))),
        ])
        if not FooterText.objects.filter(locale=locale).exists():
            source = FooterText.objects.first()
            footer = FooterText(
                locale=locale,
                organisation="Taipei Volunteer Service Promotion Center" if is_en else "臺北市志願服務推廣中心",
                opening_hours=("Monday to Friday 9:00–18:00 (lunch break 12:00–13:30); closed on weekends and public holidays"
                               if is_en else "星期一至星期五 9:00–18:00（12:00–13:30 為午休時間），例假日及國定假日休息"),
                copyright=("Copyright of the Department of Social Welfare, Taipei City Government; maintained on its behalf by the "
                           "Taipei Volunteer Service Promotion Center, which answers questions about this website."
                           if is_en else "本網站為臺北市政府社會局版權所有，委託本市志願服務推廣中心維護，相關問題請洽臺北市志願服務推廣中心。"),
                accessibility_text="This site conforms to WCAG 2.1 AA." if is_en else "本網站通過無障礙2.1 AA等級設計",
                accessibility_page=tr("accessibility"),
            )
            if source is not None:
                footer.translation_key = source.translation_key
            footer.save()
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        contact = ContactSettings.for_site(site)
        if not contact.phone:
            # As the seed gives them (footer of the public site).
            contact.phone = "02-2302-3993"
            contact.address = "110038 臺北市信義區大道路116號7樓"
            contact.address_en = "7F, No. 116, Dadao Rd., Xinyi District, Taipei City 110038"
            contact.save()
    loader.log("Public site: demo pages in Chinese and English are ready.")
