"""Storing what was published: the eForms notice (EU regime) and OCDS releases.

Each stored publication is immutable and carries its SHA-256; a later change (deadline
extension, cancellation) adds a new OCDS release with the next sequence number.
"""

import hashlib

from django.db.models import Max

from tenders.models import Tender, TenderPublication


def _store(
    *, tender: Tender, kind: str, identifier: str, content: str, content_type: str
) -> TenderPublication:
    sequence = (
        TenderPublication.objects.filter(tender=tender, kind=kind).aggregate(n=Max("sequence"))["n"]
        or 0
    ) + 1
    return TenderPublication.objects.create(
        tender=tender,
        kind=kind,
        identifier=identifier,
        sequence=sequence,
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(),
    )


def publication_store_ocds(*, tender: Tender) -> TenderPublication:
    """Build and store the next OCDS release of ``tender`` (tender stage or an update)."""
    from tenders.adapters import build_ocds_release

    sequence = (
        TenderPublication.objects.filter(tender=tender, kind=TenderPublication.Kind.OCDS).count()
        + 1
    )
    release_id, text = build_ocds_release(tender=tender, sequence=sequence)
    return _store(
        tender=tender,
        kind=TenderPublication.Kind.OCDS,
        identifier=release_id,
        content=text,
        content_type="application/json",
    )


def publication_store_eforms(*, tender: Tender) -> TenderPublication:
    from tenders.adapters import build_eforms_notice

    notice_id, xml = build_eforms_notice(tender=tender)
    return _store(
        tender=tender,
        kind=TenderPublication.Kind.EFORMS,
        identifier=notice_id,
        content=xml,
        content_type="application/xml",
    )


def publication_store_all(*, tender: Tender) -> list[TenderPublication]:
    """At publication: the eForms contract notice for EU tenders with a call for competition,
    the OCDS release for all."""
    from tenders.adapters import needs_contract_notice

    stored = []
    if needs_contract_notice(tender):
        stored.append(publication_store_eforms(tender=tender))
    stored.append(publication_store_ocds(tender=tender))
    return stored
