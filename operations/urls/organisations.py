from django.urls import path

from ..views import organisations as views

urlpatterns: list = [
    path("organisations/", views.OrgTreeView.as_view(), name="org_tree"),
    path("organisations/<int:pk>/", views.OrgNodeDetailView.as_view(), name="org_node"),
    path("unit-data/", views.UnitDataHomeView.as_view(), name="unit_home"),
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/export.<str:fmt>", views.UnitListView.as_view(), name="unit_export"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/edit/", views.UnitEditView.as_view(), name="unit_edit"),
    # 系統管理 › 組織
    path("system/organisations/", views.OrgTreeManageView.as_view(), name="org_tree_manage"),
    path("system/organisations/new-authority/", views.OrgRootCreateView.as_view(), name="orgroot_create"),
    path("system/organisations/<int:pk>/add/", views.OrgNodeCreateView.as_view(), name="orgnode_create"),
    path("system/organisations/<int:pk>/rename/", views.OrgNodeRenameView.as_view(), name="orgnode_rename"),
    path("system/organisations/<int:pk>/move/", views.OrgNodeMoveView.as_view(), name="orgnode_move"),
    path("system/organisations/<int:pk>/close/", views.OrgNodeCloseView.as_view(), name="orgnode_close"),
]
