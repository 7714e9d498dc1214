from django.urls import path

from ..views import teams as views

urlpatterns: list = [
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("teams/export.<str:fmt>", views.TeamListView.as_view(), name="team_export"),
    path("organisations/<int:pk>/teams/new/", views.TeamCreateView.as_view(), name="team_create"),
    path("teams/<int:pk>/", views.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<int:pk>/members/export.<str:fmt>", views.TeamDetailView.as_view(), name="team_member_export"),
    path("teams/<int:pk>/edit/", views.TeamEditView.as_view(), name="team_edit"),
    path("teams/<int:pk>/move/", views.TeamMoveView.as_view(), name="team_move"),
    path("teams/<int:pk>/close/", views.TeamCloseView.as_view(), name="team_close"),
    path("teams/<int:pk>/members/add/", views.MemberAddView.as_view(), name="team_member_add"),
    path("teams/<int:pk>/members/find/", views.TeamMemberLookupView.as_view(), name="team_member_lookup"),
    path("teams/<int:pk>/members/import/", views.TeamRosterImportView.as_view(), name="team_roster_import"),
    path("roster-imports/<int:pk>/", views.TeamRosterStatusView.as_view(), name="team_roster_status"),
    path("memberships/<int:pk>/move/", views.MembershipMoveView.as_view(), name="membership_move"),
    path("memberships/<int:pk>/end/", views.MembershipEndView.as_view(), name="membership_end"),
    path("memberships/<int:pk>/cadre/", views.MembershipCadreView.as_view(), name="membership_cadre"),
]
