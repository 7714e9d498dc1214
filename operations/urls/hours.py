from django.urls import path

from ..views import hours as views

# back-office (namespace "operations", /backoffice/)
urlpatterns: list = [
    path("hours/", views.HourRecordListView.as_view(), name="hours_list"),
    path("hours/export.<str:fmt>", views.HourRecordListView.as_view(), name="hours_export"),
    path("hours/new/", views.HourRecordCreateView.as_view(), name="hours_create"),
    path("hours/import/", views.HourImportView.as_view(), name="hours_import"),
    path("hours/imports/<int:pk>/", views.HourImportStatusView.as_view(), name="hours_import_status"),
    path("hours/template.<str:fmt>", views.HourTemplateView.as_view(), name="hours_template"),
    path("hours/<int:pk>/", views.HourRecordDetailView.as_view(), name="hours_detail"),
    path("hours/<int:pk>/correct/", views.HourRecordCorrectView.as_view(), name="hours_correct"),
    path("hours/<int:pk>/misuse/", views.HourRecordMisuseView.as_view(), name="hours_misuse"),
    path("hours/<int:pk>/lift-misuse/", views.HourRecordLiftMisuseView.as_view(), name="hours_lift_misuse"),
    path("hours/volunteers/<int:pk>/", views.VolunteerWorkingView.as_view(), name="hours_working"),
]

# the volunteer's side (namespace "volunteer", /volunteer/)
volunteer_urlpatterns: list = [
    path("hours/", views.MyHoursView.as_view(), name="hours"),
]
