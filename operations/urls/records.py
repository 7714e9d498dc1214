from django.urls import path

from ..views import records as views

# back-office (namespace "operations", /backoffice/)
urlpatterns: list = [
    path("records/", views.RecordBookListView.as_view(), name="record_book_list"),
    path("records/books/<int:pk>/", views.RecordBookDetailView.as_view(), name="record_book_detail"),
    path("records/batches/", views.BatchListView.as_view(), name="record_book_batch_list"),
    path("records/batches/new/", views.BatchCreateView.as_view(), name="record_book_batch_create"),
    path("records/batches/<int:pk>/", views.BatchDetailView.as_view(), name="record_book_batch_detail"),
    path("records/service-ids/", views.ServiceIdListView.as_view(), name="service_id_list"),
    path("records/service-ids/<int:pk>/card.pdf", views.ServiceIdPdfView.as_view(), name="service_id_pdf"),
    path("records/service-ids/<int:pk>/cancel/", views.ServiceIdCancelView.as_view(), name="service_id_cancel"),
    path("records/volunteers/<int:pk>/service-id/", views.ServiceIdCreateView.as_view(), name="service_id_create"),
]

# the volunteer's side (namespace "volunteer", /volunteer/)
volunteer_urlpatterns: list = [
    path("photo/", views.MyPhotoView.as_view(), name="photo"),
    path("service-ids/<int:pk>.pdf", views.MyServiceIdPdfView.as_view(), name="service_id_pdf"),
]
