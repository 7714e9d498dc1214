from django.urls import include, path

from .views import files, pages, volunteers

app_name = "operations"

urlpatterns = [
    path("", pages.DashboardView.as_view(), name="dashboard"),
    path("login/", pages.StaffLoginView.as_view(), name="login"),
    path("logout/", pages.StaffLogoutView.as_view(), name="logout"),
    path("profile/", pages.ProfileView.as_view(), name="profile"),
    path("profile/password/", pages.PasswordChangeView.as_view(), name="password_change"),
    path("organisations/", pages.OrgTreeView.as_view(), name="org_tree"),
    path("organisations/<int:pk>/", pages.OrgNodeDetailView.as_view(), name="org_node"),
    path("volunteers/", volunteers.VolunteerListView.as_view(), name="volunteer_list"),
    path("volunteers/new/", volunteers.VolunteerCreateView.as_view(), name="volunteer_create"),
    path("volunteers/export.<str:fmt>", volunteers.VolunteerExportView.as_view(), name="volunteer_export"),
    path("volunteers/<int:pk>/", volunteers.VolunteerDetailView.as_view(), name="volunteer_detail"),
    path("volunteers/<int:pk>/edit/", volunteers.VolunteerUpdateView.as_view(), name="volunteer_edit"),
    path("audit/", pages.AuditListView.as_view(), name="audit_list"),
    # private files, handed out through the scope (operations/views/files.py)
    path("files/consents/<int:pk>/", files.ConsentFileView.as_view(), name="consent_file"),
    path("files/rosters/<int:pk>/", files.RosterFileView.as_view(), name="roster_file"),
    path("files/volunteers/<int:pk>/photo/", files.VolunteerPhotoView.as_view(), name="volunteer_photo"),
]

# Module groups kept in their own files: people, teams and units; recruitment, matching and attendance.
urlpatterns += [
    path("", include("operations.urls_people")),
    path("", include("operations.urls_recruitment")),
]
