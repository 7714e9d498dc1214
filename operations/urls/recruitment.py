from django.urls import path

from ..views import recruitment as views

urlpatterns: list = [
    path("recruitment/", views.CampaignListView.as_view(), name="campaign_list"),
    path("recruitment/export.<str:fmt>", views.CampaignListView.as_view(), name="campaign_export"),
    path("recruitment/campaigns/new/", views.CampaignFormView.as_view(), name="campaign_create"),
    path("recruitment/campaigns/<int:pk>/", views.CampaignDetailView.as_view(), name="campaign_detail"),
    path("recruitment/campaigns/<int:pk>/edit/", views.CampaignFormView.as_view(), name="campaign_edit"),
    path("recruitment/campaigns/<int:pk>/positions/new/", views.PositionCreateView.as_view(),
         name="position_create"),
    path("recruitment/positions/<int:pk>/", views.PositionDetailView.as_view(), name="position_detail"),
    path("recruitment/positions/<int:pk>/export.<str:fmt>", views.PositionDetailView.as_view(),
         name="position_shift_export"),
    path("recruitment/positions/<int:pk>/generate/", views.ShiftGenerateView.as_view(), name="shift_generate"),
    path("recruitment/shifts/<int:pk>/", views.ShiftDetailView.as_view(), name="shift_detail"),
    path("recruitment/shifts/<int:pk>/match/", views.MatchView.as_view(), name="shift_match"),
    path("recruitment/fill-rates/", views.FillRateView.as_view(), name="fill_rates"),
    path("recruitment/fill-rates/export.<str:fmt>", views.FillRateExportView.as_view(), name="fill_rate_export"),
    path("recruitment/fill-rates/live/", views.FillRatePartialView.as_view(), name="fill_rates_partial"),
]
