from django.urls import path

from bids.api import views

urlpatterns = [
    path("service-key", views.ServiceKeyApi.as_view(), name="bids-api-service-key"),
    path("committee/member-key", views.MemberKeyApi.as_view(), name="bids-api-member-key"),
    path(
        "tenders/<str:reference>/opening-key",
        views.OpeningKeyApi.as_view(),
        name="bids-api-opening-key",
    ),
    path(
        "tenders/<str:reference>/lots/<int:lot>/bids",
        views.BidSubmitApi.as_view(),
        name="bids-api-submit",
    ),
    path(
        "tenders/<str:reference>/lots/<int:lot>/bids/<uuid:bid>",
        views.BidWithdrawApi.as_view(),
        name="bids-api-withdraw",
    ),
    path("tenders/<str:reference>/bid-log", views.BidLogApi.as_view(), name="bids-api-log"),
    path(
        "tenders/<str:reference>/opening/checkpoint",
        views.CheckpointApi.as_view(),
        name="bids-api-checkpoint",
    ),
    path(
        "tenders/<str:reference>/opening/my-share",
        views.MyShareApi.as_view(),
        name="bids-api-my-share",
    ),
    path(
        "tenders/<str:reference>/opening/session-key",
        views.SessionKeyApi.as_view(),
        name="bids-api-session-key",
    ),
    path(
        "tenders/<str:reference>/opening/shares",
        views.ShareHandoverApi.as_view(),
        name="bids-api-shares",
    ),
]
