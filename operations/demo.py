"""The operations half of the demo data: the Taipei organisation tree, the WMG venues with their service
groups, shifts over the event days, a few hundred volunteers with valid IDs and demo staff at every level.
Safe to run again: what exists is reused, nothing is duplicated. The project-level `load_demo_data` command
(volunteer_site) calls `load_operations_demo`, then the public site's `cms.demo.load_demo_pages`, then
`print_demo_accounts`; operations never imports cms."""
from __future__ import annotations

import datetime
import json
import random
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation

from .identity import IdType, generate_national_id
from .models import (
    Attendance,
    Campaign,
    CampaignStatus,
    FilingStatus,
    Language,
    Membership,
    OrgKind,
    OrgNode,
    Position,
    Role,
    RoleGrant,
    ServicePlan,
    Sex,
    Shift,
    Signup,
    SignupMode,
    SignupStatus,
    Skill,
    User,
    Volunteer,
    VolunteerType,
)
from .services.organisations import orgnode_create
from .services.people import grant_create, volunteer_create

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DEMO_PASSWORD = "demo-2025-volunteer"
WMG_CAMPAIGN = "wmg-2025"
THIS_WEEK_CAMPAIGN = "taipei-dome-rehearsal"
SHIFT_PATTERN = [("早班", datetime.time(8), datetime.time(12)), ("午班", datetime.time(12), datetime.time(16)),
                 ("晚班", datetime.time(16), datetime.time(20))]
SHIFT_NAMES_EN = {"早班": "Morning", "午班": "Afternoon", "晚班": "Evening"}
FAMILY = "陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高"
# Two-character given names that match the volunteer's sex.
GIVEN_MALE = ["志明", "家豪", "俊傑", "宗翰", "建宏", "冠宇", "承恩", "柏翰", "宇軒", "彥廷"]
GIVEN_FEMALE = ["美玲", "淑芬", "怡君", "雅婷", "佳穎", "欣怡", "思妤", "詩涵", "子晴", "佩珊"]
# English forms of the districts the demo data uses (the romanisation the city governments use).
DISTRICTS_EN = {
    "中正區": "Zhongzheng District", "大同區": "Datong District", "中山區": "Zhongshan District",
    "松山區": "Songshan District", "大安區": "Da'an District", "萬華區": "Wanhua District", "信義區": "Xinyi District",
    "士林區": "Shilin District", "北投區": "Beitou District", "內湖區": "Neihu District", "南港區": "Nangang District",
    "文山區": "Wenshan District", "三重區": "Sanchong District", "中和區": "Zhonghe District",
    "新店區": "Xindian District", "新莊區": "Xinzhuang District", "板橋區": "Banqiao District",
    "樹林區": "Shulin District", "蘆洲區": "Luzhou District", "桃園區": "Taoyuan District", "東區": "East District",
    "竹北市": "Zhubei City", "宜蘭市": "Yilan City",
}
DISTRICTS = ["中正區", "大同區", "中山區", "松山區", "大安區", "萬華區", "信義區", "士林區", "北投區", "內湖區", "南港區", "文山區"]


