"""EU thresholds (GWB §106) in force from 2026-01-01 and the regime they decide."""

from dataclasses import dataclass
from decimal import Decimal

# The Commission's biennial revision in force from 2026-01-01 (amounts in EUR, net of VAT);
# GWB §106 Abs. 2 refers to the directives' thresholds as amended, so only this table changes.
WORKS_AND_CONCESSIONS = Decimal("5404000")
SUPPLIES_SERVICES = Decimal("216000")
SUPPLIES_SERVICES_CENTRAL = Decimal("140000")
SUPPLIES_SERVICES_SECTOR = Decimal("432000")

EU = "eu"
NATIONAL = "national"


@dataclass(frozen=True)
class ThresholdDecision:
    regime: str
    threshold: Decimal
    citation: str

    @property
    def is_eu(self) -> bool:
        return self.regime == EU


def applicable_threshold(
    *, contract_type: str, authority_type: str, is_concession: bool = False
) -> tuple[Decimal, str]:
    """The threshold that counts for this kind of contract and authority, with its source."""
    if is_concession:
        return WORKS_AND_CONCESSIONS, "GWB §106 Abs. 2 Nr. 4 (Richtlinie 2014/23/EU Art. 8)"
    if contract_type == "works":
        return WORKS_AND_CONCESSIONS, "GWB §106 Abs. 2 Nr. 1 (Richtlinie 2014/24/EU Art. 4 a)"
    if authority_type == "sector":
        return SUPPLIES_SERVICES_SECTOR, "GWB §106 Abs. 2 Nr. 2 (Richtlinie 2014/25/EU Art. 15 a)"
    if authority_type == "central":
        return SUPPLIES_SERVICES_CENTRAL, "GWB §106 Abs. 2 Nr. 1 (Richtlinie 2014/24/EU Art. 4 b)"
    return SUPPLIES_SERVICES, "GWB §106 Abs. 2 Nr. 1 (Richtlinie 2014/24/EU Art. 4 c)"


def decide_regime(
    *,
    estimated_value: Decimal,
    contract_type: str,
    authority_type: str,
    is_concession: bool = False,
) -> ThresholdDecision:
    """EU rules apply when the estimated net value reaches or exceeds the threshold (GWB §106)."""
    if not isinstance(estimated_value, Decimal):
        raise TypeError("estimated_value must be a Decimal")
    threshold, citation = applicable_threshold(
        contract_type=contract_type, authority_type=authority_type, is_concession=is_concession
    )
    regime = EU if estimated_value >= threshold else NATIONAL
    return ThresholdDecision(regime=regime, threshold=threshold, citation=citation)
