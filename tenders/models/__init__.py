"""Tender domain models; import them from here (``from tenders.models import Tender``)."""

from tenders.models.clarifications import Question
from tenders.models.documents import DocumentVersion, TenderDocument
from tenders.models.interest import InterestRegistration, Notification
from tenders.models.publications import TenderPublication
from tenders.models.tender import (
    AwardCriterion,
    CancellationGround,
    ContractType,
    CriterionKind,
    EntityActivity,
    Lot,
    Procedure,
    Regime,
    ReviewBody,
    Tender,
    TenderState,
)

__all__ = [
    "AwardCriterion",
    "CancellationGround",
    "ContractType",
    "CriterionKind",
    "DocumentVersion",
    "EntityActivity",
    "InterestRegistration",
    "Lot",
    "Notification",
    "Procedure",
    "Question",
    "Regime",
    "ReviewBody",
    "Tender",
    "TenderDocument",
    "TenderPublication",
    "TenderState",
]
