from django.urls import path

from ..views import volunteer_zone as views

urlpatterns: list = [
    path("", views.ZoneHomeView.as_view(), name="home"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("shifts/", views.MyShiftsView.as_view(), name="shifts"),
    path("shifts/<int:pk>/cancel/", views.CancelSignupView.as_view(), name="cancel"),
    path("calendar/<str:token>.ics", views.CalendarFeedView.as_view(), name="calendar"),
    path("calendar/renew/", views.CalendarRenewView.as_view(), name="calendar_renew"),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    path("my-data.<str:fmt>", views.MyDataView.as_view(), name="my_data"),
    path("my-data/", views.MyDataPageView.as_view(), name="my_data_page"),
    path("my-data/ask/<str:kind>/", views.PrivacyRequestCreateView.as_view(), name="privacy_request_create"),
    path("my-data/requests/<int:pk>/", views.MyPrivacyRequestView.as_view(), name="privacy_request"),
    path("delete-account/", views.DeletionView.as_view(), name="delete_account"),
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("consent/<int:campaign_id>/", views.ConsentView.as_view(), name="consent"),
    path("roster/", views.RosterUploadView.as_view(), name="roster"),
    path("roster/template.<str:fmt>", views.RosterTemplateView.as_view(), name="roster_template"),
    path("roster/<int:pk>/", views.RosterStatusView.as_view(), name="roster_status"),
]
