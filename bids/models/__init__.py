"""Sealed-bid domain models; import them from here (``from bids.models import Contract``)."""

from bids.models.bid import Bid, BidState
from bids.models.contract import Contract, ContractLine, ContractState
from bids.models.keys import EncryptedShare, MemberKey, OpeningKey
from bids.models.log import BidLogEntry
from bids.models.opening import OpeningSession, OpeningState, ShareHandover

__all__ = ["Contract", "ContractLine", "ContractState"]
__all__ += ["Bid", "BidLogEntry", "BidState", "EncryptedShare", "MemberKey", "OpeningKey"]
__all__ += ["OpeningSession", "OpeningState", "ShareHandover"]
from bids.models.award import (  # noqa: E402
    AwardDecision,
    AwardState,
    InformationLetter,
    ReviewRequest,
)
from bids.models.evaluation import (  # noqa: E402
    BidExclusion,
    BidResult,
    DocumentRequest,
    DocumentRequestState,
    Evaluation,
    EvaluationState,
    ExclusionGround,
    PriceMethod,
    QualityScore,
)

__all__ += ["AwardDecision", "AwardState", "InformationLetter", "ReviewRequest"]
__all__ += ["BidExclusion", "BidResult", "DocumentRequest", "DocumentRequestState"]
__all__ += ["Evaluation", "EvaluationState", "ExclusionGround", "PriceMethod", "QualityScore"]
