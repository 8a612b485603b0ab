"""The submission and opening API of docs/envelope.md, section 8. Views parse, authorise and
delegate; the services hold the rules. Uploads are read from the request stream, never from
``request.body``/``request.data``, so a bid of any size costs one block of memory."""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bids.crypto import MEDIA_TYPE, log_export
from bids.errors import BidError, BidForbiddenError, BidNotFoundError
from bids.selectors import (
    may_see_bid_log,
    opening_key_of,
    opening_session_of,
    share_of_member,
)
from bids.services.keys import member_key_register, service_signing_key
from bids.services.log import log_entries
from bids.services.opening import share_handover
from bids.services.submission import bid_submit, bid_upload_receive, bid_withdraw
from procurement.core.uploads import declared_length
from tenders.models import Tender

MAX_SHARE_BYTES = 64 * 1024


class UnreadBodyParser(BaseParser):
    """Leaves the body unread. DRF parses ``request.data`` as soon as anything (its CSRF check
    included) touches it; the upload view reads the stream itself, block by block."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> dict:
        return {}


class SmallRawBodyParser(BaseParser):
    """The body as bytes, for the small key and share requests (any content type)."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> bytes:
        if stream is None:
            return b""
        data = stream.read(MAX_SHARE_BYTES + 1)
        if len(data) > MAX_SHARE_BYTES:
            raise BidError(_("The request body is too large."))
        return data


def _json(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="application/json")


def _tender(reference: str) -> Tender:
    return get_object_or_404(Tender.objects.select_related("authority"), reference=reference)


def _small_body(request: Request) -> bytes:
    data = request.data
    return data if isinstance(data, bytes) else b""


