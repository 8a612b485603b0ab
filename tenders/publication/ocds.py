"""OCDS 1.1 releases for each stage of a procedure, and the release package that serves them.

The ocid is ``<prefix>-<procedure UUID>``: the prefix is the publisher's registered OCDS prefix
(``ocds-`` plus six characters), passed in by the caller so this module reads no settings. The
procedure's UUID never changes, so neither does the ocid, whatever happens to its reference,
title or lots. Release ids are ``<tag>-<UTC timestamp>`` and unique within the ocid.

Amounts are JSON numbers; every amount is checked to survive the trip through the float that
the JSON encoder writes (exact for cent amounts below 10^13), so no cent is ever lost.

Lots, bid statistics and per-lot awards use the official OCDS extensions named in
``EXTENSIONS``; the release package lists them so consumers can fetch their schemas.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tenders.codes.errors import gettext_noop
from tenders.publication.data import (
    AwardResult,
    Contract,
    ContractType,
    CriterionKind,
    Lot,
    LotAward,
    Organisation,
    PlaceOfPerformance,
    Procedure,
    ProcedureType,
    PublicationDataError,
)

OCDS_VERSION = "1.1"
OCID_PREFIX_PATTERN = re.compile(r"^ocds-[a-z0-9]{6}$")

EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
)

DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"


class ReleaseTag(StrEnum):
    TENDER = "tender"
    TENDER_UPDATE = "tenderUpdate"
    TENDER_CANCELLATION = "tenderCancellation"
    AWARD = "award"
    CONTRACT = "contract"


TENDER_TAGS = (ReleaseTag.TENDER, ReleaseTag.TENDER_UPDATE, ReleaseTag.TENDER_CANCELLATION)

# Our procedure types on the closed OCDS ``method`` codelist, with the German/EU name as details.
PROCUREMENT_METHODS: dict[ProcedureType, tuple[str, str]] = {
    ProcedureType.OPEN: ("open", "Offenes Verfahren (VgV § 15)"),
    ProcedureType.RESTRICTED: ("selective", "Nicht offenes Verfahren (VgV § 16)"),
    ProcedureType.NEGOTIATED_WITH_CALL: (
        "selective", "Verhandlungsverfahren mit Teilnahmewettbewerb (VgV § 17)"
    ),
    ProcedureType.NEGOTIATED_WITHOUT_CALL: (
        "limited", "Verhandlungsverfahren ohne Teilnahmewettbewerb (VgV § 17)"
    ),
    ProcedureType.COMPETITIVE_DIALOGUE: ("selective", "Wettbewerblicher Dialog (VgV § 18)"),
    ProcedureType.INNOVATION_PARTNERSHIP: ("selective", "Innovationspartnerschaft (VgV § 19)"),
    ProcedureType.NATIONAL_PUBLIC: ("open", "Öffentliche Ausschreibung (UVgO § 9)"),
    ProcedureType.NATIONAL_RESTRICTED_WITH_CALL: (
        "selective", "Beschränkte Ausschreibung mit Teilnahmewettbewerb (UVgO § 10)"
    ),
    ProcedureType.NATIONAL_RESTRICTED_WITHOUT_CALL: (
        "limited", "Beschränkte Ausschreibung ohne Teilnahmewettbewerb (UVgO § 11)"
    ),
    ProcedureType.NATIONAL_NEGOTIATED_WITH_CALL: (
        "selective", "Verhandlungsvergabe mit Teilnahmewettbewerb (UVgO § 12)"
    ),
    ProcedureType.NATIONAL_NEGOTIATED_WITHOUT_CALL: (
        "limited", "Verhandlungsvergabe ohne Teilnahmewettbewerb (UVgO § 12)"
    ),
}  # fmt: skip

CATEGORIES = {
    ContractType.SUPPLIES: "goods",
    ContractType.SERVICES: "services",
    ContractType.WORKS: "works",
}

# economic-operator-size → OCDS party scale
SCALES = {"micro": "micro", "small": "small", "medium": "medium", "large": "large"}


def ocid(prefix: str, procedure: Procedure) -> str:
    """The procedure's stable open contracting id."""
    if not OCID_PREFIX_PATTERN.match(prefix or ""):
        raise PublicationDataError(
            "ocid_prefix",
            gettext_noop("„%(prefix)s“ is not an OCDS prefix (ocds- and six characters a-z, 0-9)"),
            params={"prefix": prefix},
        )
    return f"{prefix}-{procedure.procedure_id}"


