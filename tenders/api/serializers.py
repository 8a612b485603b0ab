"""Public, read-only shapes of published tenders. Nothing private is ever a field here:
no officer, no asker, no unanswered question, no storage path."""

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tenders.models import AwardCriterion, DocumentVersion, Lot, Question, Tender
from tenders.portal_selectors import public_question_text, tender_public_state


def _absolute(request: Any, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


class AuthorityOut(serializers.Serializer):
    name = serializers.CharField()
    country = serializers.CharField()
    city = serializers.CharField()
    nuts = serializers.CharField()


class CriterionOut(serializers.ModelSerializer):
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)

    class Meta:
        model = AwardCriterion
        fields = ["kind", "name", "description", "weight"]


class LotOut(serializers.ModelSerializer):
    estimated_value = serializers.DecimalField(max_digits=18, decimal_places=2)
    criteria = serializers.SerializerMethodField()

    class Meta:
        model = Lot
        fields = ["number", "title", "description", "cpv_main", "estimated_value", "criteria"]

    @extend_schema_field(CriterionOut(many=True))
    def get_criteria(self, lot: Lot) -> list[dict[str, Any]]:
        # Filtered in Python from the prefetched tender criteria: no query per lot.
        criteria = self.context.get("criteria_by_lot", {}).get(lot.pk, [])
        return CriterionOut(criteria, many=True).data


class DocumentOut(serializers.ModelSerializer):
    """One version of a tender document, downloadable by anyone (VgV §41)."""

    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField(source="document.title")
    lot = serializers.SerializerMethodField()
    version = serializers.IntegerField(source="number")
    file_name = serializers.CharField(source="original_name")
    download_url = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField()

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "title",
            "lot",
            "version",
            "current",
            "file_name",
            "content_type",
            "size",
            "sha256",
            "change_note",
            "substantial",
            "uploaded_at",
            "download_url",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_lot(self, version: DocumentVersion) -> int | None:
        lot = version.document.lot
        return lot.number if lot is not None else None

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, version: DocumentVersion) -> str:
        return _absolute(
            self.context.get("request"), reverse("portal-document", args=[version.public_id])
        )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_current(self, version: DocumentVersion) -> bool:
        return bool(getattr(version, "is_current", True))


class AnswerOut(serializers.ModelSerializer):
    """A published clarification: the question as published and the answer, never the asker."""

    question = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["question", "answer", "answered_at"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_question(self, question: Question) -> str:
        return public_question_text(question)


class TenderListOut(serializers.ModelSerializer):
    ocid = serializers.CharField(read_only=True)
    status = serializers.SerializerMethodField()
    authority = AuthorityOut()
    cpv_additional = serializers.ListField(child=serializers.CharField())
    estimated_value = serializers.DecimalField(max_digits=18, decimal_places=2)
    url = serializers.SerializerMethodField()
    portal_url = serializers.SerializerMethodField()

    class Meta:
        model = Tender
        fields = [
            "reference",
            "ocid",
            "title",
            "status",
            "authority",
            "cpv_main",
            "cpv_additional",
            "nuts",
            "contract_type",
            "procedure",
            "regime",
            "estimated_value",
            "currency",
            "questions_deadline",
            "submission_deadline",
            "published_at",
            "url",
            "portal_url",
        ]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=["published", "closed", "awarded", "concluded", "cancelled", "suspended"]
        )
    )
    def get_status(self, tender: Tender) -> str:
        return str(tender_public_state(tender))

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, tender: Tender) -> str:
        return _absolute(
            self.context.get("request"), reverse("api-tender-detail", args=[tender.reference])
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_portal_url(self, tender: Tender) -> str:
        return _absolute(
            self.context.get("request"), reverse("portal-detail", args=[tender.reference])
        )


class OpenDataOut(serializers.Serializer):
    ocds_url = serializers.URLField(allow_null=True)
    eforms_url = serializers.URLField(allow_null=True)


class TenderDetailOut(TenderListOut):
    lots = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    open_data = serializers.SerializerMethodField()
    ocds_release = serializers.SerializerMethodField()

    class Meta(TenderListOut.Meta):
        fields = [
            *TenderListOut.Meta.fields,
            "description",
            "language",
            "is_concession",
            "duration_months",
            "participation_deadline",
            "opening_at",
            "lots",
            "criteria",
            "documents",
            "answers",
            "open_data",
            "ocds_release",
        ]

    @extend_schema_field(LotOut(many=True))
    def get_lots(self, tender: Tender) -> list[dict[str, Any]]:
        return LotOut(tender.lots.all(), many=True, context=self.context).data

    @extend_schema_field(CriterionOut(many=True))
    def get_criteria(self, tender: Tender) -> list[dict[str, Any]]:
        return CriterionOut(self.context.get("criteria_by_lot", {}).get(None, []), many=True).data

    @extend_schema_field(DocumentOut(many=True))
    def get_documents(self, tender: Tender) -> list[dict[str, Any]]:
        return DocumentOut(self.context.get("documents", []), many=True, context=self.context).data

    @extend_schema_field(AnswerOut(many=True))
    def get_answers(self, tender: Tender) -> list[dict[str, Any]]:
        return AnswerOut(self.context.get("answers", []), many=True).data

    @extend_schema_field(OpenDataOut)
    def get_open_data(self, tender: Tender) -> dict[str, Any]:
        request = self.context.get("request")
        kinds = self.context.get("publication_kinds", set())
        return {
            "ocds_url": _absolute(request, reverse("opendata-ocds", args=[tender.ocid]))
            if "ocds" in kinds
            else None,
            "eforms_url": _absolute(request, reverse("opendata-eforms", args=[tender.reference]))
            if "eforms" in kinds
            else None,
        }

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_ocds_release(self, tender: Tender) -> dict[str, Any] | None:
        """The newest OCDS release (tender stage) as published; null when none exists."""
        return self.context.get("ocds_release")
