from django.urls import path

from ..views import codes as views

urlpatterns: list = [
    path("system/codes/", views.CodeTablesView.as_view(), name="code_tables"),
    path("system/codes/<slug:table>/new/", views.CodeValueCreateView.as_view(), name="code_create"),
    path("system/codes/<slug:table>/<int:pk>/edit/", views.CodeValueEditView.as_view(), name="code_edit"),
    path("system/codes/<slug:table>/<int:pk>/retire/", views.CodeValueRetireView.as_view(), name="code_retire"),
    path("system/codes/<slug:table>/<int:pk>/delete/", views.CodeValueDeleteView.as_view(), name="code_delete"),
]
