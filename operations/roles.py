"""The back-office roles and the named groups of them that permissions, selectors and services use.
A core module: it imports nothing of ours, so models, scoping, rules, services and views may all use it.
Never write a literal tuple of role names elsewhere; add a named group here."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    AUTHORITY_OFFICER = "authority_officer", _("Authority officer")
    UNIT_ADMIN = "unit_admin", _("Unit administrator")
    TEAM_LEADER = "team_leader", _("Team leader")
    SUBTEAM_LEADER = "subteam_leader", _("Sub-team leader")


#: everybody with a back-office role
ALL_STAFF = (Role.SYSTEM_ADMIN, Role.AUTHORITY_OFFICER, Role.UNIT_ADMIN, Role.TEAM_LEADER, Role.SUBTEAM_LEADER)
#: who manages a unit's data, recruitment and shifts
UNIT_MANAGERS = (Role.SYSTEM_ADMIN, Role.AUTHORITY_OFFICER, Role.UNIT_ADMIN)
#: who manages teams and their members, and decides sign-ups
TEAM_MANAGERS = (Role.SYSTEM_ADMIN, Role.AUTHORITY_OFFICER, Role.UNIT_ADMIN, Role.TEAM_LEADER)
#: the competent and purpose authorities (review unit applications, file service plans, read the audit log)
AUTHORITIES = (Role.SYSTEM_ADMIN, Role.AUTHORITY_OFFICER)
#: who must sign in with a second factor (they read identity numbers and export): unit administrators and above
SECOND_FACTOR_REQUIRED = (Role.SYSTEM_ADMIN, Role.AUTHORITY_OFFICER, Role.UNIT_ADMIN)
#: who manages staff accounts (系統管理 › 帳號) in their part of the tree, for the roles they may grant
ACCOUNT_MANAGERS = (Role.SYSTEM_ADMIN, Role.AUTHORITY_OFFICER, Role.UNIT_ADMIN)
#: who edits the platform-wide code tables (languages, skills)
SYSTEM_ADMINS = (Role.SYSTEM_ADMIN,)
