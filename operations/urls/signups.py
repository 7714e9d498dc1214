from django.urls import path

from ..views import signups as views

urlpatterns: list = [
    path("recruitment/signups/", views.SignupReviewView.as_view(), name="signup_review"),
    path("recruitment/signups/export.<str:fmt>", views.SignupReviewView.as_view(), name="signup_export"),
]
