from django.urls import include, path

urlpatterns = [
    # Public side (portal, Atom feed, open data, read-only API): tenders/portal_urls.py.
    path("", include("tenders.portal_urls")),
]
