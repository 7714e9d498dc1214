from django.urls import path

from ..views import certificates as views

# back-office (namespace "operations", /backoffice/)
urlpatterns: list = [
    path("certificates/", views.ApplicationListView.as_view(), name="certificate_application_list"),
    path("certificates/<int:pk>/", views.ApplicationDetailView.as_view(), name="certificate_application_detail"),
    path("certificates/<int:pk>/certificate.pdf", views.ApplicationPdfView.as_view(),
         name="certificate_application_pdf"),
    path("certificates/<int:pk>/cancel/", views.ApplicationCancelView.as_view(),
         name="certificate_application_cancel"),
    path("certificates/volunteers/<int:pk>/<str:kind>/", views.ApplicationCreateView.as_view(),
         name="certificate_application_create"),
]

# the volunteer's side (namespace "volunteer", /volunteer/)
volunteer_urlpatterns: list = [
    path("applications/", views.MyApplicationsView.as_view(), name="applications"),
    path("applications/new/<str:kind>/", views.MyApplyView.as_view(), name="application_new"),
    path("applications/<int:pk>/resubmit/", views.MyApplicationResubmitView.as_view(), name="application_resubmit"),
    path("applications/<int:pk>/certificate.pdf", views.MyCertificatePdfView.as_view(), name="my_certificate_pdf"),
    path("verify/", views.VerifyView.as_view(), name="certificate_verify"),
]