def _aware(path: str, moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PublicationDataError(path, gettext_noop("must be a timezone-aware datetime"))
    return moment


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _day(day: date, zone: tzinfo | None, *, end: bool = False) -> str:
    # Our dates are calendar days where the buyer sits (STYLE: Europe/Berlin), so a day starts
    # and ends in that zone, which is the zone of the procedure's deadlines.
    moment = datetime.combine(day, time(23, 59, 59) if end else time(0), tzinfo=zone)
    return _iso(moment)


def _number(path: str, value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise PublicationDataError(
            path,
            gettext_noop("%(value)s cannot be written as an exact JSON number"),
            params={"value": value},
        )
    return as_float


def _value(path: str, amount: Decimal, currency: str) -> dict[str, Any]:
    return {"amount": _number(path, amount), "currency": currency}


def _release_id(tag: ReleaseTag, at: datetime) -> str:
    return f"{tag.value}-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _org_ref(organisation: Organisation) -> dict[str, str]:
    return {"id": organisation.key, "name": organisation.name}


class _Parties:
    """Collects each organisation once, merging its roles in the order they were first given."""

    def __init__(self) -> None:
        self._parties: dict[str, dict[str, Any]] = {}

    def add(self, organisation: Organisation, role: str) -> dict[str, str]:
        party = self._parties.get(organisation.key)
        if party is None:
            party = _party(organisation)
            self._parties[organisation.key] = party
        if role not in party["roles"]:
            party["roles"].append(role)
        return _org_ref(organisation)

    def as_list(self) -> list[dict[str, Any]]:
        return list(self._parties.values())


def _party(organisation: Organisation) -> dict[str, Any]:
    address = organisation.address
    party: dict[str, Any] = {
        "id": organisation.key,
        "name": organisation.name,
        "address": {
            key: value
            for key, value in (
                ("streetAddress", address.street),
                ("locality", address.city),
                ("region", address.nuts),
                ("postalCode", address.postal_code),
                ("country", address.country),
            )
            if value
        },
        "roles": [],
    }
    identifier: dict[str, str] = {"legalName": organisation.name}
    if organisation.registration_id and organisation.registration_scheme:
        identifier |= {
            "scheme": organisation.registration_scheme,
            "id": organisation.registration_id,
        }
    party["identifier"] = identifier
    contact = {
        key: value
        for key, value in (
            ("email", organisation.email),
            ("telephone", organisation.phone),
            ("url", organisation.website),
        )
        if value
    }
    if contact:
        party["contactPoint"] = contact
    if organisation.size is not None:
        party["details"] = {"scale": SCALES[organisation.size.value]}
    return party


def _classification(code: str) -> dict[str, str]:
    return {"scheme": "CPV", "id": code}


def _location(place: PlaceOfPerformance) -> dict[str, Any]:
    location: dict[str, Any] = {"gazetteer": {"scheme": "NUTS", "identifiers": [place.nuts]}}
    if place.description:
        location["description"] = place.description
    return location


def _award_criteria(procedure: Procedure) -> tuple[str, str]:
    kinds = {criterion.kind for lot in procedure.lots for criterion in lot.award_criteria}
    if kinds == {CriterionKind.PRICE}:
        method = "priceOnly"
    elif kinds == {CriterionKind.COST}:
        method = "costOnly"
    else:
        method = "ratedCriteria"
    details = []
    for lot in procedure.lots:
        parts = ", ".join(
            f"{criterion.name} {criterion.weight.normalize():f} %"
            for criterion in lot.award_criteria
        )
        details.append(f"Los {lot.key}: {parts}" if len(procedure.lots) > 1 else parts)
    return method, "; ".join(details)


def _tender(procedure: Procedure, parties: _Parties, published_at: datetime) -> dict[str, Any]:
    language = procedure.notice_languages[0]
    method, method_details = PROCUREMENT_METHODS[procedure.procedure_type]
    criteria, criteria_details = _award_criteria(procedure)
    currency = procedure.currency
    deadlines = procedure.deadlines
    zone = deadlines.submission.tzinfo
    lot_ids = _lot_ids(procedure)
    tender: dict[str, Any] = {
        "id": procedure.reference,
        "title": procedure.title.get(language),
        "description": procedure.description.get(language),
        "status": "active",
        "procuringEntity": parties.add(procedure.buyer, "procuringEntity"),
        "procurementMethod": method,
        "procurementMethodDetails": method_details,
        "mainProcurementCategory": CATEGORIES[procedure.contract_type],
        "awardCriteria": criteria,
        "awardCriteriaDetails": criteria_details,
        "submissionMethod": ["electronicSubmission"],
        "submissionMethodDetails": procedure.submission_url,
        "submissionTerms": {"electronicSubmissionPolicy": "required"},
        "datePublished": _iso(published_at),
        "tenderPeriod": {"startDate": _iso(published_at), "endDate": _iso(deadlines.submission)},
        "deliveryLocations": [_location(procedure.place_of_performance)],
        "items": [],
        "lots": [],
        "documents": [
            {
                "id": "documents",
                "documentType": "biddingDocuments",
                "title": procedure.title.get(language),
                "url": procedure.documents_url,
                "language": language,
            }
        ],
    }
    if procedure.estimated_value is not None:
        tender["value"] = _value("estimated_value", procedure.estimated_value, currency)
    if deadlines.questions is not None:
        tender["enquiryPeriod"] = {
            "startDate": _iso(published_at),
            "endDate": _iso(deadlines.questions),
        }
    for index, lot in enumerate(procedure.lots):
        lot_id = lot_ids[lot.key]
        lot_json: dict[str, Any] = {
            "id": lot_id,
            "title": lot.title.get(language),
            "description": lot.description.get(language),
            "status": "active",
        }
        if lot.estimated_value is not None:
            lot_json["value"] = _value(
                f"lots[{index}].estimated_value", lot.estimated_value, currency
            )
        period = _lot_period(lot, zone)
        if period:
            lot_json["contractPeriod"] = period
        tender["lots"].append(lot_json)
        item: dict[str, Any] = {
            "id": f"item-{lot.key}",
            "description": lot.title.get(language),
            "classification": _classification(lot.cpv_main),
            "relatedLot": lot_id,
        }
        if lot.cpv_additional:
            item["additionalClassifications"] = [_classification(c) for c in lot.cpv_additional]
        if lot.place_of_performance is not None:
            item["deliveryLocations"] = [_location(lot.place_of_performance)]
        tender["items"].append(item)
    return tender


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _lot_period(lot: Lot, zone: tzinfo | None) -> dict[str, Any]:
    period: dict[str, Any] = {}
    end = lot.end_date
    if lot.start_date and not end and lot.duration_months:
        # "24 months from 1 Jan 2027" ends on 31 Dec 2028: the day before the same date.
        end = _add_months(lot.start_date, lot.duration_months) - timedelta(days=1)
    if lot.start_date:
        period["startDate"] = _day(lot.start_date, zone)
    if end:
        period["endDate"] = _day(end, zone, end=True)
    if lot.start_date and end:
        period["durationInDays"] = (end - lot.start_date).days + 1
    elif lot.duration_months:
        # OCDS counts days only; without a start date a month is taken as 30 days.
        period["durationInDays"] = lot.duration_months * 30
    return period


def _lot_ids(procedure: Procedure) -> dict[str, str]:
    return {lot.key: f"lot-{lot.key}" for lot in procedure.lots}


def _envelope(
    procedure: Procedure, *, ocid_prefix: str, tag: ReleaseTag, at: datetime
) -> dict[str, Any]:
    return {
        "ocid": ocid(ocid_prefix, procedure),
        "id": _release_id(tag, at),
        "date": _iso(at),
        "tag": [tag.value],
        "initiationType": "tender",
        "language": procedure.notice_languages[0],
    }


def tender_release(
    procedure: Procedure,
    *,
    ocid_prefix: str,
    published_at: datetime,
    tag: ReleaseTag = ReleaseTag.TENDER,
    cancellation_reason: str = "",
) -> dict[str, Any]:
    """A tender-stage release: the call (``tender``), a change (``tenderUpdate``) or its
    cancellation (``tenderCancellation``, with the reason required by VgV § 63 Abs. 2).

    Raises ``PublicationDataError`` naming the field.
    """
    procedure.validate()
    _aware("published_at", published_at)
    if tag not in TENDER_TAGS:
        raise PublicationDataError(
            "tag", gettext_noop("%(tag)s is not a tender-stage release tag"), params={"tag": tag}
        )
    if tag is ReleaseTag.TENDER_CANCELLATION and not cancellation_reason.strip():
        raise PublicationDataError(
            "cancellation_reason", gettext_noop("a cancellation needs its reason (VgV § 63 Abs. 2)")
        )
    release = _envelope(procedure, ocid_prefix=ocid_prefix, tag=tag, at=published_at)
    parties = _Parties()
    release["buyer"] = parties.add(procedure.buyer, "buyer")
    release["tender"] = _tender(procedure, parties, published_at)
    parties.add(procedure.review_body, "reviewBody")
    if tag is ReleaseTag.TENDER_CANCELLATION:
        tender = release["tender"]
        tender["status"] = "cancelled"
        tender["finalStatus"] = "cancelled"
        tender["finalStatusDetails"] = cancellation_reason
        tender["finalStatusDate"] = _iso(published_at)
        for lot in tender["lots"]:
            lot["status"] = "cancelled"
        tender["documents"].append(
            {
                "id": "cancellation",
                "documentType": "cancellationDetails",
                "description": cancellation_reason,
                "datePublished": _iso(published_at),
            }
        )
    release["parties"] = parties.as_list()
    return release


def _awards(result: AwardResult, parties: _Parties) -> list[dict[str, Any]]:
    procedure = result.procedure
    lot_ids = _lot_ids(procedure)
    language = procedure.notice_languages[0]
    zone = procedure.deadlines.submission.tzinfo
    awards = []
    for index, award in enumerate(result.awards):
        lot = procedure.lot(award.lot_key)
        entry: dict[str, Any] = {
            "id": _award_id(award),
            "title": lot.title.get(language),
            "date": _day(award.award_date, zone),
            "relatedLots": [lot_ids[award.lot_key]],
        }
        if award.winner is None:
            entry["status"] = "unsuccessful"
            entry["description"] = f"eForms non-award-justification: {award.no_award_reason}"
        else:
            assert award.winning_value is not None  # validate(): a winner has a value
            entry["status"] = "active"
            entry["value"] = _value(
                f"awards[{index}].winning_value", award.winning_value, procedure.currency
            )
            entry["suppliers"] = [parties.add(award.winner, "supplier")]
            parties.add(award.winner, "tenderer")
            contract = award.contract
            if contract is not None and (contract.start_date or contract.end_date):
                entry["contractPeriod"] = _contract_period(contract, zone)
        awards.append(entry)
    return awards


def _award_id(award: LotAward) -> str:
    return f"award-{award.lot_key}"


def _contract_period(contract: Contract, zone: tzinfo | None) -> dict[str, str]:
    period = {}
    if contract.start_date:
        period["startDate"] = _day(contract.start_date, zone)
    if contract.end_date:
        period["endDate"] = _day(contract.end_date, zone, end=True)
    return period


def _bids(result: AwardResult) -> dict[str, Any]:
    lot_ids = _lot_ids(result.procedure)
    statistics = []
    for award in result.awards:
        lot_id = lot_ids[award.lot_key]
        counts = [("bids", award.tenders_received)]
        if award.tenders_received_sme is not None:
            counts.append(("smeBids", award.tenders_received_sme))
        if award.tenders_received_electronically is not None:
            counts.append(("electronicBids", award.tenders_received_electronically))
        for measure, value in counts:
            statistics.append(
                {
                    "id": f"{measure}-{award.lot_key}",
                    "measure": measure,
                    "value": value,
                    "relatedLot": lot_id,
                }
            )
    return {"statistics": statistics}


def award_release(
    result: AwardResult, *, ocid_prefix: str, published_at: datetime
) -> dict[str, Any]:
    """The award release: one award per lot (winner, value, decision date) and bid statistics."""
    result.validate()
    _aware("published_at", published_at)
    procedure = result.procedure
    release = _envelope(procedure, ocid_prefix=ocid_prefix, tag=ReleaseTag.AWARD, at=published_at)
    parties = _Parties()
    release["buyer"] = parties.add(procedure.buyer, "buyer")
    release["tender"] = _tender_summary(result, parties)
    release["awards"] = _awards(result, parties)
    release["bids"] = _bids(result)
    parties.add(procedure.review_body, "reviewBody")
    release["parties"] = parties.as_list()
    return release


def _tender_summary(result: AwardResult, parties: _Parties) -> dict[str, Any]:
    procedure = result.procedure
    language = procedure.notice_languages[0]
    lot_ids = _lot_ids(procedure)
    awarded = {award.lot_key: award for award in result.awards}
    lots = []
    for lot in procedure.lots:
        award = awarded.get(lot.key)
        status = "active"
        if award is not None:
            status = "complete" if award.winner is not None else "unsuccessful"
        lots.append({"id": lot_ids[lot.key], "title": lot.title.get(language), "status": status})
    tender: dict[str, Any] = {
        "id": procedure.reference,
        "title": procedure.title.get(language),
        "procuringEntity": parties.add(procedure.buyer, "procuringEntity"),
        "lots": lots,
    }
    if all(lot["status"] != "active" for lot in lots):
        tender["status"] = "complete" if any(a.winner for a in result.awards) else "unsuccessful"
    if len(procedure.lots) == 1:
        tender["numberOfTenderers"] = result.awards[0].tenders_received
    return tender


def contract_release(
    result: AwardResult, *, ocid_prefix: str, published_at: datetime
) -> dict[str, Any]:
    """The contract release: one contract per awarded lot, with its award, value and period."""
    result.validate()
    _aware("published_at", published_at)
    procedure = result.procedure
    language = procedure.notice_languages[0]
    zone = procedure.deadlines.submission.tzinfo
    release = _envelope(
        procedure, ocid_prefix=ocid_prefix, tag=ReleaseTag.CONTRACT, at=published_at
    )
    parties = _Parties()
    release["buyer"] = parties.add(procedure.buyer, "buyer")
    contract_scheme = f"{procedure.buyer.address.country}-{procedure.buyer.key}"
    contracts = []
    for index, award in enumerate(result.awards):
        contract = award.contract
        if contract is None or award.winner is None:
            continue
        parties.add(award.winner, "supplier")
        entry: dict[str, Any] = {
            "id": contract.key,
            "awardID": _award_id(award),
            "status": "active",
            "dateSigned": _day(contract.signed_on, zone),
            "value": _value(f"awards[{index}].contract.value", contract.value, procedure.currency),
            # The contract number comes from the buyer's own register: scheme {country}-{buyer}.
            "identifiers": [{"id": contract.reference, "scheme": contract_scheme}],
        }
        title = contract.title or procedure.lot(award.lot_key).title
        entry["title"] = title.get(language) or title.original
        if contract.start_date or contract.end_date:
            entry["period"] = _contract_period(contract, zone)
        references = [
            f"{label}: {value}"
            for label, value in (
                ("Leitweg-ID / buyer reference (BT-10)", contract.buyer_reference),
                ("order reference (BT-13)", contract.order_reference),
            )
            if value
        ]
        if references:
            entry["description"] = "Invoices must quote " + "; ".join(references)
        contracts.append(entry)
    if not contracts:
        raise PublicationDataError(
            "awards", gettext_noop("no lot has a concluded contract to publish")
        )
    release["contracts"] = contracts
    release["parties"] = parties.as_list()
    return release


def release_package(
    releases: Sequence[dict[str, Any]],
    *,
    uri: str,
    published_at: datetime,
    publisher_name: str,
    publisher_uri: str = "",
    license_url: str = DEFAULT_LICENSE,
    publication_policy: str = "",
) -> dict[str, Any]:
    """Wrap releases in an OCDS 1.1 release package (the document served at a stable URL)."""
    _aware("published_at", published_at)
    if not uri.startswith(("https://", "http://")):
        raise PublicationDataError(
            "uri", gettext_noop("„%(uri)s“ is not an http(s) URL"), params={"uri": uri}
        )
    if not publisher_name.strip():
        raise PublicationDataError("publisher_name", gettext_noop("is required"))
    seen: set[tuple[str, str]] = set()
    for index, release in enumerate(releases):
        key = (release.get("ocid", ""), release.get("id", ""))
        if key in seen:
            raise PublicationDataError(
                f"releases[{index}].id",
                gettext_noop("duplicate release %(release)s"),
                params={"release": key[1]},
            )
        seen.add(key)
    publisher: dict[str, str] = {"name": publisher_name}
    if publisher_uri:
        publisher["uri"] = publisher_uri
    package: dict[str, Any] = {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": list(EXTENSIONS),
        "publishedDate": _iso(published_at),
        "publisher": publisher,
        "license": license_url,
        "releases": list(releases),
    }
    if publication_policy:
        package["publicationPolicy"] = publication_policy
    return package


def dumps(document: dict[str, Any] | Iterable[Any]) -> str:
    """Serialise a release or package as the UTF-8 JSON we serve (stable key order)."""
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)
