from django.urls import path

from ..views import reports as views

# back-office (namespace "operations", /backoffice/)
urlpatterns: list = [
    path("reports/", views.ReportListView.as_view(), name="report_list"),
    path("reports/new/", views.ReportCreateView.as_view(), name="report_create"),
    path("reports/dashboard/", views.ReportDashboardView.as_view(), name="report_dashboard"),
    path("reports/rollup/", views.ReportRollupView.as_view(), name="report_rollup"),
    path("reports/rollup/export.<str:fmt>", views.ReportRollupExportView.as_view(), name="report_rollup_export"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/edit/", views.ReportEditView.as_view(), name="report_edit"),
    path("reports/<int:pk>/reopen/", views.ReportReopenView.as_view(), name="report_reopen"),
    path("reports/<int:pk>/recompute/", views.ReportActionView.as_view(), {"action": "recompute"},
         name="report_recompute"),
    path("reports/<int:pk>/submit/", views.ReportActionView.as_view(), {"action": "submit"}, name="report_submit"),
    path("reports/<int:pk>/export.<str:fmt>", views.ReportExportView.as_view(), name="report_export"),
]
