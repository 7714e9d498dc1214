from django.urls import path

from . import views

app_name = "operations_api"

urlpatterns = [
    path("volunteers/", views.volunteer_list_api, name="volunteer_list"),
    path("volunteers/<int:pk>/", views.volunteer_detail_api, name="volunteer_detail"),
    path("organisations/", views.org_node_list_api, name="org_list"),
]
