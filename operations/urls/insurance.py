from django.urls import path

from ..views import insurance as views

urlpatterns: list = [
    path("insurance/", views.PolicyListView.as_view(), name="insurance_policy_list"),
    path("insurance/export.<str:fmt>", views.PolicyListView.as_view(), name="insurance_policy_export"),
    path("insurance/new/", views.PolicyCreateView.as_view(), name="insurance_policy_create"),
    path("insurance/uninsured/", views.UninsuredView.as_view(), name="insurance_uninsured"),
    path("insurance/uninsured/export.<str:fmt>", views.UninsuredView.as_view(), name="insurance_uninsured_export"),
    path("insurance/<int:pk>/", views.PolicyDetailView.as_view(), name="insurance_policy_detail"),
    path("insurance/<int:pk>/edit/", views.PolicyEditView.as_view(), name="insurance_policy_edit"),
    path("insurance/<int:pk>/document/", views.PolicyDocumentView.as_view(), name="insurance_policy_document"),
    path("insurance/<int:pk>/insure-people/", views.CoverPeopleView.as_view(), name="insurance_cover_people"),
    path("insurance/<int:pk>/insure-team/", views.CoverNodeView.as_view(), name="insurance_cover_node"),
    path("insurance/<int:pk>/insured/", views.InsuredListView.as_view(), name="insurance_insured"),
    path("insurance/<int:pk>/insured/export.<str:fmt>", views.InsuredExportView.as_view(),
         name="insurance_insured_export"),
    path("insurance/covers/<int:pk>/end/", views.CoverEndView.as_view(), name="insurance_cover_end"),
]
