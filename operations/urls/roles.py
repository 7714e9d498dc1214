from django.urls import path

from ..views import roles as views

urlpatterns: list = [
    path("roles/", views.RoleMatrixView.as_view(), name="role_matrix"),
    path("roles/grants/export.<str:fmt>", views.RoleMatrixView.as_view(), name="role_grant_export"),
    path("roles/matrix/export.<str:fmt>", views.RoleMatrixExportView.as_view(), name="role_matrix_export"),
]
