from django.urls import include, path

urlpatterns = [
    # Authority and bidder pages (officer list, drafting, approval, Q&A): tenders/officer_urls.py.
    path("", include("tenders.officer_urls")),
    # Public side (portal, Atom feed, open data, read-only API): tenders/portal_urls.py.
    path("", include("tenders.portal_urls")),
]
