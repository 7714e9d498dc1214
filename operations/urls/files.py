from django.urls import path

from ..views import files as views

urlpatterns: list = [
    path("files/consents/<int:pk>/", views.ConsentFileView.as_view(), name="consent_file"),
    path("files/rosters/<int:pk>/", views.RosterFileView.as_view(), name="roster_file"),
    path("files/volunteers/<int:pk>/photo/", views.VolunteerPhotoView.as_view(), name="volunteer_photo"),
]
