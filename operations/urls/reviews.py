from django.urls import path

from ..views import reviews as views

# back-office (namespace "operations", /backoffice/)
urlpatterns: list = [
    path("reviews/", views.ReviewQueueView.as_view(), name="review_queue"),
    path("reviews/all/", views.ReviewListView.as_view(), name="review_list"),
    path("reviews/<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
]
