"""Public routes of tenders: portal, feed, open data and the read-only API (no login)."""

from django.middleware.http import ConditionalGetMiddleware
from django.urls import include, path
from django.utils.decorators import decorator_from_middleware

from tenders.feeds import TenderFeed
from tenders.views import portal

# Feed readers and open-data harvesters poll: an ETag (hash of the body) lets them ask "changed?"
# and get a 304 without the body. Derived from the content, so it can never go stale; the HTML
# pages carry a per-request CSRF token and would never match, so they do not get one.
conditional = decorator_from_middleware(ConditionalGetMiddleware)

urlpatterns = [
    path("portal/", portal.portal_list, name="portal-list"),
    path("portal/feed.atom", conditional(TenderFeed()), name="portal-feed"),
    path(
        "portal/documents/<uuid:public_id>/download",
        portal.portal_document_download,
        name="portal-document",
    ),
    path("portal/<str:reference>/", portal.portal_detail, name="portal-detail"),
    path("opendata/ocds/<str:ocid>.json", conditional(portal.opendata_ocds), name="opendata-ocds"),
    path("opendata/eforms/<str:reference>.xml", portal.opendata_eforms, name="opendata-eforms"),
    path("api/v1/", include("tenders.api.urls")),
]
