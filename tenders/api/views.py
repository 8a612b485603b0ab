"""The public, read-only tender API (/api/v1/tenders/): published data only, no login."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from procurement.core.errors import ValidationFailedError
from tenders.api.serializers import AnswerOut, DocumentOut, TenderDetailOut, TenderListOut
from tenders.models import ContractType, Procedure, Regime, Tender
from tenders.portal_forms import PortalSearchForm
from tenders.portal_selectors import (
    PortalNotFoundError,
    tender_ocds_latest_release,
    tender_portal_list,
    tender_public_answers,
    tender_public_detail,
)

FILTER_PARAMETERS = [
    OpenApiParameter(
        "q",
        OpenApiTypes.STR,
        description="Words that must all occur in title, description, reference or authority.",
    ),
    OpenApiParameter(
        "cpv",
        OpenApiTypes.STR,
        description="CPV code or prefix (2-8 digits): 4521 matches every 4521xxxx code, "
        "main, additional or a lot's.",
    ),
    OpenApiParameter(
        "deadline_from",
        OpenApiTypes.DATE,
        description="Submission deadline on or after this day (Europe/Berlin).",
    ),
    OpenApiParameter(
        "deadline_to",
        OpenApiTypes.DATE,
        description="Submission deadline on or before this day (Europe/Berlin).",
    ),
    OpenApiParameter("contract_type", OpenApiTypes.STR, enum=ContractType.values),
    OpenApiParameter("procedure", OpenApiTypes.STR, enum=Procedure.values),
    OpenApiParameter("regime", OpenApiTypes.STR, enum=Regime.values),
    OpenApiParameter(
        "open_only",
        OpenApiTypes.BOOL,
        description="Only tenders whose submission deadline has not passed.",
    ),
]


class PublicTenderPagination(LimitOffsetPagination):
    default_limit = 50
    # Anyone may call this API: one request must not be able to ask for every tender at once.
    max_limit = 200


class PublicApiMixin:
    # Public data: no authentication (a stale token must not turn a public read into a 401).
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]


def _detail_or_404(reference: str):
    try:
        return tender_public_detail(reference=reference)
    except PortalNotFoundError as error:
        raise NotFound(error.message) from error


class TenderListApi(PublicApiMixin, ListAPIView):
    serializer_class = TenderListOut
    pagination_class = PublicTenderPagination

    def get_queryset(self):
        form = PortalSearchForm(self.request.query_params or None)
        if form.is_bound and not form.is_valid():
            first_field, messages = next(iter(form.errors.items()))
            raise ValidationFailedError(
                str(messages[0]), field=None if first_field == "__all__" else first_field
            )
        return tender_portal_list(query=form.to_query() if form.is_bound else None)

    @extend_schema(
        summary="Published tenders", parameters=FILTER_PARAMETERS, tags=["public tenders"]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class TenderDetailApi(PublicApiMixin, GenericAPIView):
    serializer_class = TenderDetailOut
    queryset = Tender.objects.none()

    @extend_schema(
        summary="One published tender with lots, criteria, documents and answers",
        tags=["public tenders"],
    )
    def get(self, request: Request, reference: str) -> Response:
        detail = _detail_or_404(reference)
        context = {
            "request": request,
            "criteria_by_lot": detail.criteria_by_lot,
            "documents": detail.all_versions,
            "answers": detail.answers,
            "publication_kinds": detail.publication_kinds,
            "ocds_release": tender_ocds_latest_release(tender=detail.tender),
        }
        return Response(TenderDetailOut(detail.tender, context=context).data)


class TenderDocumentsApi(PublicApiMixin, GenericAPIView):
    serializer_class = DocumentOut
    queryset = Tender.objects.none()
    pagination_class = None

    @extend_schema(
        summary="Every version of every document of a published tender",
        responses=DocumentOut(many=True),
        tags=["public tenders"],
    )
    def get(self, request: Request, reference: str) -> Response:
        detail = _detail_or_404(reference)
        return Response(
            DocumentOut(detail.all_versions, many=True, context={"request": request}).data
        )


class TenderAnswersApi(PublicApiMixin, GenericAPIView):
    serializer_class = AnswerOut
    queryset = Tender.objects.none()
    pagination_class = None

    @extend_schema(
        summary="Published answers to clarification questions (no asker identity)",
        responses=AnswerOut(many=True),
        tags=["public tenders"],
    )
    def get(self, request: Request, reference: str) -> Response:
        detail = _detail_or_404(reference)
        return Response(AnswerOut(tender_public_answers(tender=detail.tender), many=True).data)
