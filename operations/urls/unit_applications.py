from django.urls import path

from ..views import unit_applications as views

urlpatterns: list = [
    path("unit-applications/", views.ApplicationListView.as_view(), name="application_list"),
    path("unit-applications/export.<str:fmt>", views.ApplicationListView.as_view(), name="application_export"),
    path("unit-applications/<int:pk>/", views.ApplicationDetailView.as_view(), name="application_detail"),
    path("unit-applications/<int:pk>/certificate/", views.ApplicationCertificateView.as_view(),
         name="application_certificate"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
]
