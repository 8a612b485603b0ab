from django.urls import include, path

from bids import views

urlpatterns = [
    path("api/v1/", include("bids.api.urls")),
    path("", include("bids.evaluation_urls")),  # evaluation / award / contract
    path("bids/", views.bidder_home, name="bidder-home"),
    path("bids/tenders/<str:reference>/", views.bid_tender_page, name="bid-tender"),
    path("bids/<uuid:public_id>/receipt.json", views.bid_receipt, name="bid-receipt"),
    path("bids/<uuid:public_id>/withdraw/", views.bid_withdraw_view, name="bid-withdraw"),
    path("bids/<uuid:public_id>/document/", views.bid_document, name="bid-document"),
    path("committee/key/", views.committee_key, name="committee-key"),
    path("opening/", views.opening_list, name="opening-list"),
    path("opening/<str:reference>/", views.opening_page, name="opening"),
    path("opening/<str:reference>/action/", views.opening_action, name="opening-action"),
    path("opening/<str:reference>/record.pdf", views.opening_record, name="opening-record"),
]
