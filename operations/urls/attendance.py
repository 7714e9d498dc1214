from django.urls import path

from ..views import attendance as views

urlpatterns: list = [
    path("attendance/", views.AttendanceShiftListView.as_view(), name="attendance_list"),
    path("attendance/export.<str:fmt>", views.AttendanceShiftListView.as_view(), name="attendance_export"),
    path("attendance/shifts/<int:pk>/", views.DaySheetView.as_view(), name="attendance_shift"),
    path("attendance/shifts/<int:pk>/qr.svg", views.ShiftQrSvgView.as_view(), name="attendance_qr_svg"),
    path("attendance/shifts/<int:pk>/qr/", views.ShiftQrPosterView.as_view(), name="attendance_qr_poster"),
    path("attendance/shifts/<int:pk>/day-sheet.pdf", views.DaySheetPdfView.as_view(), name="attendance_day_sheet_pdf"),
    path("attendance/shifts/<int:pk>/signups/<int:signup>/correct/", views.AttendanceCorrectView.as_view(),
         name="attendance_correct"),
    path("attendance/scan/<str:token>/", views.LeaderScanView.as_view(), name="leader_scan"),
    path("attendance/venues/<int:pk>/live/", views.VenueLiveView.as_view(), name="venue_live"),
    path("attendance/records/", views.ServiceRecordListView.as_view(), name="service_records"),
    path("attendance/records/export.<str:fmt>", views.ServiceRecordListView.as_view(), name="service_record_export"),
    path("checkin/<str:token>/", views.CheckinConfirmView.as_view(), name="checkin"),
    path("checkin-code/", views.MyQrView.as_view(), name="my_qr"),
    path("checkin-code/qr.svg", views.MyQrSvgView.as_view(), name="my_qr_svg"),
]
