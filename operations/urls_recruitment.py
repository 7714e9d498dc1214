"""Back-office URLs of one module group, included by operations/urls.py (namespace "operations"):
recruitment management and matching (招募媒合), attendance and hours (差勤), and the volunteer's
check-in confirmation (`checkin/<token>/`, opened from the venue QR code) and personal QR code."""
from django.urls import path

from .views import attendance, recruitment

urlpatterns: list = [
    # recruitment
    path("recruitment/", recruitment.CampaignListView.as_view(), name="campaign_list"),
    path("recruitment/export.<str:fmt>", recruitment.CampaignListView.as_view(), name="campaign_export"),
    path("recruitment/campaigns/new/", recruitment.CampaignFormView.as_view(), name="campaign_create"),
    path("recruitment/campaigns/<int:pk>/", recruitment.CampaignDetailView.as_view(), name="campaign_detail"),
    path("recruitment/campaigns/<int:pk>/edit/", recruitment.CampaignFormView.as_view(), name="campaign_edit"),
    path("recruitment/campaigns/<int:pk>/positions/new/", recruitment.PositionCreateView.as_view(),
         name="position_create"),
    path("recruitment/positions/<int:pk>/", recruitment.PositionDetailView.as_view(), name="position_detail"),
    path("recruitment/positions/<int:pk>/export.<str:fmt>", recruitment.PositionDetailView.as_view(),
         name="position_shift_export"),
    path("recruitment/positions/<int:pk>/generate/", recruitment.ShiftGenerateView.as_view(), name="shift_generate"),
    path("recruitment/shifts/<int:pk>/", recruitment.ShiftDetailView.as_view(), name="shift_detail"),
    path("recruitment/shifts/<int:pk>/match/", recruitment.MatchView.as_view(), name="shift_match"),
    path("recruitment/signups/", recruitment.SignupReviewView.as_view(), name="signup_review"),
    path("recruitment/signups/export.<str:fmt>", recruitment.SignupReviewView.as_view(), name="signup_export"),
    path("recruitment/fill-rates/", recruitment.FillRateView.as_view(), name="fill_rates"),
    path("recruitment/fill-rates/live/", recruitment.FillRatePartialView.as_view(), name="fill_rates_partial"),
    # attendance
    path("attendance/", attendance.AttendanceShiftListView.as_view(), name="attendance_list"),
    path("attendance/export.<str:fmt>", attendance.AttendanceShiftListView.as_view(), name="attendance_export"),
    path("attendance/shifts/<int:pk>/", attendance.DaySheetView.as_view(), name="attendance_shift"),
    path("attendance/shifts/<int:pk>/qr.svg", attendance.ShiftQrSvgView.as_view(), name="attendance_qr_svg"),
    path("attendance/shifts/<int:pk>/qr/", attendance.ShiftQrPosterView.as_view(), name="attendance_qr_poster"),
    path("attendance/shifts/<int:pk>/day-sheet.pdf", attendance.DaySheetPdfView.as_view(), name="attendance_day_sheet_pdf"),
    path("attendance/shifts/<int:pk>/signups/<int:signup>/correct/", attendance.AttendanceCorrectView.as_view(),
         name="attendance_correct"),
    path("attendance/scan/<str:token>/", attendance.LeaderScanView.as_view(), name="leader_scan"),
    path("attendance/venues/<int:pk>/live/", attendance.VenueLiveView.as_view(), name="venue_live"),
    path("attendance/records/", attendance.ServiceRecordListView.as_view(), name="service_records"),
    path("attendance/records/export.<str:fmt>", attendance.ServiceRecordListView.as_view(), name="service_record_export"),
    # the volunteer's side (a logged-in user with a volunteer profile)
    path("checkin/<str:token>/", attendance.CheckinConfirmView.as_view(), name="checkin"),
    path("checkin-code/", attendance.MyQrView.as_view(), name="my_qr"),
    path("checkin-code/qr.svg", attendance.MyQrSvgView.as_view(), name="my_qr_svg"),
]
