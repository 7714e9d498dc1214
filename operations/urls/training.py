from django.urls import path

from ..views import training as views

# back-office (namespace "operations", /backoffice/)
urlpatterns: list = [
    path("training/", views.CourseListView.as_view(), name="course_list"),
    path("training/export.<str:fmt>", views.CourseListView.as_view(), name="course_export"),
    path("training/courses/new/", views.CourseCreateView.as_view(), name="course_create"),
    path("training/courses/<int:pk>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("training/courses/<int:pk>/edit/", views.CourseEditView.as_view(), name="course_edit"),
    path("training/courses/<int:pk>/sessions/new/", views.SessionCreateView.as_view(), name="session_create"),
    path("training/sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session_detail"),
    path("training/sessions/<int:pk>/edit/", views.SessionEditView.as_view(), name="session_edit"),
    path("training/sessions/<int:pk>/enrol/", views.SessionEnrolView.as_view(), name="session_enrol"),
    path("training/sessions/<int:pk>/sheet.pdf", views.SessionSheetPdfView.as_view(), name="session_sheet_pdf"),
    path("training/sessions/<int:pk>/qr.svg", views.SessionQrSvgView.as_view(), name="session_qr_svg"),
    path("training/sessions/<int:pk>/attendance/", views.SessionAttendanceView.as_view(), name="session_attendance"),
    path("training/sessions/<int:pk>/complete/", views.SessionCompleteView.as_view(), name="session_complete"),
    path("training/enrolments/<int:pk>/cancel/", views.EnrolmentCancelView.as_view(), name="enrolment_cancel"),
    path("training/certificates/", views.CertificateListView.as_view(), name="certificate_list"),
    path("training/certificates/export.<str:fmt>", views.CertificateListView.as_view(), name="certificate_export"),
    path("training/certificates/import/", views.CertificateImportView.as_view(), name="certificate_import"),
    path("training/certificates/imports/<int:pk>/", views.CertificateImportStatusView.as_view(),
         name="certificate_import_status"),
    path("training/certificates/template.<str:fmt>", views.CertificateTemplateView.as_view(),
         name="certificate_template"),
    path("training/certificates/<int:pk>/pdf/", views.CertificatePdfView.as_view(), name="certificate_pdf"),
    path("training/volunteers/<int:pk>/", views.VolunteerTrainingView.as_view(), name="volunteer_training"),
    path("training/volunteers/<int:pk>/certificates/new/", views.CertificateCreateView.as_view(),
         name="certificate_create"),
    path("training/gaps/", views.GapListView.as_view(), name="training_gaps"),
    path("training/gaps/export.<str:fmt>", views.GapListView.as_view(), name="training_gap_export"),
    path("training/campaigns/<int:pk>/requirement/", views.CampaignRequirementView.as_view(),
         name="campaign_training_requirement"),
    path("training/positions/<int:pk>/requirement/", views.PositionRequirementView.as_view(),
         name="position_training_requirement"),
]

# the volunteer's side (namespace "volunteer", /volunteer/)
volunteer_urlpatterns: list = [
    path("training/", views.MyTrainingView.as_view(), name="training"),
    path("training/certificates/<int:pk>.pdf", views.MyCertificatePdfView.as_view(), name="training_certificate"),
    path("training/courses/", views.PublicSessionListView.as_view(), name="training_sessions"),
    path("training/courses/<int:pk>/", views.PublicSessionDetailView.as_view(), name="training_session"),
    path("training/courses/<int:pk>/enrol/", views.EnrolView.as_view(), name="training_enrol"),
    path("training/checkin/<str:token>/", views.TrainingCheckinView.as_view(), name="training_checkin"),
    path("training/enrolments/<int:pk>/cancel/", views.MyEnrolmentCancelView.as_view(), name="training_cancel"),
]
