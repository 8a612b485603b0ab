"""Public routes of tenders: portal, feed, open data and the read-only API (no login)."""

from django.urls import include, path

from tenders.feeds import TenderFeed
from tenders.views import portal

urlpatterns = [
    path("portal/", portal.portal_list, name="portal-list"),
    path("portal/feed.atom", TenderFeed(), name="portal-feed"),
    path(
        "portal/documents/<uuid:public_id>/download",
        portal.portal_document_download,
        name="portal-document",
    ),
    path("portal/<str:reference>/", portal.portal_detail, name="portal-detail"),
    path("opendata/ocds/<str:ocid>.json", portal.opendata_ocds, name="opendata-ocds"),
    path("opendata/eforms/<str:reference>.xml", portal.opendata_eforms, name="opendata-eforms"),
    path("api/v1/", include("tenders.api.urls")),
]
