from django.urls import path

from ..views import awards as views

# back-office (namespace "operations", /backoffice/)
urlpatterns: list = [
    path("awards/", views.SchemeListView.as_view(), name="award_schemes"),
    path("awards/levels/<int:pk>/", views.EligibleListView.as_view(), name="award_eligible"),
    path("awards/levels/<int:pk>/export.<str:fmt>", views.EligibleListView.as_view(), name="award_eligible_export"),
    path("awards/levels/<int:pk>/nominate/<int:volunteer>/", views.NominateView.as_view(), name="award_nominate"),
    path("awards/levels/<int:pk>/received/<int:volunteer>/", views.ReceiptView.as_view(), name="award_receipt"),
    path("awards/nominations/", views.NominationListView.as_view(), name="award_nominations"),
    path("awards/nominations/<int:pk>/", views.NominationDetailView.as_view(), name="award_nomination_detail"),
    path("awards/nominations/export.<str:fmt>", views.NominationListView.as_view(), name="award_nomination_export"),
    path("awards/wmg/", views.RecognitionView.as_view(), name="award_recognitions"),
    path("awards/wmg/export.<str:fmt>", views.RecognitionView.as_view(), name="award_recognition_export"),
]
