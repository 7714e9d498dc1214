from django.urls import path

from ..views import plans as views

urlpatterns: list = [
    path("units/<int:pk>/plans/new/", views.PlanCreateView.as_view(), name="plan_create"),
    path("plans/", views.PlanListView.as_view(), name="plan_list"),
    path("plans/export.<str:fmt>", views.PlanListView.as_view(), name="plan_export"),
    path("plans/due/", views.PlanDueListView.as_view(), name="plan_due_list"),
    path("plans/due/export.<str:fmt>", views.PlanDueListView.as_view(), name="plan_due_export"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/certificate/", views.PlanCertificateView.as_view(), name="plan_certificate"),
]
