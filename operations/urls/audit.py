from django.urls import path

from ..views import audit as views

urlpatterns: list = [
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("audit/export.<str:fmt>", views.AuditListView.as_view(), name="audit_export"),
]
