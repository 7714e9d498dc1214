"""The permission matrix: every back-office URL of the "operations" namespace × users at the five levels
(plus anonymous and a user without any grant) × an object inside and outside their scope → the expected
status. The URL list comes from the resolver, so a new view without an entry here fails the test
`test_every_backoffice_url_is_in_the_matrix` until someone decides who may open it.

Expected status, in the order the views decide: anonymous → 302 to the log-in page; no grant → 403;
verb checked before the object (`verb_first`) → 403; object outside the user's scope → 404; verb missing
→ 403; otherwise 200 (GET). Objects that belong to their uploader alone (`owner`, e.g. a roster import)
give 404 to everybody else, as if they lay outside the scope. POSTs to action URLs with an empty form must
give 404/403 the same way and never change anything for those who may not act."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from operations.models import (
    ApplicationStatus,
    AuditEvent,
    GuardianConsent,
    Membership,
    OrgNode,
    RosterImport,
    RosterStatus,
    UnitApplication,
    Volunteer,
)
from tests.factories import CampaignFactory, PositionFactory, ServicePlanFactory, ShiftFactory, SignupFactory

LEVEL_USERS = ["sysadmin", "officer_root", "officer_wmg", "admin_a", "leader_a", "subleader_a"]
ALL = frozenset(LEVEL_USERS)
UNIT_MGR = frozenset({"sysadmin", "officer_root", "officer_wmg", "admin_a"})
TEAM_MGR = UNIT_MGR | {"leader_a"}
AUTH = frozenset({"sysadmin", "officer_root", "officer_wmg"})
UNRESTRICTED = frozenset({"sysadmin", "officer_root"})
SYSADMIN = frozenset({"sysadmin"})
# who sees an object that lies at this level on the A side of the tree (root › WMG › unit A › team A › sub A)
VISIBLE = {"sub": ALL, "team": TEAM_MGR, "unit": UNIT_MGR, "authority": AUTH, "root": UNRESTRICTED}


@dataclass(frozen=True)
class Spec:
    kwargs: Callable | None = None  # (objects, inside: bool) → URL kwargs; None for pages without an object
    level: str = "sub"  # where the "inside" object sits (VISIBLE)
    verb: frozenset = ALL  # users whose roles carry the verb
    verb_first: bool = False  # the view checks the verb before fetching the object
    anon: int = 302
    public: bool = False  # open to everyone (log-in, set-password): 200 whoever asks
    ok: int = 200
    post: bool = False  # also POST an empty form
    post_verb: frozenset | None = None  # the POST needs another verb than the GET
    extra: dict = field(default_factory=dict)  # query string
    volunteer_side: bool = False  # a volunteer-zone page: anonymous users go to the volunteer log-in
    # the object is its uploader's alone: (owner of the inside object, owner of the outside one); anybody
    # else gets 404 as if it were outside their scope
    owner: tuple[str, str] | None = None
    # open to every signed-in user, volunteers included (private files): a user without a grant gets 404 like
    # anybody else outside the scope
    any_user: bool = False
    deny: int = 403  # the answer when the verb is missing (private files: 404, as if out of scope)
    one_side: bool = False  # the object is reference data outside the tree (an award level): no "outside" side


def _pk(name_in, name_out):
    return lambda o, inside: {"pk": getattr(o, name_in if inside else name_out).pk}


def _fmt(inner=None):
    def kwargs(o, inside):
        base = inner(o, inside) if inner else {}
        return {**base, "fmt": "csv"}
    return kwargs


def _code(name_in, name_out):
    return lambda o, inside: {"table": "languages", "pk": getattr(o, name_in if inside else name_out).pk}


STATISTICS_PAGES = ["statistics_sex_age", "statistics_categories", "statistics_hours", "statistics_joining",
                    "statistics_training", "statistics_insurance", "statistics_recruitment", "statistics_event"]

MATRIX: dict[str, Spec] = {
    # shell and profile
    "dashboard": Spec(),
    "login": Spec(public=True, ok=302, anon=200),  # a logged-in user is sent on to the dashboard
    "logout": Spec(public=True, ok=405, anon=405),  # log-out is POST only
    "profile": Spec(),
    "password_change": Spec(),
    "audit_list": Spec(verb=AUTH),
    # staff sign-in: the steps between password and back-office; a signed-in, verified user is sent on
    "login_verify": Spec(public=True, ok=302, anon=302),
    "login_enrol": Spec(public=True, ok=302, anon=302),
    "password_reset": Spec(public=True, ok=200, anon=200),
    "password_reset_confirm": Spec(kwargs=lambda o, inside: {"uidb64": "MQ", "token": "bad-token"}, public=True,
                                   ok=200, anon=200),  # a bad link: the page says so
    "password_reset_complete": Spec(public=True, ok=200, anon=200),
    "recovery_codes": Spec(),
    "recovery_codes_renew": Spec(ok=405),  # POST only
    # 系統管理 and its accounts (unit administrators and above; accounts holding a role in their part)
    "system_home": Spec(verb=UNIT_MGR),
    "staff_account_list": Spec(verb=UNIT_MGR),
    "staff_account_create": Spec(kwargs=lambda o, inside: {}, verb=UNIT_MGR, post=True),
    "staff_account_detail": Spec(kwargs=_pk("account_in", "account_out"), level="unit", verb=UNIT_MGR,
                                 verb_first=True),
    "staff_account_action": Spec(kwargs=_pk("account_in", "account_out"), level="unit", verb=UNIT_MGR,
                                 verb_first=True, ok=405),  # POST only
    # private files (operations/views/files.py): 404 for everybody outside the scope or without the verb
    "consent_file": Spec(kwargs=_pk("consent_in", "consent_out"), verb=TEAM_MGR, volunteer_side=True, any_user=True,
                         deny=404),
    "roster_file": Spec(kwargs=_pk("roster_in", "roster_out"), verb=TEAM_MGR, volunteer_side=True, any_user=True,
                        deny=404),
    "volunteer_photo": Spec(kwargs=_pk("vol_sub_a", "vol_c"), volunteer_side=True, any_user=True, deny=404),
    "org_tree": Spec(),
    "org_node": Spec(kwargs=_pk("sub_a", "team_c")),
    # volunteers
    "volunteer_list": Spec(),
    "volunteer_create": Spec(verb=TEAM_MGR),
    "volunteer_export": Spec(kwargs=_fmt()),
    "volunteer_detail": Spec(kwargs=_pk("vol_sub_a", "vol_c"), post=True, post_verb=UNIT_MGR),  # POST = reveal ID
    "volunteer_edit": Spec(kwargs=_pk("vol_sub_a", "vol_c"), verb=TEAM_MGR),
    # teams and members (backoffice_people)
    "team_list": Spec(),
    "team_export": Spec(kwargs=_fmt()),
    "team_create": Spec(kwargs=_pk("team_a", "unit_c"), level="team", verb=UNIT_MGR, post=True),
    "team_detail": Spec(kwargs=_pk("sub_a", "team_c")),
    "team_member_export": Spec(kwargs=_fmt(_pk("sub_a", "team_c"))),
    "team_edit": Spec(kwargs=_pk("sub_a", "team_c"), verb=UNIT_MGR, post=True),
    "team_move": Spec(kwargs=_pk("sub_a", "team_c"), verb=UNIT_MGR, post=True),
    "team_close": Spec(kwargs=_pk("sub_a", "team_c"), verb=UNIT_MGR, post=True),
    "team_member_add": Spec(kwargs=_pk("sub_a", "team_c"), verb=TEAM_MGR, post=True),
    "team_member_lookup": Spec(kwargs=_pk("sub_a", "team_c"), verb=TEAM_MGR, post=True),
    "team_roster_import": Spec(kwargs=_pk("sub_a", "team_c"), verb=TEAM_MGR, post=True),
    # a roster import into sub-team A uploaded by team A's leader; the outside one (team C) by the sysadmin
    "team_roster_status": Spec(kwargs=_pk("roster_in", "roster_out"), verb=TEAM_MGR, owner=("leader_a", "sysadmin")),
    "membership_move": Spec(kwargs=_pk("membership_in", "membership_out"), verb=TEAM_MGR, post=True),
    "membership_end": Spec(kwargs=_pk("membership_in", "membership_out"), verb=TEAM_MGR, post=True),
    "membership_cadre": Spec(kwargs=_pk("membership_in", "membership_out"), verb=TEAM_MGR, post=True),
    # unit data (backoffice_people)
    "unit_home": Spec(),
    "unit_list": Spec(),
    "unit_export": Spec(kwargs=_fmt()),
    "unit_detail": Spec(kwargs=_pk("unit_a", "unit_c"), level="unit"),
    "unit_edit": Spec(kwargs=_pk("unit_a", "unit_c"), level="unit", verb=UNIT_MGR, post=True),
    "plan_create": Spec(kwargs=_pk("unit_a", "unit_c"), level="unit", verb=UNIT_MGR, post=True),
    "plan_list": Spec(),
    "plan_export": Spec(kwargs=_fmt()),
    "plan_due_list": Spec(),
    "plan_due_export": Spec(kwargs=_fmt()),
    "plan_detail": Spec(kwargs=_pk("plan_a", "plan_c"), level="unit", post=True, post_verb=UNIT_MGR),
    "plan_edit": Spec(kwargs=_pk("plan_a", "plan_c"), level="unit", verb=UNIT_MGR, post=True),
    "plan_certificate": Spec(kwargs=_pk("plan_a", "plan_c"), level="unit"),
    # unit applications (backoffice_people)
    "application_list": Spec(verb=AUTH),
    "application_export": Spec(kwargs=_fmt(), verb=AUTH),
    "application_detail": Spec(kwargs=_pk("app_in", "app_out"), level="authority", verb=AUTH, verb_first=True,
                               post=True),
    "application_certificate": Spec(kwargs=_pk("app_in", "app_out"), level="authority", verb=AUTH,
                                    verb_first=True),
    # recruitment and matching (backoffice_recruitment); the position belongs to unit A's campaign, venue A
    # and sub-team A, so everybody on the A side sees it
    "campaign_list": Spec(),
    "campaign_export": Spec(kwargs=_fmt()),
    "campaign_create": Spec(verb=UNIT_MGR),
    # a campaign with a position for a team is visible to that team's leaders
    "campaign_detail": Spec(kwargs=_pk("campaign_in", "campaign_out")),
    "campaign_edit": Spec(kwargs=_pk("campaign_in", "campaign_out"), verb=UNIT_MGR),
    "position_create": Spec(kwargs=_pk("campaign_in", "campaign_out"), verb=UNIT_MGR),
    "position_detail": Spec(kwargs=_pk("position_in", "position_out")),
    "position_shift_export": Spec(kwargs=_fmt(_pk("position_in", "position_out"))),
    "shift_generate": Spec(kwargs=_pk("position_in", "position_out"), verb=UNIT_MGR),
    "shift_detail": Spec(kwargs=_pk("shift_in", "shift_out")),
    "shift_match": Spec(kwargs=_pk("shift_in", "shift_out"), verb=TEAM_MGR),
    "signup_review": Spec(),
    "signup_export": Spec(kwargs=_fmt()),
    "fill_rates": Spec(),
    "fill_rates_partial": Spec(),
    "fill_rate_export": Spec(kwargs=_fmt()),
    # attendance (backoffice_recruitment)
    "attendance_list": Spec(),
    "attendance_export": Spec(kwargs=_fmt()),
    "attendance_shift": Spec(kwargs=_pk("shift_in", "shift_out")),
    "attendance_qr_svg": Spec(kwargs=_pk("shift_in", "shift_out")),
    "attendance_qr_poster": Spec(kwargs=_pk("shift_in", "shift_out")),
    "attendance_day_sheet_pdf": Spec(kwargs=_pk("shift_in", "shift_out")),
    "attendance_correct": Spec(kwargs=lambda o, inside: {"pk": (o.shift_in if inside else o.shift_out).pk,
                                                        "signup": (o.signup_in if inside else o.signup_out).pk},
                               verb=UNIT_MGR),
    # a forged or stale QR token is refused as bad input for every staff user
    "leader_scan": Spec(kwargs=lambda o, inside: {"token": "not-a-valid-token"}, ok=400),
    "venue_live": Spec(kwargs=_pk("unit_a", "unit_c")),  # leaders of the venue's teams see it too
    "service_records": Spec(),
    "service_record_export": Spec(kwargs=_fmt()),
    # the volunteer's side: staff accounts without a volunteer profile are refused
    "checkin": Spec(kwargs=lambda o, inside: {"token": "not-a-valid-token"}, ok=403, volunteer_side=True),
    "my_qr": Spec(ok=403, volunteer_side=True),
    "my_qr_svg": Spec(ok=403, volunteer_side=True),
    # insurance (志工保險): policy A is unit A's, policy C unit C's; covers hang from them
    "insurance_policy_list": Spec(verb=UNIT_MGR),
    "insurance_policy_export": Spec(kwargs=_fmt(), verb=UNIT_MGR),
    "insurance_policy_create": Spec(verb=UNIT_MGR),
    "insurance_uninsured": Spec(),
    "insurance_uninsured_export": Spec(kwargs=_fmt()),
    "insurance_policy_detail": Spec(kwargs=_pk("policy_in", "policy_out"), level="unit", verb=UNIT_MGR),
    "insurance_policy_edit": Spec(kwargs=_pk("policy_in", "policy_out"), level="unit", verb=UNIT_MGR, post=True),
    "insurance_policy_document": Spec(kwargs=_pk("policy_in", "policy_out"), level="unit", verb=UNIT_MGR),
    "insurance_cover_people": Spec(kwargs=_pk("policy_in", "policy_out"), level="unit", verb=UNIT_MGR, post=True),
    "insurance_cover_node": Spec(kwargs=_pk("policy_in", "policy_out"), level="unit", verb=UNIT_MGR, post=True),
    "insurance_insured": Spec(kwargs=_pk("policy_in", "policy_out"), level="unit", verb=UNIT_MGR),
    "insurance_insured_export": Spec(kwargs=_fmt(_pk("policy_in", "policy_out")), level="unit", verb=UNIT_MGR),
    "insurance_cover_end": Spec(kwargs=_pk("cover_in", "cover_out"), level="unit", verb=UNIT_MGR, post=True),
    # training (module 5): a course is offered down its organiser's subtree (course A is unit A's, so everybody on
    # the A side reads it); sessions belong to the unit holding them; certificates follow their volunteer
    "course_list": Spec(),
    "course_export": Spec(kwargs=_fmt()),
    "course_create": Spec(verb=UNIT_MGR),
    "course_detail": Spec(kwargs=_pk("course_in", "course_out")),
    "course_edit": Spec(kwargs=_pk("course_in", "course_out"), level="unit", verb=UNIT_MGR, post=True),
    "session_create": Spec(kwargs=_pk("course_in", "course_out"), verb=UNIT_MGR, verb_first=True, post=True),
    "session_detail": Spec(kwargs=_pk("session_in", "session_out"), level="unit"),
    "session_edit": Spec(kwargs=_pk("session_in", "session_out"), level="unit", verb=UNIT_MGR, post=True),
    "session_sheet_pdf": Spec(kwargs=_pk("session_in", "session_out"), level="unit"),
    "session_qr_svg": Spec(kwargs=_pk("session_in", "session_out"), level="unit"),
    "session_enrol": Spec(kwargs=_pk("session_in", "session_out"), level="unit", verb=UNIT_MGR, post=True),
    "session_attendance": Spec(kwargs=_pk("session_in", "session_out"), level="unit", verb=UNIT_MGR, ok=302,
                               post=True),
    "session_complete": Spec(kwargs=_pk("session_in", "session_out"), level="unit", verb=UNIT_MGR, ok=302,
                             post=True),
    "enrolment_cancel": Spec(kwargs=_pk("enrolment_in", "enrolment_out"), level="unit", verb=UNIT_MGR, ok=302),
    "certificate_list": Spec(),
    "certificate_export": Spec(kwargs=_fmt()),
    "certificate_import": Spec(verb=TEAM_MGR),
    # an import job is its uploader's alone: inside by team A's leader, outside by the sysadmin
    "certificate_import_status": Spec(kwargs=_pk("certificate_import_in", "certificate_import_out"), verb=TEAM_MGR,
                                      verb_first=True, owner=("leader_a", "sysadmin")),
    "certificate_template": Spec(kwargs=_fmt(), verb=TEAM_MGR),
    "certificate_pdf": Spec(kwargs=_pk("certificate_in", "certificate_out")),
    "certificate_create": Spec(kwargs=_pk("vol_sub_a", "vol_c"), verb=TEAM_MGR, verb_first=True, post=True),
    "volunteer_training": Spec(kwargs=_pk("vol_sub_a", "vol_c")),
    "training_gaps": Spec(),
    "training_gap_export": Spec(kwargs=_fmt(), ok=302),  # without a unit chosen: back to the list, with a message
    "campaign_training_requirement": Spec(kwargs=_pk("campaign_in", "campaign_out"), verb=UNIT_MGR),
    "position_training_requirement": Spec(kwargs=_pk("position_in", "position_out"), verb=UNIT_MGR),
    # service hours and awards (module 7): records belong to their unit; award levels are reference data (one side)
    "hours_list": Spec(verb=UNIT_MGR),
    "hours_export": Spec(kwargs=_fmt(), verb=UNIT_MGR),
    "hours_create": Spec(verb=UNIT_MGR),
    "hours_import": Spec(verb=UNIT_MGR),
    # an import job is its uploader's alone: inside by unit A's admin, outside by the sysadmin
    "hours_import_status": Spec(kwargs=_pk("hour_import_in", "hour_import_out"), verb=UNIT_MGR, verb_first=True,
                                owner=("admin_a", "sysadmin")),
    "hours_template": Spec(kwargs=_fmt(), verb=UNIT_MGR),
    "hours_detail": Spec(kwargs=_pk("hours_in", "hours_out"), level="unit", verb=UNIT_MGR, verb_first=True),
    "hours_correct": Spec(kwargs=_pk("hours_in", "hours_out"), level="unit", verb=UNIT_MGR, post=True),
    "hours_misuse": Spec(kwargs=_pk("hours_in", "hours_out"), level="unit", verb=UNIT_MGR, post=True),
    "hours_lift_misuse": Spec(kwargs=_pk("hours_in", "hours_out"), level="unit", verb=UNIT_MGR, post=True),
    "hours_working": Spec(kwargs=_pk("vol_sub_a", "vol_c"), verb=UNIT_MGR, verb_first=True),
    "award_schemes": Spec(verb=UNIT_MGR),
    "award_eligible": Spec(kwargs=lambda o, inside: {"pk": o.award_level.pk}, verb=UNIT_MGR, verb_first=True,
                           one_side=True),
    "award_eligible_export": Spec(kwargs=lambda o, inside: {"pk": o.award_level.pk, "fmt": "csv"}, verb=UNIT_MGR,
                                  verb_first=True, one_side=True),
    "award_nominate": Spec(kwargs=lambda o, inside: {"pk": o.award_level.pk,
                                                     "volunteer": (o.vol_sub_a if inside else o.vol_c).pk},
                           verb=UNIT_MGR, verb_first=True, post=True),
    "award_receipt": Spec(kwargs=lambda o, inside: {"pk": o.award_level.pk,
                                                    "volunteer": (o.vol_sub_a if inside else o.vol_c).pk},
                          verb=UNIT_MGR, verb_first=True, post=True),
    "award_nominations": Spec(verb=UNIT_MGR),
    "award_nomination_detail": Spec(kwargs=_pk("nomination_in", "nomination_out"), level="unit", verb=UNIT_MGR),
    "award_nomination_export": Spec(kwargs=_fmt(), verb=UNIT_MGR),
    "award_recognitions": Spec(verb=UNIT_MGR),
    "award_recognition_export": Spec(kwargs=_fmt(), verb=UNIT_MGR),
    # review chain (表單審核): reviews belong to the form's unit (batch A: unit A; batch C: unit C); unit
    # managers and the authorities above read them; deciding is checked per step by the service
    "review_queue": Spec(verb=UNIT_MGR),
    "review_list": Spec(verb=UNIT_MGR),
    "review_detail": Spec(kwargs=_pk("review_in", "review_out"), level="unit", verb=UNIT_MGR, post=True),
    # record books and service IDs follow their volunteer (sub-team A's / team C's), read by unit managers
    "record_book_list": Spec(verb=UNIT_MGR),
    "record_book_detail": Spec(kwargs=_pk("book_in", "book_out"), level="unit", verb=UNIT_MGR, post=True),
    "record_book_batch_list": Spec(verb=UNIT_MGR),
    "record_book_batch_create": Spec(verb=UNIT_MGR),
    "record_book_batch_detail": Spec(kwargs=_pk("batch_in", "batch_out"), level="unit", verb=UNIT_MGR),
    "service_id_list": Spec(verb=UNIT_MGR),
    "service_id_pdf": Spec(kwargs=_pk("sid_in", "sid_out"), level="unit", verb=UNIT_MGR),
    "service_id_cancel": Spec(kwargs=_pk("sid_in", "sid_out"), level="unit", verb=UNIT_MGR, post=True),
    "service_id_create": Spec(kwargs=_pk("vol_sub_a", "vol_c"), verb=UNIT_MGR, verb_first=True, post=True),
    # certificates (績效證明書, 榮譽卡) belong to the unit they were applied for through
    "certificate_application_list": Spec(verb=UNIT_MGR),
    "certificate_application_detail": Spec(kwargs=_pk("cert_in", "cert_out"), level="unit", verb=UNIT_MGR),
    "certificate_application_pdf": Spec(kwargs=_pk("cert_in", "cert_out"), level="unit", verb=UNIT_MGR),
    "certificate_application_cancel": Spec(kwargs=_pk("cert_in", "cert_out"), level="unit", verb=UNIT_MGR,
                                           post=True),
    "certificate_application_create": Spec(kwargs=lambda o, inside: {"pk": (o.vol_sub_a if inside else o.vol_c).pk,
                                                                     "kind": "performance"},
                                           verb=UNIT_MGR, verb_first=True, post=True),
    # statistics (module 10): figures of the user's own part of the tree, for every staff role; the national
    # export (full identity numbers) for unit managers; without a unit chosen the download answers 400
    "statistics_home": Spec(),
    **{name: Spec() for name in STATISTICS_PAGES},
    **{f"{name}_export": Spec(kwargs=_fmt()) for name in STATISTICS_PAGES},
    "national_export": Spec(verb=UNIT_MGR),
    "national_export_download": Spec(kwargs=_fmt(), verb=UNIT_MGR, ok=400, extra={"record": "volunteers"}),
    # half-year and annual reports (module 9): reports belong to their unit (A inside, C outside), read and made by
    # unit managers; recompute and submit are POST-only (405 to a GET); dashboard and roll-ups for the authorities
    "report_list": Spec(verb=UNIT_MGR),
    "report_create": Spec(verb=UNIT_MGR),  # an empty POST: test_reports_views (bad input, nothing written)
    "report_detail": Spec(kwargs=_pk("report_in", "report_out"), level="unit", verb=UNIT_MGR),
    "report_edit": Spec(kwargs=_pk("report_in", "report_out"), level="unit", verb=UNIT_MGR, post=True),
    "report_reopen": Spec(kwargs=_pk("report_in", "report_out"), level="unit", verb=UNIT_MGR, post=True),
    "report_recompute": Spec(kwargs=_pk("report_in", "report_out"), level="unit", verb=UNIT_MGR, ok=405),
    "report_submit": Spec(kwargs=_pk("report_in", "report_out"), level="unit", verb=UNIT_MGR, ok=405),
    "report_export": Spec(kwargs=_fmt(_pk("report_in", "report_out")), level="unit", verb=UNIT_MGR),
    "report_dashboard": Spec(verb=AUTH),
    "report_rollup": Spec(verb=AUTH),
    "report_rollup_export": Spec(kwargs=_fmt(), verb=AUTH),
    # system management: the audit log's export, the competent authority's queue of personal-data requests
    # (both requests hang from the root authority: officers of a purpose authority hold the verb, not the queue),
    # the role matrix and the grants of the viewer's part of the tree
    "audit_export": Spec(kwargs=_fmt(), verb=AUTH),
    "privacy_request_list": Spec(verb=UNRESTRICTED),
    "privacy_request_export": Spec(kwargs=_fmt(), verb=UNRESTRICTED),
    "privacy_request_detail": Spec(kwargs=_pk("privacy_in", "privacy_out"), level="root", verb=UNRESTRICTED,
                                   verb_first=True, post=True),
    "role_matrix": Spec(verb=AUTH),
    "role_grant_export": Spec(kwargs=_fmt(), verb=AUTH),
    "role_matrix_export": Spec(kwargs=_fmt(), verb=AUTH),
    # API tokens (under "My profile"): every staff member's own; another person's token is 404 as if it did not
    # exist (token A is team A's leader's, token C the system administrator's)
    "api_token_list": Spec(),  # its empty POST: tests/operations/test_api_tokens.py
    "api_token_revoke": Spec(kwargs=_pk("token_in", "token_out"), owner=("leader_a", "sysadmin"), post=True),
    # system management: the organisation tree (authorities and units of the viewer's subtree; the verb first, so a
    # unit administrator gets 403 wherever the node is) and the code tables (system administrators only)
    "org_tree_manage": Spec(verb=AUTH),
    "orgroot_create": Spec(kwargs=lambda o, inside: {}, verb=SYSADMIN, post=True),  # a new top-level authority
    "orgnode_create": Spec(kwargs=_pk("wmg", "root"), level="authority", verb=AUTH, verb_first=True, post=True),
    "orgnode_rename": Spec(kwargs=_pk("unit_a", "unit_c"), level="unit", verb=AUTH, verb_first=True, post=True),
    "orgnode_move": Spec(kwargs=_pk("unit_a", "unit_c"), level="unit", verb=AUTH, verb_first=True, post=True),
    "orgnode_close": Spec(kwargs=_pk("unit_a", "unit_c"), level="unit", verb=AUTH, verb_first=True, post=True),
    "code_tables": Spec(verb=SYSADMIN),
    "code_create": Spec(kwargs=lambda o, inside: {"table": "languages" if inside else "skills"}, level="root",
                        verb=SYSADMIN, verb_first=True, post=True),
    "code_edit": Spec(kwargs=_code("mandarin", "english"), level="root", verb=SYSADMIN, verb_first=True, post=True),
    "code_retire": Spec(kwargs=_code("mandarin", "english"), level="root", verb=SYSADMIN, verb_first=True, post=True),
    "code_delete": Spec(kwargs=_code("mandarin", "english"), level="root", verb=SYSADMIN, verb_first=True, post=True),
    # public: an invalid link shows "this link is no longer valid" to anyone
    "set_password": Spec(kwargs=lambda o, inside: {"uidb64": "MQ", "token": "set-password"}, public=True, anon=200),
}


def backoffice_url_names() -> list[str]:
    """Every named URL of the "operations" namespace, read from the resolver."""
    names = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name and namespace == "operations":
                names.append(p.name)

    walk(get_resolver().url_patterns, None)
    return sorted(set(names))


def test_every_backoffice_url_is_in_the_matrix():
    names = backoffice_url_names()
    assert len(names) > 30
    missing = [n for n in names if n not in MATRIX]
    assert not missing, f"add these back-office URLs to the permission matrix: {missing}"
    stale = [n for n in MATRIX if n not in names]
    assert not stale, f"these URLs no longer exist: {stale}"


@pytest.fixture
def objects(org):
    o = org
    o.plan_a = ServicePlanFactory(unit=o.unit_a, certificate="plans/certificates/a.pdf")
    o.plan_c = ServicePlanFactory(unit=o.unit_c, certificate="plans/certificates/c.pdf")
    from django.core.files.base import ContentFile

    from operations.storage import private_storage

    for name in ("a", "c"):
        private_storage().save(f"plans/certificates/{name}.pdf", ContentFile(b"%PDF-1.4 test"))
        private_storage().save(f"applications/{name}.pdf", ContentFile(b"%PDF-1.4 test"))
        private_storage().save(f"consents/{name}.pdf", ContentFile(b"%PDF-1.4 test"))
        private_storage().save(f"volunteer-photos/{name}.jpg", ContentFile(b"\xff\xd8\xff test"))
    private_storage().save("rosters/matrix.csv", ContentFile(b"name,id\n"))
    base = dict(category="social_welfare", registration_type="agency", city="taipei", address="市府路1號",
                contact_person="王小明", contact_phone="02-1234", contact_email="a@example.org")
    o.app_in = UnitApplication.objects.create(reference="UA-IN", organisation_name="甲協會", purpose_authority=o.wmg,
                                              certificate="applications/a.pdf", **base)
    o.app_out = UnitApplication.objects.create(reference="UA-OUT", organisation_name="丙協會",
                                               purpose_authority=o.root, certificate="applications/c.pdf", **base)
    o.campaign_in = CampaignFactory(unit=o.unit_a)
    o.campaign_out = CampaignFactory(unit=o.unit_c)
    o.position_in = PositionFactory(campaign=o.campaign_in, venue=o.unit_a, team=o.sub_a)
    o.position_out = PositionFactory(campaign=o.campaign_out, venue=o.unit_c, team=o.team_c)
    o.shift_in = ShiftFactory(position=o.position_in)
    o.shift_out = ShiftFactory(position=o.position_out)
    o.signup_in = SignupFactory(volunteer=o.vol_sub_a, shift=o.shift_in)
    o.signup_out = SignupFactory(volunteer=o.vol_c, shift=o.shift_out)
    o.consent_in = GuardianConsent.objects.create(volunteer=o.vol_sub_a, campaign=o.campaign_in,
                                                  file="consents/a.pdf")
    o.consent_out = GuardianConsent.objects.create(volunteer=o.vol_c, campaign=o.campaign_out, file="consents/c.pdf")
    Volunteer.objects.filter(pk=o.vol_sub_a.pk).update(photo="volunteer-photos/a.jpg")
    Volunteer.objects.filter(pk=o.vol_c.pk).update(photo="volunteer-photos/c.jpg")
    o.membership_in = Membership.objects.get(volunteer=o.vol_sub_a, team=o.sub_a)
    o.membership_out = Membership.objects.get(volunteer=o.vol_c, team=o.team_c)
    done = dict(status=RosterStatus.DONE, finished_at=timezone.now(), joined_on=timezone.localdate(),
                file="rosters/matrix.csv", original_name="matrix.csv")
    o.roster_in = RosterImport.objects.create(team=o.sub_a, created_by=o.leader_a, **done)
    o.roster_out = RosterImport.objects.create(team=o.team_c, created_by=o.sysadmin, **done)
    from operations.models import CertificateImport, HourImport

    job = dict(status=RosterStatus.DONE, finished_at=timezone.now(), file="imports/matrix.csv",
               original_name="matrix.csv")
    o.hour_import_in = HourImport.objects.create(created_by=o.admin_a, **job)
    o.hour_import_out = HourImport.objects.create(created_by=o.sysadmin, **job)
    o.certificate_import_in = CertificateImport.objects.create(created_by=o.leader_a, **job)
    o.certificate_import_out = CertificateImport.objects.create(created_by=o.sysadmin, **job)
    from operations.models import InsuranceCover, InsurancePolicy

    private_storage().save("insurance-policies/a.pdf", ContentFile(b"%PDF-1.4 test"))
    period = dict(insurer="國泰產險", starts_on=timezone.localdate(), ends_on=timezone.localdate(),
                  document="insurance-policies/a.pdf")
    o.policy_in = InsurancePolicy.objects.create(node=o.unit_a, policy_number="IN", **period)
    o.policy_out = InsurancePolicy.objects.create(node=o.unit_c, policy_number="OUT", **period)
    o.cover_in = InsuranceCover.objects.create(policy=o.policy_in, node=o.team_a, starts_on=timezone.localdate(),
                                               ends_on=timezone.localdate())
    o.cover_out = InsuranceCover.objects.create(policy=o.policy_out, volunteer=o.vol_c,
                                                starts_on=timezone.localdate(), ends_on=timezone.localdate())
    from tests.operations.test_training_views import training_matrix_objects

    training_matrix_objects(o)
    from tests.operations.test_hours_views import hours_matrix_objects

    hours_matrix_objects(o)
    from tests.operations.test_reviews_views import review_matrix_objects

    review_matrix_objects(o)
    from operations.models import PrivacyRequest, PrivacyRequestKind

    due = timezone.localdate()
    o.privacy_in = PrivacyRequest.objects.create(kind=PrivacyRequestKind.DELETION, volunteer=o.vol_sub_a, node=o.root,
                                                 due_on=due)
    o.privacy_out = PrivacyRequest.objects.create(kind=PrivacyRequestKind.CORRECTION, volunteer=o.vol_c, node=o.root,
                                                  due_on=due, details="生日有誤")
    from operations.services.api_tokens import api_token_create

    o.token_in, _secret = api_token_create(actor=o.leader_a, name="matrix in", days=30)
    o.token_out, _secret = api_token_create(actor=o.sysadmin, name="matrix out", days=30)
    from tests.operations.test_accounts_staff import accounts_matrix_objects

    accounts_matrix_objects(o)
    from tests.operations.test_reports_views import reports_matrix_objects

    reports_matrix_objects(o)
    return o


def expected(spec: Spec, user_key: str, inside: bool, method: str = "get") -> int:
    if spec.public:
        return spec.anon if user_key == "anon" else spec.ok
    if user_key == "anon":
        return spec.anon
    if user_key == "nobody":
        return 404 if spec.any_user else 403
    if spec.kwargs is None or spec.kwargs(_Probe(), True).keys() <= {"fmt"} or "token" in spec.kwargs(_Probe(), True):
        return (spec.ok if method == "get" else 200) if user_key in spec.verb else 403
    if spec.verb_first and user_key not in spec.verb:
        return 403
    if spec.owner is not None and user_key != spec.owner[0 if inside else 1]:
        return 404
    visible = VISIBLE[spec.level] if inside else UNRESTRICTED
    if user_key not in visible:
        return 404
    if user_key not in spec.verb:
        return spec.deny
    return spec.ok


class _Probe:
    def __getattr__(self, name):
        class _Obj:
            pk = 0
        return _Obj()


USERS = ["anon", "nobody", *LEVEL_USERS]


def sides(name: str) -> tuple[bool, ...]:
    spec = MATRIX[name]
    has_object = spec.kwargs is not None and not (spec.kwargs(_Probe(), True).keys() <= {"fmt", "token"})
    return (True, False) if has_object and not spec.public and not spec.one_side else (True,)


def _client(objects, user_key):
    from django.test import Client

    client = Client()
    if user_key != "anon":
        client.force_login(objects.users[user_key])
    return client


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_get(objects, name):
    """One URL: every user × inside/outside (the fixture is built once per URL; all mismatches listed)."""
    spec = MATRIX[name]
    mismatches = []
    for user_key in USERS:
        client = _client(objects, user_key)
        for inside in sides(name):
            kwargs = spec.kwargs(objects, inside) if spec.kwargs else {}
            response = client.get(reverse(f"operations:{name}", kwargs=kwargs), spec.extra)
            want = expected(spec, user_key, inside)
            if response.status_code != want:
                mismatches.append((user_key, "inside" if inside else "outside", response.status_code, want))
            elif want == 302 and user_key == "anon":
                if ("login" if spec.volunteer_side else "/backoffice/login/") not in response["Location"]:
                    mismatches.append((user_key, "redirect", response["Location"], "log-in page"))
    assert not mismatches, f"{name}: (user, side, got, expected) {mismatches}"


@pytest.mark.parametrize("name", sorted(n for n in MATRIX if MATRIX[n].post))
def test_post_empty_form(objects, name):
    """An empty POST: refused the same way as GET for those who may not act; for the others the form
    comes back with its errors (200 or 400). Nothing is written in any case."""
    spec = MATRIX[name]
    if spec.post_verb is not None:
        spec = Spec(**{**spec.__dict__, "verb": spec.post_verb})
    audit_before = AuditEvent.objects.count()
    nodes_before = list(OrgNode.objects.values_list("pk", "name", "is_active", "path"))
    mismatches = []
    for user_key in USERS:
        client = _client(objects, user_key)
        for inside in sides(name):
            response = client.post(reverse(f"operations:{name}", kwargs=spec.kwargs(objects, inside)), {})
            want = expected(spec, user_key, inside)
            ok = response.status_code in (200, 400) if want == 200 else response.status_code == want
            if not ok:
                mismatches.append((user_key, "inside" if inside else "outside", response.status_code, want))
    assert not mismatches, f"{name}: (user, side, got, expected) {mismatches}"
    assert AuditEvent.objects.count() == audit_before
    assert list(OrgNode.objects.values_list("pk", "name", "is_active", "path")) == nodes_before
    assert UnitApplication.objects.filter(status=ApplicationStatus.PENDING).count() == 2
    assert Membership.objects.filter(left_on__isnull=True).count() == 5
