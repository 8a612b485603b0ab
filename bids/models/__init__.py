"""Sealed-bid domain models; import them from here (``from bids.models import Contract``)."""

from bids.models.contract import Contract, ContractLine, ContractState

__all__ = ["Contract", "ContractLine", "ContractState"]
