"""Creating a concluded bids.Contract for tests from the fields agreed in TEAM.md."""

from __future__ import annotations

from datetime import date
from typing import Any


def concluded_contract(Contract: Any, *, lines=(), **fields: Any) -> Any:
    from tenders.models import TenderState
    from tests.tenders.portal_factories import make_tender

    tender = make_tender(authority=fields["authority"], state=TenderState.CONCLUDED)
    # ``state`` is a protected FSM field: it can only be given when the row is built.
    contract = Contract.objects.create(
        tender=tender,
        state="concluded",
        starts_on=date(2026, 1, 1),
        ends_on=date(2027, 12, 31),
        **fields,
    )
    for line in lines:
        contract.lines.create(**line)
    return contract
