from django.urls import path

from ..views import dashboard as views

urlpatterns: list = [
    path("", views.DashboardView.as_view(), name="dashboard"),
]
