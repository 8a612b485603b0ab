"""Sealed-bid domain models; import them from here (``from bids.models import Contract``)."""

from bids.models.bid import Bid, BidState
from bids.models.contract import Contract, ContractLine, ContractState
from bids.models.keys import EncryptedShare, MemberKey, OpeningKey
from bids.models.log import BidLogEntry
from bids.models.opening import OpeningSession, OpeningState, ShareHandover

__all__ = ["Contract", "ContractLine", "ContractState"]
__all__ += ["Bid", "BidLogEntry", "BidState", "EncryptedShare", "MemberKey", "OpeningKey"]
__all__ += ["OpeningSession", "OpeningState", "ShareHandover"]
