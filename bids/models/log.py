"""The tender's hash-chained bid log (docs/envelope.md, section 6), one row per entry."""

from django.db import models

from bids.crypto import LogEntry


class BidLogEntry(models.Model):
    """Append only under the tender's row lock (``bids.services.log.log_entry_append``)."""

    tender = models.ForeignKey("tenders.Tender", on_delete=models.PROTECT, related_name="bid_log")
    position = models.PositiveIntegerField()
    event = models.CharField(max_length=40)
    lot = models.CharField(max_length=10)
    bidder = models.CharField(max_length=300)
    bid = models.CharField(max_length=64)
    ciphertext_sha256 = models.CharField(max_length=64, blank=True)
    ciphertext_size = models.BigIntegerField(default=0)
    recorded_at = models.CharField(max_length=32)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["tender", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "position"], name="bid_log_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tender_id}#{self.position} {self.event}"

    def as_entry(self, *, tender_ref: str) -> LogEntry:
        return LogEntry(
            tender=tender_ref,
            position=self.position,
            event=self.event,
            lot=self.lot,
            bidder=self.bidder,
            bid=self.bid,
            ciphertext_sha256=self.ciphertext_sha256,
            ciphertext_size=self.ciphertext_size,
            recorded_at=self.recorded_at,
            prev_hash=self.prev_hash,
            entry_hash=self.entry_hash,
        )
