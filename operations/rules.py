"""Object permissions, derived from the one scope (`scoping.scope_q`). A predicate asks whether the
object is in the user's scoped queryset for the roles that may perform the verb. Permission names
contain a second dot so that they never collide with Django's model permissions."""
from __future__ import annotations

import rules

from .roles import ACCOUNT_MANAGERS, ALL_STAFF, AUTHORITIES, SYSTEM_ADMINS, TEAM_MANAGERS, UNIT_MANAGERS
from .scoping import has_any_role

# verb → roles that may perform it (within their scope)
VERB_ROLES: dict[str, tuple[str, ...]] = {
    "operations.orgnode.view": ALL_STAFF,
    "operations.orgnode.change": UNIT_MANAGERS,
    "operations.orgnode.manage_grants": UNIT_MANAGERS,
    "operations.volunteer.view": ALL_STAFF,
    "operations.volunteer.change": TEAM_MANAGERS,
    "operations.volunteer.reveal_id": UNIT_MANAGERS,
    "operations.volunteer.export": ALL_STAFF,
    "operations.membership.change": TEAM_MANAGERS,
    "operations.auditevent.view": AUTHORITIES,
    "operations.campaign.view": ALL_STAFF,
    "operations.campaign.change": UNIT_MANAGERS,
    # recruitment management and attendance (backoffice_recruitment)
    "operations.position.change": UNIT_MANAGERS,
    "operations.shift.view": ALL_STAFF,
    "operations.shift.change": UNIT_MANAGERS,
    "operations.signup.decide": TEAM_MANAGERS,
    "operations.shift.take_attendance": ALL_STAFF,
    "operations.attendance.correct": UNIT_MANAGERS,
    # teams, unit data and unit applications (backoffice_people)
    "operations.serviceplan.view": ALL_STAFF,
    "operations.serviceplan.change": UNIT_MANAGERS,
    "operations.serviceplan.file": AUTHORITIES,
    "operations.unitapplication.view": AUTHORITIES,
    "operations.unitapplication.review": AUTHORITIES,
    # insurance (志工保險): policies of a unit or authority, their covers, the insurer's roster
    "operations.insurancepolicy.view": UNIT_MANAGERS,
    "operations.insurancepolicy.change": UNIT_MANAGERS,
    # training (backoffice module 5): courses are offered down their organiser's subtree (selectors.training)
    "operations.course.view": ALL_STAFF,
    "operations.course.change": UNIT_MANAGERS,
    "operations.trainingsession.view": ALL_STAFF,
    "operations.trainingsession.change": UNIT_MANAGERS,
    "operations.trainingcertificate.view": ALL_STAFF,
    "operations.trainingcertificate.change": TEAM_MANAGERS,
    # service hours (各項申請: the ledger, corrections, misuse) and award schemes (awards)
    "operations.servicerecord.view": UNIT_MANAGERS,
    "operations.servicerecord.change": UNIT_MANAGERS,
    "operations.awardnomination.view": UNIT_MANAGERS,
    "operations.awardnomination.change": UNIT_MANAGERS,
    # review chain (表單審核): who reads the reviews of their part; deciding a step is decided per step
    # (models.reviews.ROLE_GROUPS, services.reviews.may_decide)
    "operations.review.view": UNIT_MANAGERS,
    "operations.review.decide": UNIT_MANAGERS,
    # record books and service IDs (紀錄冊, 志願服務證); certificates (績效證明書, 榮譽卡)
    "operations.recordbook.view": UNIT_MANAGERS,
    "operations.recordbook.apply": UNIT_MANAGERS,
    "operations.recordbook.change": AUTHORITIES,
    "operations.serviceid.change": UNIT_MANAGERS,
    "operations.certificateapplication.view": UNIT_MANAGERS,
    "operations.certificateapplication.apply": UNIT_MANAGERS,
    # statistics (module 10): figures of the user's part of the tree (read through the organisation nodes of the
    # scope); the national export carries full IDs of the volunteers of the scope
    "operations.orgnode.view_statistics": ALL_STAFF,
    # half-year and annual reports (module 9): a unit's managers make, fill, recompute, submit and re-open its
    # reports; the authorities read the dashboard and the roll-ups of their part of the tree
    "operations.periodreport.view": UNIT_MANAGERS,
    "operations.periodreport.change": UNIT_MANAGERS,
    "operations.periodreport.reopen": UNIT_MANAGERS,
    "operations.periodreport.rollup": AUTHORITIES,
    "operations.volunteer.export_national": UNIT_MANAGERS,
    # personal-data rights (系統管理): the competent authority's queue (selectors.privacy.may_use_queue), and the
    # role matrix with the grants of the viewer's part of the tree
    "operations.privacyrequest.view": AUTHORITIES,
    "operations.privacyrequest.decide": AUTHORITIES,
    "operations.orgnode.view_grants": AUTHORITIES,
    # staff accounts (系統管理 › 帳號): accounts holding a role in the user's part of the tree (User.visible_to);
    # which of them a user may change follows the grant rules (selectors.accounts.account_may_manage)
    "operations.user.view": ACCOUNT_MANAGERS,
    "operations.user.change": ACCOUNT_MANAGERS,
    # organisation tree (系統管理 › 組織): create, rename, move and close purpose authorities and units in one's subtree;
    # code tables (系統管理 › 代碼表): platform-wide, so system administrators only
    "operations.orgnode.manage_tree": AUTHORITIES,
    # a new top-level (competent) authority: outside every subtree, so system administrators only
    "operations.orgnode.create_root": SYSTEM_ADMINS,
    "operations.language.change": SYSTEM_ADMINS,
    "operations.skill.change": SYSTEM_ADMINS,
    "operations.servicecategory.change": SYSTEM_ADMINS,
    "operations.cityarea.change": SYSTEM_ADMINS,
    "operations.district.change": SYSTEM_ADMINS,
}


def scoped(name: str, roles: tuple[str, ...]):
    @rules.predicate(name=name)
    def predicate(user, obj=None) -> bool:
        if not (user and user.is_authenticated and user.is_active):
            return False
        if obj is None:
            return has_any_role(user, roles)
        manager = type(obj)._default_manager
        return manager.visible_to(user, roles=roles).filter(pk=obj.pk).exists()

    return predicate


for _perm, _roles in VERB_ROLES.items():
    rules.add_perm(_perm, scoped(_perm, _roles))
