from django.urls import path

from . import public, views

app_name = "operations_api"

# `<str:pk>`: an id that is not a number is a 404 in JSON from the view (parse_id), like a missing one.
urlpatterns = [
    path("volunteers/", views.VolunteerListView.as_view(), name="volunteer_list"),
    path("volunteers/<str:pk>/", views.VolunteerDetailView.as_view(), name="volunteer_detail"),
    path("organisations/", views.OrgNodeListView.as_view(), name="org_list"),
    path("public/venues/", public.VenuesByCityView.as_view(), name="public_venues"),
    path("public/recruitment/", public.RecruitmentStatusView.as_view(), name="public_recruitment"),
]
