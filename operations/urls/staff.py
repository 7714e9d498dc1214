from django.urls import path

from ..views import staff as views

urlpatterns: list = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("login/verify/", views.SecondFactorView.as_view(), name="login_verify"),
    path("login/set-up/", views.EnrolView.as_view(), name="login_enrol"),
    path("login/forgot-password/", views.StaffForgotPasswordView.as_view(), name="password_reset"),
    path("login/reset/<str:uidb64>/<str:token>/", views.StaffPasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("login/reset/done/", views.StaffPasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("profile/recovery-codes/renew/", views.RecoveryCodesRenewView.as_view(), name="recovery_codes_renew"),
]