def load_json(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@dataclass
class DemoResult:
    campaign: Campaign
    accounts: list[tuple[str, str, str]]  # (username, role, scope) of the demo staff accounts


def load_operations_demo(*, start: datetime.date, volunteers: int = 360) -> DemoResult:
    """Load (or find) the operations demo data in one transaction; the WMG event starts on `start`."""
    loader = _Loader()
    with transaction.atomic():
        city = load_json("city_org.json")
        wmg = load_json("wmg_venues.json")
        loader.load_code_tables(city)
        nodes = loader.load_city_tree(city)
        nodes.update(loader.load_wmg_tree(wmg, nodes))
        campaign = loader.load_wmg_recruitment(wmg, nodes, start)
        accounts = loader.load_staff(nodes)
        loader.load_volunteers(nodes, volunteers)
        loader.load_signups(campaign)
        loader.load_this_week(nodes)
        loader.load_insurance(nodes, campaign)
        from .demo_training import load_training_demo

        load_training_demo(nodes=nodes, rehearsal_code=THIS_WEEK_CAMPAIGN)
        from .demo_hours import load_hours_demo

        load_hours_demo(nodes=nodes)
        from .demo_reviews import load_reviews_demo

        load_reviews_demo(nodes=nodes)
        from .demo_reports import load_reports_demo

        load_reports_demo(nodes=nodes)
    return DemoResult(campaign=campaign, accounts=accounts)


def real_event_start() -> datetime.date:
    """The real first day of the WMG (2025-05-17), from the fixture."""
    return datetime.date.fromisoformat(load_json("wmg_venues.json")["event"]["real_start"])


class _Loader:
    """The steps of `load_operations_demo`, each finding what exists before creating anything."""

    # --- code tables ----------------------------------------------------------------------------
    def load_code_tables(self, city):
        for order, (code, name, name_en) in enumerate(city["languages"]):
            Language.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})
        for order, (code, name, name_en) in enumerate(city["skills"]):
            Skill.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})

    # --- organisation tree ---------------------------------------------------------------------
    def node(self, parent, kind, code, name, **fields) -> OrgNode:
        existing = OrgNode.objects.filter(code=code).first()
        if existing:
            return existing
        if fields.get("district") and "district_en" not in fields:
            fields["district_en"] = DISTRICTS_EN.get(fields["district"], "")
        return orgnode_create(actor=None, parent=parent, kind=kind, code=code, name=name, **fields)

    def load_city_tree(self, city) -> dict[str, OrgNode]:
        root_data = dict(city["root"])
        root = self.node(None, OrgKind.COMPETENT_AUTHORITY, root_data.pop("code"), root_data.pop("name"), **root_data)
        nodes = {root.code: root}
        for pa in city["purpose_authorities"]:
            nodes[pa["code"]] = self.node(root, OrgKind.PURPOSE_AUTHORITY, pa["code"], pa["name"], name_en=pa["name_en"])
        for unit_data in city["units"]:
            data = dict(unit_data)
            parent = nodes[data.pop("parent")]
            teams = data.pop("teams")
            unit = self.node(parent, OrgKind.UNIT, data.pop("code"), data.pop("name"), **data)
            nodes[unit.code] = unit
            for team_data in teams:
                team = self.node(unit, OrgKind.TEAM, team_data["code"], team_data["name"], name_en=team_data["name_en"])
                nodes[team.code] = team
                for sub in team_data["subteams"]:
                    nodes[sub["code"]] = self.node(team, OrgKind.SUBTEAM, sub["code"], sub["name"], name_en=sub["name_en"])
        return nodes

    def load_wmg_tree(self, wmg, nodes) -> dict[str, OrgNode]:
        committee = nodes["wmg-committee"]
        out = {}
        centre = wmg["management_centre"]
        unit = self.node(
            committee, OrgKind.UNIT, centre["code"], centre["name"], name_en=centre["name_en"], category="sports",
            registration_type="agency", city=centre["city"], contact_person="世壯運志工服務中心", phone="02-2577-2025",
        )
        out[unit.code] = unit
        for group in centre["groups"]:
            code = f"{centre['code']}-{group['code']}"
            out[code] = self.node(unit, OrgKind.TEAM, code, group["name"], name_en=group["name_en"])
        for venue in wmg["venues"]:
            unit = self.node(
                committee, OrgKind.UNIT, f"wmg-{venue['code']}", venue["name"], name_en=venue["name_en"],
                category="sports", registration_type="agency", city=venue["city"], district=venue["district"],
                is_venue=True, sports=venue["sports"], sports_en=venue["sports_en"],
                contact_person="場館志工經理", phone="02-2577-2025",
            )
            out[unit.code] = unit
            for group in wmg["service_groups"]:
                code = f"wmg-{venue['code']}-{group['code']}"
                team = self.node(unit, OrgKind.TEAM, code, group["name"], name_en=group["name_en"])
                out[code] = team
                if group["code"] == "competition":
                    for suffix, sub_name, sub_en in [("am", "早班小隊", "Morning crew"), ("pm", "午班小隊", "Afternoon crew")]:
                        sub_code = f"{code}-{suffix}"
                        out[sub_code] = self.node(team, OrgKind.SUBTEAM, sub_code, sub_name, name_en=sub_en)
        return out

    # --- recruitment ------------------------------------------------------------------------------
    def load_wmg_recruitment(self, wmg, nodes, start: datetime.date) -> Campaign:
        campaign = Campaign.objects.filter(code=WMG_CAMPAIGN).first()
        if campaign:
            return campaign
        self.rng = random.Random("demo-recruitment")
        committee = nodes["wmg-committee"]
        days = wmg["event"]["days"]
        end = start + datetime.timedelta(days=days - 1)
        plan = ServicePlan.objects.create(
            unit=nodes["wmg-centre"], purpose_authority=committee, title=f"{start.year}雙北世界壯年運動會志願服務計畫",
            starts_on=start - datetime.timedelta(days=120), ends_on=end + datetime.timedelta(days=30),
            recruitment="公開招募場館、行政與語言志工，30人以上團體得以名冊匯入。",
            training="志工專業訓練及世壯運特殊訓練。", management="依服務場館及組別編組，設隊長、副隊長、組長。",
            deployment="依賽程排定早、午、晚班。", guidance="各場館設志工督導。", evaluation="依出勤與服務時數考核。",
            service_items="場館引導、賽務協助、交通接駁、膳食、醫療支援、外語服務。",
            filing_status=FilingStatus.FILED, filing_reference="北市社志字第1130000001號",
            filed_on=start - datetime.timedelta(days=100),
        )
        campaign = Campaign.objects.create(
            # name and year from the (possibly moved) dates, so no label says 2025 beside dates in another year
            unit=committee, service_plan=plan, code=WMG_CAMPAIGN, title=f"{start.year}雙北世界壯年運動會志工招募",
            title_en=f"World Masters Games {start.year} Taipei & New Taipei: volunteer recruitment",
            description="歡迎年滿16歲、願意服務國際賽事的朋友加入世壯運志工行列。",
            description_en="Join the volunteers of the World Masters Games: open to everyone aged 16 and over.",
            volunteer_type=VolunteerType.VENUE, signup_mode=SignupMode.INSTANT, status=CampaignStatus.OPEN,
            starts_on=start, ends_on=end, signup_opens_at=timezone.now() - datetime.timedelta(days=7),
            signup_closes_at=timezone.make_aware(datetime.datetime.combine(start - datetime.timedelta(days=3), datetime.time(23, 59))),
            min_age=16,
        )
        en = Language.objects.filter(code="en").first()
        shifts = []
        for venue in wmg["venues"]:
            unit = nodes[f"wmg-{venue['code']}"]
            # each venue competes on a run of 4–6 of the event days
            first = self.rng.randrange(0, days - 5)
            event_days = [start + datetime.timedelta(days=first + i) for i in range(self.rng.randint(4, 6))]
            for group in wmg["service_groups"]:
                team = nodes[f"wmg-{venue['code']}-{group['code']}"]
                headcount = {"competition": 6, "admin": 3, "transport": 3, "catering": 2, "medical": 2, "language": 3}[group["code"]]
                position = Position.objects.create(
                    campaign=campaign, venue=unit, team=team, title=f"{venue['name']}｜{group['name']}",
                    title_en=f"{venue['name_en']} · {group['name_en']}",
                    # people, not seats: one team per daily shift, the same people on every event day
                    volunteers_needed=headcount * len(SHIFT_PATTERN),
                )
                if group["code"] == "language" and en:
                    position.required_languages.add(en)
                for day in event_days:
                    for name, begin, finish in SHIFT_PATTERN:
                        shifts.append(Shift(position=position, date=day, start_time=begin, end_time=finish, name=name,
                                            name_en=SHIFT_NAMES_EN[name],
                                            headcount=headcount))
        Shift.objects.bulk_create(shifts, batch_size=1000)
        return campaign

    # --- people ------------------------------------------------------------------------------------
    def user(self, username, *, last, first, email, superuser=False) -> User:
        user = User.objects.filter(username=username).first()
        if user:
            return user
        user = User(username=username, last_name=last, first_name=first, email=email,
                    is_superuser=superuser, is_staff=superuser)
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user

    def grant(self, user, node, role):
        if not RoleGrant.objects.filter(user=user, node=node, role=role).exists():
            grant_create(actor=None, user=user, node=node, role=role, notify=False)

    def load_staff(self, nodes) -> list[tuple[str, str, str]]:
        accounts = []
        spec = [
            ("admin", "系統", "管理員", Role.SYSTEM_ADMIN, "tp-social", True),
            ("officer", "社會局", "承辦人", Role.AUTHORITY_OFFICER, "tp-social", False),
            ("wmg_officer", "執委會", "承辦人", Role.AUTHORITY_OFFICER, "wmg-committee", False),
            ("unit_admin", "大巨蛋", "管理員", Role.UNIT_ADMIN, "wmg-taipei-dome", False),
            ("hospital_admin", "聯醫", "志工督導", Role.UNIT_ADMIN, "tp-hospital", False),
            ("team_leader", "競賽組", "隊長", Role.TEAM_LEADER, "wmg-taipei-dome-competition", False),
            ("subteam_leader", "早班", "小隊長", Role.SUBTEAM_LEADER, "wmg-taipei-dome-competition-am", False),
        ]
        for username, last, first, role, node_code, superuser in spec:
            user = self.user(username, last=last, first=first, email=f"{username}@volunteer.example.tw", superuser=superuser)
            self.grant(user, nodes[node_code], role)
            with translation.override("zh-hant"):
                zh = str(Role(role).label)
            with translation.override("en"):
                en = str(Role(role).label)
            node = nodes[node_code]
            scope = node.name
            if node.kind in (OrgKind.TEAM, OrgKind.SUBTEAM):
                scope = " › ".join(a.name for a in node.get_ancestors().filter(depth__gte=3)) + " › " + node.name
            accounts.append((username, f"{zh} {en}", scope))
        for username, last, first, group_name, label in [
            ("editor", "網站", "編輯", "Editors", "內容編輯 Content editor"),
            ("moderator", "網站", "審核", "Moderators", "內容審核 Content moderator"),
        ]:
            user = self.user(username, last=last, first=first, email=f"{username}@volunteer.example.tw")
            if not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            group = Group.objects.filter(name=group_name).first()
            if group:
                user.groups.add(group)
            accounts.append((username, label, "Wagtail /admin/"))
        return accounts

    def load_volunteers(self, nodes, count: int):
        teams = [n for n in nodes.values() if n.kind in (OrgKind.TEAM, OrgKind.SUBTEAM)]
        languages = list(Language.objects.all())
        skills = list(Skill.objects.all())
        existing = set(Volunteer.objects.values_list("id_number", flat=True))
        today = timezone.localdate()
        for i in range(count):
            # one generator per volunteer: the same index always yields the same person, so a second
            # run finds everyone already there
            self.rng = random.Random(f"demo-volunteer-{i}")
            sex = self.rng.choice([Sex.FEMALE, Sex.FEMALE, Sex.MALE])  # about 70% of volunteers are women
            id_number = generate_national_id(self.rng, sex=sex)
            age = self.rng.choice([16, 17, 19, 22, 25, 34, 41, 48, 52, 57, 61, 66, 68, 72, 77, 83])
            birth = today - datetime.timedelta(days=age * 365 + self.rng.randrange(0, 360))
            name = self.rng.choice(FAMILY) + self.rng.choice(GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE)
            team = teams[i % len(teams)]
            phone = f"09{self.rng.randrange(10, 99)}{self.rng.randrange(100000, 999999)}"
            langs = [languages[0]] + self.rng.sample(languages[1:], self.rng.choice([0, 1, 1, 2]))
            if id_number in existing:
                continue
            existing.add(id_number)
            volunteer_create(
                actor=None, id_type=IdType.NATIONAL_ID, id_number=id_number, team=team,
                joined_on=today - datetime.timedelta(days=self.rng.randrange(30, 2000)),
                name=name, sex=sex, birth_date=birth, phone=phone, email=f"volunteer{i + 1:04d}@example.tw",
                city="taipei", district=self.rng.choice(DISTRICTS),
                emergency_contact_name=self.rng.choice(FAMILY) + "先生", emergency_contact_phone="0912345678",
                emergency_contact_relation="家人", languages=langs, skills=self.rng.sample(skills, self.rng.choice([0, 1, 2])),
            )
            if i % 7 == 0:  # some volunteers serve in a second team
                other = teams[(i * 13 + 5) % len(teams)]
                volunteer = Volunteer.objects.get(id_type=IdType.NATIONAL_ID, id_number=id_number)
                if other.pk != team.pk:
                    Membership.objects.create(volunteer=volunteer, team=other,
                                              joined_on=today - datetime.timedelta(days=self.rng.randrange(1, 300)))

    def load_signups(self, campaign: Campaign):
        """Accepted sign-ups for WMG shifts so that the recruitment figures are not all zero. Each volunteer
        serves with their own service group(s), one shift a day at most, so nobody is booked twice at the same
        time and a person counts once however many shifts they take."""
        if Signup.objects.filter(shift__position__campaign=campaign).exists():
            return
        self.rng = random.Random("demo-signups")
        volunteers = list(Volunteer.objects.filter(memberships__team__code__startswith="wmg-").distinct().order_by("pk")
                          .prefetch_related("memberships__team"))
        shifts = list(Shift.objects.filter(position__campaign=campaign).select_related("position__team")
                      .order_by("date", "start_time", "pk"))
        if not volunteers or not shifts:
            return
        # Volunteers serve with their own service group at its venue, on several of its event days.
        by_team: dict[str, dict[datetime.date, list[Shift]]] = {}
        for shift in shifts:
            if shift.position.team is not None:
                by_team.setdefault(shift.position.team.code, {}).setdefault(shift.date, []).append(shift)
        signups = []
        for volunteer in volunteers:
            taken: set[datetime.date] = set()  # one shift a day at most
            for membership in volunteer.memberships.all():
                code = membership.team.code  # a sub-team (…-am) serves with its service group
                days = by_team.get(code) or by_team.get(code.rsplit("-", 1)[0])
                if not days:
                    continue
                for day in self.rng.sample(sorted(days), min(len(days), self.rng.randint(2, 5))):
                    if day in taken:
                        continue
                    taken.add(day)
                    shift = self.rng.choice(days[day])
                    if shift.accepted_count < shift.headcount:
                        shift.accepted_count += 1
                        signups.append(Signup(volunteer=volunteer, shift=shift, status=SignupStatus.ACCEPTED))
        Signup.objects.bulk_create(signups, batch_size=1000)
        Shift.objects.bulk_update([s for s in shifts if s.accepted_count], ["accepted_count"], batch_size=1000)

    def load_insurance(self, nodes, campaign: Campaign):
        _load_insurance(nodes, campaign)

    def load_this_week(self, nodes):
        """A small reviewed campaign at the Taipei Dome around the day the demo is loaded, so that the
        back-office home has work waiting: sign-ups to decide, shifts of the coming week with free seats,
        and yesterday's shift where somebody checked in and never checked out."""
        if Campaign.objects.filter(code=THIS_WEEK_CAMPAIGN).exists():
            return
        # the venue's administration group (the walk-through of the volunteer journey uses the competition one)
        unit, team = nodes.get("wmg-taipei-dome"), nodes.get("wmg-taipei-dome-admin")
        # people without an account of their own, so that no demo log-in finds sign-ups it did not make
        competition = nodes.get("wmg-taipei-dome-competition")
        volunteers = list(Volunteer.objects.filter(memberships__team__path__startswith=unit.path, user__isnull=True)
                          .exclude(memberships__team__path__startswith=competition.path)
                          .distinct().order_by("pk")[:6]) if unit and team and competition else []
        if unit is None or len(volunteers) < 2:
            return
        today = timezone.localdate()
        campaign = Campaign.objects.create(
            unit=unit, code=THIS_WEEK_CAMPAIGN, title="臺北大巨蛋賽前場館演練志工", title_en="Taipei Dome: rehearsal volunteers",
            description="賽前場館動線與疏散演練。", description_en="Rehearsing the venue's routes and evacuation.",
            volunteer_type=VolunteerType.VENUE, signup_mode=SignupMode.REVIEWED, status=CampaignStatus.OPEN,
            starts_on=today - datetime.timedelta(days=1), ends_on=today + datetime.timedelta(days=6),
            signup_opens_at=timezone.now() - datetime.timedelta(days=14), min_age=16,
        )
        position = Position.objects.create(campaign=campaign, venue=unit, team=team, title="場館演練｜行政組",
                                           title_en="Rehearsal · Administration", volunteers_needed=4)
        begin, finish = datetime.time(9, 0), datetime.time(12, 0)
        yesterday, soon, later = (Shift.objects.create(
            position=position, date=today + datetime.timedelta(days=offset), start_time=begin, end_time=finish,
            name="早班", name_en="Morning", headcount=4) for offset in (-1, 1, 3))
        done = Signup.objects.create(volunteer=volunteers[0], shift=yesterday, status=SignupStatus.ACCEPTED)
        Shift.objects.filter(pk=yesterday.pk).update(accepted_count=1)
        Attendance.objects.create(signup=done, shift=yesterday, volunteer=volunteers[0],
                                  check_in_at=timezone.make_aware(datetime.datetime.combine(yesterday.date, begin)))
        for volunteer in volunteers[1:4]:
            Signup.objects.create(volunteer=volunteer, shift=soon, status=SignupStatus.APPLIED)
        Signup.objects.create(volunteer=volunteers[-1], shift=later, status=SignupStatus.APPLIED)


