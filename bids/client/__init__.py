"""Bidder and committee-member command line client: ``python -m bids.client --help``."""
