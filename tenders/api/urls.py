from django.urls import path

from tenders.api import views

urlpatterns = [
    path("tenders/", views.TenderListApi.as_view(), name="api-tender-list"),
    path("tenders/<str:reference>/", views.TenderDetailApi.as_view(), name="api-tender-detail"),
    path(
        "tenders/<str:reference>/documents/",
        views.TenderDocumentsApi.as_view(),
        name="api-tender-documents",
    ),
    path(
        "tenders/<str:reference>/answers/",
        views.TenderAnswersApi.as_view(),
        name="api-tender-answers",
    ),
]
