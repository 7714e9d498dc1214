from django.urls import path

from ..views import statistics as views

# back-office (namespace "operations", /backoffice/): one page and one download per question
urlpatterns: list = [
    path("statistics/", views.StatisticsHomeView.as_view(), name="statistics_home"),
    *[pattern for question in views.QUESTIONS for pattern in (
        path(f"statistics/{question.slug}/", views.StatisticsView.as_view(question=question.slug),
             name=question.url_name),
        path(f"statistics/{question.slug}/export.<str:fmt>", views.StatisticsView.as_view(question=question.slug),
             name=f"{question.url_name}_export"),
    )],
    path("statistics/national-export/", views.NationalExportView.as_view(), name="national_export"),
    path("statistics/national-export/export.<str:fmt>", views.NationalExportDownloadView.as_view(),
         name="national_export_download"),
]
