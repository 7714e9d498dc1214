from django.urls import path

from ..views import accounts as views

urlpatterns: list = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("register/sent/", views.RegisterDoneView.as_view(), name="register_done"),
    path("confirm/<str:uidb64>/<str:token>/", views.ConfirmEmailView.as_view(), name="confirm_email"),
    path("confirm/resend/", views.ResendConfirmationView.as_view(), name="confirm_resend"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/box/", views.LoginBoxView.as_view(), name="login_box"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("account/", views.AccountHomeView.as_view(), name="account_home"),
    path("forgot-account/", views.ForgotAccountView.as_view(), name="forgot_account"),
    path("forgot-password/", views.ForgotPasswordView.as_view(), name="forgot_password"),
    path("reset/<str:uidb64>/<str:token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("taipeipass/", views.TaipeiPassLoginView.as_view(), name="taipeipass_login"),
]

# 系統管理 › 帳號 (back-office namespace, added by urls/backoffice.py)
backoffice_urlpatterns: list = [
    path("system/accounts/", views.StaffAccountListView.as_view(), name="staff_account_list"),
    path("system/accounts/new/", views.StaffAccountCreateView.as_view(), name="staff_account_create"),
    path("system/accounts/<int:pk>/", views.StaffAccountDetailView.as_view(), name="staff_account_detail"),
    path("system/accounts/<int:pk>/action/", views.StaffAccountActionView.as_view(), name="staff_account_action"),
]