INSURANCE_JOINT_POLICY = "WMG-GA-0001"
INSURANCE_UNIT_POLICY = "TPH-GA-0001"
HOSPITAL_CAMPAIGN = "tp-hospital-guides"


def _load_insurance(nodes, campaign: Campaign) -> None:
    """Insurance (志工保險) so that every gate can be seen: the WMG committee's joint policy insures the current
    members of every venue team and, on the days of their shifts, whoever is accepted for a WMG shift; the
    city hospital's own policy insures its guide team only (ending in 30 days, so today's alert goes out),
    and a campaign of its care team this week has an accepted volunteer without insurance: listed under
    "uninsured on upcoming shifts", flagged in the sign-up review, refused at check-in; newcomers who sign
    up there are refused with the hospital's phone number."""
    from .models import CoverScope, InsurancePolicy, PolicyKind
    from .services.insurance import cover_add_node, policy_create

    committee, hospital = nodes.get("wmg-committee"), nodes.get("tp-hospital")
    guides, care = nodes.get("hosp-guide"), nodes.get("hosp-care")
    if not (committee and hospital and guides and care) or InsurancePolicy.objects.filter(
            policy_number__in=[INSURANCE_JOINT_POLICY, INSURANCE_UNIT_POLICY]).exists():
        return
    today = timezone.localdate()
    joint = policy_create(
        actor=None, node=committee, insurer="臺灣產物保險", policy_number=INSURANCE_JOINT_POLICY,
        kind=PolicyKind.GROUP_ACCIDENT, starts_on=today - datetime.timedelta(days=60),
        ends_on=max(campaign.ends_on, today) + datetime.timedelta(days=30), death_disability_cover=3_000_000,
        medical_per_injury=30_000, hospital_per_day=2_000, premium=250, min_insured=5, age_cap=80,
        commuting_note="含執勤前後往返途中各 2 小時內", notes="衛福部志工意外團體保險共同供應契約（雙北世壯運執委會）")
    cover_add_node(actor=None, policy=joint, node=committee, scope=CoverScope.MEMBERS)
    cover_add_node(actor=None, policy=joint, node=committee, scope=CoverScope.ON_SHIFT)
    own = policy_create(
        actor=None, node=hospital, insurer="富邦產物保險", policy_number=INSURANCE_UNIT_POLICY,
        kind=PolicyKind.GROUP_ACCIDENT, starts_on=today - datetime.timedelta(days=335),
        ends_on=today + datetime.timedelta(days=30), death_disability_cover=1_000_000, medical_per_injury=30_000,
        hospital_per_day=1_000, premium=250, min_insured=5, age_cap=75, commuting_note="含往返途中一小時內")
    cover_add_node(actor=None, policy=own, node=guides, scope=CoverScope.MEMBERS)
    if Campaign.objects.filter(code=HOSPITAL_CAMPAIGN).exists():
        return
    insured = Volunteer.objects.filter(memberships__team__path__startswith=guides.path,
                                       memberships__left_on__isnull=True).distinct().order_by("pk").first()
    uninsured = Volunteer.objects.filter(memberships__team__path__startswith=care.path).exclude(
        memberships__team__path__startswith=guides.path).distinct().order_by("pk").first()
    if insured is None or uninsured is None:
        return
    hospital_campaign = Campaign.objects.create(
        unit=hospital, code=HOSPITAL_CAMPAIGN, title="聯合醫院門診引導志工", title_en="City Hospital: outpatient guides",
        description="協助門診民眾掛號、報到與動線引導。", description_en="Helping outpatients register and find their way.",
        volunteer_type=VolunteerType.VENUE, signup_mode=SignupMode.INSTANT, status=CampaignStatus.OPEN,
        starts_on=today, ends_on=today + datetime.timedelta(days=13), min_age=16,
        signup_opens_at=timezone.now() - datetime.timedelta(days=7),
    )
    position = Position.objects.create(campaign=hospital_campaign, venue=hospital, team=care, title="門診引導｜關懷組",
                                       title_en="Outpatient guide · Care", volunteers_needed=4)
    for offset in (2, 4):
        shift = Shift.objects.create(position=position, date=today + datetime.timedelta(days=offset),
                                     start_time=datetime.time(9, 0), end_time=datetime.time(12, 0), name="早班",
                                     name_en="Morning", headcount=4, accepted_count=2)
        Signup.objects.create(volunteer=insured, shift=shift, status=SignupStatus.ACCEPTED, decided_at=timezone.now())
        Signup.objects.create(volunteer=uninsured, shift=shift, status=SignupStatus.ACCEPTED, decided_at=timezone.now())


