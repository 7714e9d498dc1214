from django.urls import path

from ..views import api_tokens as views

urlpatterns: list = [
    path("profile/api-tokens/", views.ApiTokenListView.as_view(), name="api_token_list"),
    path("profile/api-tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="api_token_revoke"),
]
