"""Routes of the authority's pages (officers, approvers) and the bidder's small tender pages."""

from django.urls import path

from tenders.views import bidder, officer

urlpatterns = [
    path("officer/tenders/", officer.tender_list, name="officer-tenders"),
    path("officer/tenders/new/", officer.tender_create, name="officer-tender-create"),
    path("officer/tenders/<int:pk>/", officer.tender_detail, name="officer-tender-detail"),
    path("officer/tenders/<int:pk>/edit/", officer.tender_edit, name="officer-tender-edit"),
    path("officer/tenders/<int:pk>/lots/new/", officer.lot_edit, name="officer-lot-add"),
    path("officer/tenders/<int:pk>/lots/<int:lot_id>/", officer.lot_edit, name="officer-lot-edit"),
    path("officer/tenders/<int:pk>/criteria/", officer.criteria_edit, name="officer-criteria"),
    path("officer/tenders/<int:pk>/committee/", officer.committee_edit, name="officer-committee"),
    path(
        "officer/tenders/<int:pk>/documents/new/",
        officer.document_upload,
        name="officer-document-add",
    ),
    path(
        "officer/tenders/<int:pk>/documents/<int:document_id>/versions/new/",
        officer.document_upload,
        name="officer-document-version",
    ),
    path(
        "officer/documents/<uuid:public_id>/download",
        officer.document_download,
        name="officer-document-download",
    ),
    path(
        "officer/tenders/<int:pk>/questions/<int:question_id>/answer/",
        officer.question_answer,
        name="officer-question-answer",
    ),
    path(
        "officer/tenders/<int:pk>/<slug:action>/",
        officer.tender_transition,
        name="officer-tender-transition",
    ),
    path("bidder/tenders/<int:pk>/", bidder.tender_page, name="bidder-tender"),
    path("bidder/tenders/<int:pk>/interest/", bidder.register_interest, name="bidder-interest"),
    path("bidder/tenders/<int:pk>/questions/", bidder.ask_question, name="bidder-question"),
    path("inbox/", bidder.inbox, name="tender-inbox"),
    path("inbox/<int:notification_id>/read/", bidder.inbox_read, name="tender-inbox-read"),
]
