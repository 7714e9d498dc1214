from django.urls import path

from ..views import privacy as views

urlpatterns: list = [
    path("privacy/", views.PrivacyRequestListView.as_view(), name="privacy_request_list"),
    path("privacy/export.<str:fmt>", views.PrivacyRequestListView.as_view(), name="privacy_request_export"),
    path("privacy/<int:pk>/", views.PrivacyRequestDetailView.as_view(), name="privacy_request_detail"),
]
