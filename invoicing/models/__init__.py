"""Invoicing models, one module per subdomain."""

from .documents import StoredDocument
from .invoice import Invoice, MatchOverride, RejectionNotice, ValidationReport
from .payments import BulkJob, PaymentRun

__all__ = [
    "BulkJob",
    "Invoice",
    "MatchOverride",
    "PaymentRun",
    "RejectionNotice",
    "StoredDocument",
    "ValidationReport",
]
