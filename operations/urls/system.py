from django.urls import path

from ..views import system as views

urlpatterns: list = [
    path("system/", views.SystemHomeView.as_view(), name="system_home"),
]
