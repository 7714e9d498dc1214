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
    path("forgot-account/", views.ForgotAccountView.as_view(), name="forgot_account"),
    path("forgot-password/", views.ForgotPasswordView.as_view(), name="forgot_password"),
    path("reset/<str:uidb64>/<str:token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("taipeipass/", views.TaipeiPassLoginView.as_view(), name="taipeipass_login"),
]
