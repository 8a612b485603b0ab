"""Errors raised by the sealed-bid cryptography; each carries a stable code and a plain message."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class CryptoErrorCode(StrEnum):
    ENVELOPE_FORMAT = "envelope_format"
    ENVELOPE_NOT_ENCRYPTED = "envelope_not_encrypted"
    WRONG_RECIPIENT = "wrong_recipient"
    ENVELOPE_TAMPERED = "envelope_tampered"
    ENVELOPE_TRUNCATED = "envelope_truncated"
    ENVELOPE_TOO_LARGE = "envelope_too_large"
    KEY_FORMAT = "key_format"
    PASSPHRASE = "passphrase"
    SHARE_INVALID = "share_invalid"
    SHARES_INSUFFICIENT = "shares_insufficient"
    SHARES_WRONG = "shares_wrong"
    RECEIPT_INVALID = "receipt_invalid"
    LOG_BROKEN = "log_broken"


class BidCryptoError(Exception):
    """Base class: ``code`` is machine-readable, ``str(error)`` is the English technical text
    (logs, the offline client, tests).

    ``reason`` (a short key, empty for the code's general case) and ``params`` (numbers, key ids)
    let the Django side write the message again in the reader's language
    (``bids.errors.crypto_error_text``): this package stays free of Django and gettext.
    """

    code: CryptoErrorCode = CryptoErrorCode.ENVELOPE_FORMAT

    def __init__(
        self,
        message: str,
        *,
        code: CryptoErrorCode | None = None,
        reason: str = "",
        params: Mapping[str, int | str] | None = None,
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.reason = reason
        self.params: dict[str, int | str] = dict(params or {})

    @property
    def message(self) -> str:
        return str(self.args[0])


class EnvelopeFormatError(BidCryptoError):
    """The bytes are not a well-formed v1 envelope (also raised for plaintext uploads)."""

    code = CryptoErrorCode.ENVELOPE_FORMAT


class WrongRecipientError(BidCryptoError):
    """The envelope was sealed for another key than the one supplied."""

    code = CryptoErrorCode.WRONG_RECIPIENT


class EnvelopeTamperedError(BidCryptoError):
    """Authentication failed: bytes changed, chunks reordered or the stream was cut short."""

    code = CryptoErrorCode.ENVELOPE_TAMPERED


class KeyFormatError(BidCryptoError):
    """A key file or key JSON is malformed or inconsistent."""

    code = CryptoErrorCode.KEY_FORMAT


class PassphraseError(BidCryptoError):
    """The passphrase does not unlock the member key file (or the file was altered)."""

    code = CryptoErrorCode.PASSPHRASE


class ShareError(BidCryptoError):
    """Opening key shares are malformed, too few, duplicated, or do not rebuild the key."""

    code = CryptoErrorCode.SHARE_INVALID


class ReceiptError(BidCryptoError):
    """A receipt's signature or content does not verify."""

    code = CryptoErrorCode.RECEIPT_INVALID


class LogChainError(BidCryptoError):
    """The hash-chained bid log is broken; ``position`` is the first entry that fails."""

    code = CryptoErrorCode.LOG_BROKEN

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message, params={} if position is None else {"position": position})
        self.position = position