class OpeningKeyApi(APIView):
    """The tender's opening public key (bidders seal their bids to it)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="bids_openingkey_get",
        description=(
            "The tender's opening public key (hybrid X25519 + ML-KEM-768, docs/envelope.md §1)."
        ),
        request=None,
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        tags=["bids"],
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        tender = _tender(reference)
        key = opening_key_of(tender=tender)
        if key is None or tender.published_at is None:
            raise BidNotFoundError(_("Tender %(ref)s has no opening key.") % {"ref": reference})
        return _json(key.public_key)


class ServiceKeyApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="bids_servicekey_get",
        description="The service's receipt verification key (Ed25519 + ML-DSA-65).",
        request=None,
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        tags=["bids"],
    )
    def get(self, request: Request) -> HttpResponse:
        return _json(service_signing_key().verify_key.to_json())


class BidSubmitApi(APIView):
    parser_classes = [UnreadBodyParser]

    @extend_schema(
        operation_id="bids_bidsubmit_post",
        description=(
            "Submit a sealed bid: body = envelope "
            "(application/vnd.zuschlag.envelope.v1), streamed; 201 = signed receipt."
        ),
        request={MEDIA_TYPE: OpenApiTypes.BINARY},
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        tags=["bids"],
    )
    def post(self, request: Request, reference: str, lot: int) -> HttpResponse:
        raw = request._request
        tender, upload = bid_upload_receive(
            tender_reference=reference,
            lot_number=lot,
            actor=request.user,
            stream=raw,
            content_type=raw.META.get("CONTENT_TYPE", ""),
            content_length=declared_length(raw),
        )
        organisation = request.query_params.get("organisation")
        bid = bid_submit(
            tender_id=tender.pk,
            lot_number=lot,
            actor=request.user,
            upload=upload,
            organisation_id=int(organisation) if organisation else None,
        )
        response = _json(bid.receipt, status=201)
        response["Location"] = f"/api/v1/tenders/{reference}/lots/{lot}/bids/{bid.public_id}"
        return response


class BidWithdrawApi(APIView):
    @extend_schema(
        operation_id="bids_bidwithdraw_delete",
        description="Withdraw a bid before the deadline; 200 = signed withdrawal receipt.",
        request=None,
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        tags=["bids"],
    )
    def delete(self, request: Request, reference: str, lot: int, bid: str) -> HttpResponse:
        withdrawn = bid_withdraw(
            tender_reference=reference, lot_number=lot, bid_public_id=bid, actor=request.user
        )
        return _json(withdrawn.withdrawal_receipt)


class BidLogApi(APIView):
    @extend_schema(
        operation_id="bids_bidlog_get",
        description="The tender's hash-chained bid log (staff, and bidders of this tender).",
        request=None,
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        tags=["bids"],
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        tender = _tender(reference)
        if not may_see_bid_log(tender=tender, user=request.user):
            raise BidForbiddenError(
                _(
                    "The bid log is shown to the authority, and to bidders of this tender once "
                    "the opening has started (until then it would reveal who is bidding)."
                )
            )
        response = _json(log_export(tender=tender.reference, entries=log_entries(tender=tender)))
        response["Content-Disposition"] = f'attachment; filename="{reference}-bid-log.json"'
        return response


class CheckpointApi(APIView):
    @extend_schema(
        operation_id="bids_checkpoint_get",
        description=(
            "The signed log checkpoint taken when the opening started (head and entry count "
            "printed in the record): with the log it proves a receipt's bid was in the opening."
        ),
        request=None,
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        tags=["bids"],
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        tender = _tender(reference)
        session = opening_session_of(tender=tender)
        if session is None or not may_see_bid_log(tender=tender, user=request.user):
            raise BidForbiddenError(
                _("The checkpoint exists once the opening has started, for staff and bidders.")
            )
        response = _json(session.checkpoint)
        response["Content-Disposition"] = f'attachment; filename="{reference}-checkpoint.json"'
        return response


class MemberKeyApi(APIView):
    parser_classes = [SmallRawBodyParser]

    @extend_schema(
        operation_id="bids_memberkey_post",
        description=(
            "Register the committee member's public key (JSON); the private key never arrives."
        ),
        request=OpenApiTypes.OBJECT,
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        tags=["bids"],
    )
    def post(self, request: Request) -> Response:
        key = member_key_register(user=request.user, public_key_json=_small_body(request))
        return Response({"kid": key.kid}, status=201)


class MyShareApi(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The page asks for the envelope media type; errors still go out as JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="bids_myshare_get",
        description=(
            "The requesting member's sealed share of the opening key (after the opening started)."
        ),
        request=None,
        responses={(200, "application/json"): OpenApiTypes.BINARY},
        tags=["bids"],
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        tender = _tender(reference)
        share = share_of_member(tender=tender, user=request.user)
        if share is None:
            raise BidForbiddenError(_("No share of this tender's opening key is sealed to you."))
        if opening_session_of(tender=tender) is None:
            raise BidForbiddenError(
                _("Shares are given out once the opening has started, after the deadline.")
            )
        return HttpResponse(bytes(share.envelope), content_type=MEDIA_TYPE)


class SessionKeyApi(APIView):
    @extend_schema(
        operation_id="bids_sessionkey_get",
        description="This opening's session public key (shares are sealed to it).",
        request=None,
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        tags=["bids"],
    )
    def get(self, request: Request, reference: str) -> HttpResponse:
        tender = _tender(reference)
        session = opening_session_of(tender=tender)
        if session is None or not session.session_private_key:
            raise BidNotFoundError(_("No opening of %(ref)s is running.") % {"ref": reference})
        return _json(session.session_public_key)


class ShareHandoverApi(APIView):
    parser_classes = [SmallRawBodyParser]

    @extend_schema(
        operation_id="bids_sharehandover_post",
        description=(
            "Hand over a decrypted share (JSON) or one sealed to the session key (envelope)."
        ),
        request=OpenApiTypes.BINARY,
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        tags=["bids"],
    )
    def post(self, request: Request, reference: str) -> Response:
        tender = _tender(reference)
        result: dict[str, Any] = share_handover(
            tender_id=tender.pk, actor=request.user, body=_small_body(request)
        )
        if result["problem"]:
            return Response(
                {
                    "code": "shares_wrong",
                    "detail": result["problem"],
                    "present": result["present"],
                    "needed": result["needed"],
                },
                status=409,
            )
        return Response({k: result[k] for k in ("present", "needed", "detail")})
