from django.urls import path

from bids import evaluation_views as views

urlpatterns = [
    path("evaluation/<str:reference>/", views.evaluation_page, name="evaluation"),
    path("evaluation/<str:reference>/action/", views.evaluation_action, name="evaluation-action"),
    path(
        "evaluation/requests/<uuid:public_id>/response/",
        views.request_response,
        name="evaluation-request-response",
    ),
    path("bids/award/", views.bidder_award_inbox, name="bidder-award-inbox"),
    path(
        "bids/award/letters/<uuid:public_id>/",
        views.bidder_award_letter,
        name="bidder-award-letter",
    ),
    path(
        "bids/award/requests/<uuid:public_id>/",
        views.bidder_document_request,
        name="bidder-document-request",
    ),
]
