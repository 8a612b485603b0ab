"""Creating a concluded bids.Contract for tests; adapted to the bids app's model once it lands."""

from __future__ import annotations


def concluded_contract(Contract, **fields):
    raise AssertionError(
        "tests/invoicing/contracts.py: bids.Contract exists but creating one is not wired yet"
    )
