from django.urls import path

from ..views import people as views

urlpatterns: list = [
    path("volunteers/", views.VolunteerListView.as_view(), name="volunteer_list"),
    path("volunteers/new/", views.VolunteerCreateView.as_view(), name="volunteer_create"),
    path("volunteers/export.<str:fmt>", views.VolunteerExportView.as_view(), name="volunteer_export"),
    path("volunteers/<int:pk>/", views.VolunteerDetailView.as_view(), name="volunteer_detail"),
    path("volunteers/<int:pk>/edit/", views.VolunteerUpdateView.as_view(), name="volunteer_edit"),
]
