from django.urls import path

from . import public, views

app_name = "operations_api"

urlpatterns = [
    path("volunteers/", views.volunteer_list_api, name="volunteer_list"),
    path("volunteers/<int:pk>/", views.volunteer_detail_api, name="volunteer_detail"),
    path("organisations/", views.org_node_list_api, name="org_list"),
    path("public/venues/", public.venues_by_city_api, name="public_venues"),
    path("public/recruitment/", public.recruitment_status_api, name="public_recruitment"),
]