def print_demo_accounts(result: DemoResult, write, success=str) -> None:
    """Print the demo figures, accounts (with the shared demo password) and the site's addresses;
    `success` styles the heading (a management command passes `self.style.SUCCESS`)."""
    accounts, campaign = result.accounts, result.campaign
    stats = Shift.objects.filter(position__campaign=campaign).aggregate(
        shifts=Count("id", distinct=True),
        accepted=Count("signups", filter=Q(signups__status=SignupStatus.ACCEPTED)),
    )
    w = write
    w("")
    w(success("Demo data ready 示範資料已就緒"))
    w(f"  organisations 組織: {OrgNode.objects.count()}  volunteers 志工: {Volunteer.objects.count()}  "
      f"WMG shifts 班次: {stats['shifts']}  sign-ups 報名: {stats['accepted']}")
    w(f"  WMG event 世壯運活動期間: {campaign.starts_on} – {campaign.ends_on}")
    w("")
    w("Demo accounts 示範帳號 (password 密碼: " + DEMO_PASSWORD + ")")
    w(f"  {'account':<16} {'role 角色':<34} scope 範圍")
    for username, role, scope in accounts:
        w(f"  {username:<16} {role:<34} {scope}")
    w("")
    site_url = settings.SITE_URL.rstrip("/")
    w(f"  Public site 前台:   {site_url}/")
    w(f"  Back-office 後台:   {site_url}/backoffice/")
    w(f"  Wagtail admin 前台管理: {site_url}/admin/")
    w("")
