from django.urls import path

from . import public, views

app_name = "operations_api"

urlpatterns = [
    path("volunteers/", views.VolunteerListView.as_view(), name="volunteer_list"),
    path("volunteers/<int:pk>/", views.VolunteerDetailView.as_view(), name="volunteer_detail"),
    path("organisations/", views.OrgNodeListView.as_view(), name="org_list"),
    path("public/venues/", public.VenuesByCityView.as_view(), name="public_venues"),
    path("public/recruitment/", public.RecruitmentStatusView.as_view(), name="public_recruitment"),
]
