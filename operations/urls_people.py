"""Back-office URLs of one module group, included by operations/urls.py (namespace "operations"):
teams and members (module 1), unit data and service plans, unit applications (module 2)."""
from django.urls import path

from .views import applications, teams, units

urlpatterns: list = [
    # Teams and members
    path("teams/", teams.TeamListView.as_view(), name="team_list"),
    path("teams/export.<str:fmt>", teams.TeamListView.as_view(), name="team_export"),
    path("organisations/<int:pk>/teams/new/", teams.TeamCreateView.as_view(), name="team_create"),
    path("teams/<int:pk>/", teams.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<int:pk>/members/export.<str:fmt>", teams.TeamDetailView.as_view(), name="team_member_export"),
    path("teams/<int:pk>/edit/", teams.TeamEditView.as_view(), name="team_edit"),
    path("teams/<int:pk>/move/", teams.TeamMoveView.as_view(), name="team_move"),
    path("teams/<int:pk>/close/", teams.TeamCloseView.as_view(), name="team_close"),
    path("teams/<int:pk>/members/add/", teams.MemberAddView.as_view(), name="team_member_add"),
    path("teams/<int:pk>/members/import/", teams.TeamRosterImportView.as_view(), name="team_roster_import"),
    path("roster-imports/<int:pk>/", teams.TeamRosterStatusView.as_view(), name="team_roster_status"),
    path("memberships/<int:pk>/move/", teams.MembershipMoveView.as_view(), name="membership_move"),
    path("memberships/<int:pk>/end/", teams.MembershipEndView.as_view(), name="membership_end"),
    path("memberships/<int:pk>/cadre/", teams.MembershipCadreView.as_view(), name="membership_cadre"),
    # Units and service plans
    path("unit-data/", units.UnitDataHomeView.as_view(), name="unit_home"),
    path("units/", units.UnitListView.as_view(), name="unit_list"),
    path("units/export.<str:fmt>", units.UnitListView.as_view(), name="unit_export"),
    path("units/<int:pk>/", units.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/edit/", units.UnitEditView.as_view(), name="unit_edit"),
    path("units/<int:pk>/plans/new/", units.PlanCreateView.as_view(), name="plan_create"),
    path("plans/", units.PlanListView.as_view(), name="plan_list"),
    path("plans/export.<str:fmt>", units.PlanListView.as_view(), name="plan_export"),
    path("plans/due/", units.PlanDueListView.as_view(), name="plan_due_list"),
    path("plans/due/export.<str:fmt>", units.PlanDueListView.as_view(), name="plan_due_export"),
    path("plans/<int:pk>/", units.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", units.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/certificate/", units.PlanCertificateView.as_view(), name="plan_certificate"),
    # Applications to become a unit
    path("unit-applications/", applications.ApplicationListView.as_view(), name="application_list"),
    path("unit-applications/export.<str:fmt>", applications.ApplicationListView.as_view(), name="application_export"),
    path("unit-applications/<int:pk>/", applications.ApplicationDetailView.as_view(), name="application_detail"),
    path("unit-applications/<int:pk>/certificate/", applications.ApplicationCertificateView.as_view(),
         name="application_certificate"),
    path("set-password/<uidb64>/<token>/", applications.SetPasswordView.as_view(), name="set_password"),
]
