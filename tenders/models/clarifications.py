"""Clarification questions (Bieterfragen): asked privately, answered publicly without the asker."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionQuerySet(models.QuerySet):
    def answered(self) -> "QuestionQuerySet":
        return self.filter(answered_at__isnull=False)


class Question(models.Model):
    tender = models.ForeignKey("tenders.Tender", on_delete=models.CASCADE, related_name="questions")
    # The asker stays private: only the authority's officers ever see these two fields.
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asker_organisation = models.ForeignKey(
        "procurement.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("question"))
    asked_at = models.DateTimeField(auto_now_add=True)
    # What is published: the officer may rephrase the question so it reveals no identity.
    public_text = models.TextField(_("question as published"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["tender", "asked_at", "pk"]

    def __str__(self) -> str:
        return f"Q{self.pk} on {self.tender_id}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
