"""The volunteer zone and account pages (志工專區), mounted at /volunteer/ (namespace "volunteer")."""
from django.urls import path

from .views import accounts, volunteer_zone

app_name = "volunteer"

urlpatterns = [
    # Accounts
    path("register/", accounts.RegisterView.as_view(), name="register"),
    path("register/sent/", accounts.RegisterDoneView.as_view(), name="register_done"),
    path("confirm/<str:uidb64>/<str:token>/", accounts.ConfirmEmailView.as_view(), name="confirm_email"),
    path("confirm/resend/", accounts.ResendConfirmationView.as_view(), name="confirm_resend"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("login/box/", accounts.LoginBoxView.as_view(), name="login_box"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("forgot-account/", accounts.ForgotAccountView.as_view(), name="forgot_account"),
    path("forgot-password/", accounts.ForgotPasswordView.as_view(), name="forgot_password"),
    path("reset/<str:uidb64>/<str:token>/", accounts.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", accounts.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("taipeipass/", accounts.TaipeiPassLoginView.as_view(), name="taipeipass_login"),
    # The zone
    path("", volunteer_zone.ZoneHomeView.as_view(), name="home"),
    path("profile/", volunteer_zone.ProfileView.as_view(), name="profile"),
    path("shifts/", volunteer_zone.MyShiftsView.as_view(), name="shifts"),
    path("shifts/<int:pk>/cancel/", volunteer_zone.CancelSignupView.as_view(), name="cancel"),
    path("calendar/<str:token>.ics", volunteer_zone.CalendarFeedView.as_view(), name="calendar"),
    path("calendar/renew/", volunteer_zone.CalendarRenewView.as_view(), name="calendar_renew"),
    path("preferences/", volunteer_zone.PreferencesView.as_view(), name="preferences"),
    path("my-data.<str:fmt>", volunteer_zone.MyDataView.as_view(), name="my_data"),
    path("delete-account/", volunteer_zone.DeletionView.as_view(), name="delete_account"),
    path("signup/", volunteer_zone.SignupView.as_view(), name="signup"),
    path("consent/<int:campaign_id>/", volunteer_zone.ConsentView.as_view(), name="consent"),
    path("roster/", volunteer_zone.RosterUploadView.as_view(), name="roster"),
    path("roster/template.<str:fmt>", volunteer_zone.RosterTemplateView.as_view(), name="roster_template"),
    path("roster/<int:pk>/", volunteer_zone.RosterStatusView.as_view(), name="roster_status"),
]
