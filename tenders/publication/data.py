"""What a publication needs, as plain frozen dataclasses: the input of the eForms and OCDS builders.

The builders never touch the database. An adapter in ``tenders`` (and ``bids`` for awards and
contracts) turns the models into these objects. The builders call ``validate()`` first, so a bad
value fails with a ``PublicationDataError`` that names the field path (``lots[1].award_criteria``)
before any XML or JSON is produced.

Conventions: money is ``Decimal`` in EUR unless ``currency`` says otherwise; instants are
tz-aware ``datetime``; countries are ISO 3166-1 alpha-2 (``DE``); languages ISO 639-1 (``de``);
CPV codes ``NNNNNNNN-C``; NUTS codes NUTS 2024.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from tenders.codes import CodeError, cpv_validate, nuts_validate
from tenders.codes.errors import gettext_noop


class PublicationDataError(ValueError):
    """Input that cannot be published; ``field`` is the dotted path of the offending value.

    ``message`` is the English text; ``template`` (marked with ``gettext_noop`` for the
    catalogue) and ``params`` build it, so that the Django side can write it again in the
    reader's language (``tenders.adapters.publication_problems``).
    """

    def __init__(
        self, field_path: str, template: str, *, params: Mapping[str, object] | None = None
    ):
        self.template = template
        self.params = dict(params or {})
        message = template % self.params if self.params else template
        super().__init__(f"{field_path}: {message}")
        self.field = field_path
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": "invalid", "field": self.field, "detail": self.message}


class Regime(StrEnum):
    """Which rules apply: above the EU thresholds (GWB/VgV, directives) or national (UVgO)."""

    EU = "eu"
    NATIONAL = "national"


class LegalBasis(StrEnum):
    """eForms BT-01 values (CELEX numbers of the directives) and national law."""

    DIRECTIVE_2014_24 = "32014L0024"  # public sector (VgV)
    DIRECTIVE_2014_25 = "32014L0025"  # utilities (SektVO)
    DIRECTIVE_2014_23 = "32014L0023"  # concessions (KonzVgV)
    DIRECTIVE_2009_81 = "32009L0081"  # defence (VSVgV)
    NATIONAL = "other"  # below the thresholds: UVgO, VOB/A section 1, French code (MAPA)


class ProcedureType(StrEnum):
    """Procedure types; values are the eForms ``procurement-procedure-type`` codes (BT-105)."""

    OPEN = "open"
    RESTRICTED = "restricted"
    NEGOTIATED_WITH_CALL = "neg-w-call"
    NEGOTIATED_WITHOUT_CALL = "neg-wo-call"
    COMPETITIVE_DIALOGUE = "comp-dial"
    INNOVATION_PARTNERSHIP = "innovation"
    # UVgO (national): Öffentliche Ausschreibung, Beschränkte Ausschreibung (mit / ohne
    # Teilnahmewettbewerb), Verhandlungsvergabe (mit / ohne Teilnahmewettbewerb)
    NATIONAL_PUBLIC = "uvgo-public"
    NATIONAL_RESTRICTED_WITH_CALL = "uvgo-restricted-w-call"
    NATIONAL_RESTRICTED_WITHOUT_CALL = "uvgo-restricted-wo-call"
    NATIONAL_NEGOTIATED_WITH_CALL = "uvgo-negotiated-w-call"
    NATIONAL_NEGOTIATED_WITHOUT_CALL = "uvgo-negotiated-wo-call"


class ContractType(StrEnum):
    """Main nature of the contract (BT-23, ``contract-nature``)."""

    SUPPLIES = "supplies"
    SERVICES = "services"
    WORKS = "works"


class BuyerLegalType(StrEnum):
    """The eForms ``buyer-legal-type`` codes (BT-11) our German and French buyers use."""

    CENTRAL_GOVERNMENT = "cga"
    REGIONAL_AUTHORITY = "ra"
    LOCAL_AUTHORITY = "la"
    BODY_PUBLIC_LAW_CENTRAL = "body-pl-cga"
    BODY_PUBLIC_LAW_REGIONAL = "body-pl-ra"
    BODY_PUBLIC_LAW_LOCAL = "body-pl-la"
    PUBLIC_UNDERTAKING = "pub-undert"
    EU_INSTITUTION = "eu-ins-bod-ag"


class CriterionKind(StrEnum):
    """Award criterion type (BT-539, ``award-criterion-type``)."""

    PRICE = "price"
    COST = "cost"
    QUALITY = "quality"


class CompanySize(StrEnum):
    """``economic-operator-size`` (BT-165): who won matters for SME statistics."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"


LANGUAGE_PATTERN = re.compile(r"^[a-z]{2}$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
# A notice text may have up to 6,000 characters in eForms (BT-24); titles 200 (BT-21 has 200
# in most SDK versions), and we refuse longer instead of silently cutting a legal text.
MAX_TITLE = 200
MAX_DESCRIPTION = 6000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Text:
    """A text in one or more languages, ``(language, text)`` pairs; the first is the original.

    Build with ``Text.of(de="Reinigung", en="Cleaning")`` or ``Text.one("de", "Reinigung")``.
    """

    values: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, **texts: str) -> Text:
        return cls(tuple((lang, text) for lang, text in texts.items()))

    @classmethod
    def one(cls, language: str, text: str) -> Text:
        return cls(((language, text),))

    @classmethod
    def from_mapping(cls, texts: Mapping[str, str]) -> Text:
        return cls(tuple(texts.items()))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(lang for lang, _ in self.values)

    def get(self, language: str) -> str | None:
        return next((text for lang, text in self.values if lang == language), None)

    @property
    def original(self) -> str:
        return self.values[0][1]

    def check(self, path: str, *, max_length: int, languages: Iterable[str] = ()) -> None:
        if not self.values:
            raise PublicationDataError(
                path, gettext_noop("is empty; give the text in at least one language")
            )
        seen: set[str] = set()
        for lang, text in self.values:
            if not LANGUAGE_PATTERN.match(lang):
                raise PublicationDataError(
                    path,
                    gettext_noop(
                        "language „%(lang)s“ is not an ISO 639-1 code such as de, en or fr"
                    ),
                    params={"lang": lang},
                )
            if lang in seen:
                raise PublicationDataError(
                    path, gettext_noop("has two texts in language %(lang)s"), params={"lang": lang}
                )
            seen.add(lang)
            if not text or not text.strip():
                raise PublicationDataError(f"{path}[{lang}]", gettext_noop("is empty"))
            if len(text) > max_length:
                raise PublicationDataError(
                    f"{path}[{lang}]",
                    gettext_noop("has %(length)s characters; at most %(max_length)s allowed"),
                    params={"length": len(text), "max_length": max_length},
                )
        missing = [lang for lang in languages if lang not in seen]
        if missing:
            raise PublicationDataError(
                path,
                gettext_noop("misses the notice language(s) %(languages)s"),
                params={"languages": ", ".join(missing)},
            )


@dataclass(frozen=True)
class Address:
    street: str
    city: str
    postal_code: str
    country: str  # ISO 3166-1 alpha-2
    nuts: str = ""  # NUTS 2024 level 3 where known (eForms BT-507)

    def check(self, path: str) -> None:
        if not COUNTRY_PATTERN.match(self.country or ""):
            raise PublicationDataError(
                f"{path}.country",
                gettext_noop("„%(country)s“ is not an ISO 3166-1 alpha-2 code like DE"),
                params={"country": self.country},
            )
        if not (self.city or "").strip():
            raise PublicationDataError(f"{path}.city", gettext_noop("is required"))
        if self.nuts:
            _check_nuts(f"{path}.nuts", self.nuts, self.country)


@dataclass(frozen=True)
class Organisation:
    """A buyer, review body or economic operator, as the notices name it.

    ``key`` is stable inside our system (e.g. the Organisation's public UUID); the builders use it
    to give each organisation one technical id (``ORG-0001``) per notice and one OCDS party id.
    ``registration_id`` is the national registration number (Handelsregister, SIREN); when empty,
    the Leitweg-ID, SIRET or VAT id stands in as the organisation identifier (eForms BT-501).
    """

    key: str
    name: str
    address: Address
    email: str = ""
    phone: str = ""
    website: str = ""
    registration_id: str = ""
    registration_scheme: str = ""  # org-id.guide list code for OCDS, e.g. "DE-CR", "FR-RCS"
    vat_id: str = ""
    leitweg_id: str = ""  # German buyer reference for XRechnung (BT-10)
    siret: str = ""
    service_code: str = ""  # French Chorus Pro service code
    size: CompanySize | None = None

    @property
    def legal_identifier(self) -> str:
        return self.registration_id or self.leitweg_id or self.siret or self.vat_id

    def check(self, path: str, *, contact_required: bool = False) -> None:
        if not (self.key or "").strip():
            raise PublicationDataError(
                f"{path}.key", gettext_noop("is required (a stable id of ours)")
            )
        if not (self.name or "").strip():
            raise PublicationDataError(f"{path}.name", gettext_noop("is required"))
        if len(self.name) > 400:
            raise PublicationDataError(
                f"{path}.name", gettext_noop("is longer than 400 characters")
            )
        self.address.check(f"{path}.address")
        if not self.legal_identifier:
            raise PublicationDataError(
                f"{path}.registration_id",
                gettext_noop(
                    "an organisation identifier is required (registration number, Leitweg-ID, "
                    "SIRET or VAT id; eForms BT-501)"
                ),
            )
        if self.email and "@" not in self.email:
            raise PublicationDataError(
                f"{path}.email",
                gettext_noop("„%(email)s“ is not an e-mail address"),
                params={"email": self.email},
            )
        if contact_required:
            if not self.email:
                raise PublicationDataError(
                    f"{path}.email", gettext_noop("the buyer's e-mail is required")
                )
            if not self.phone:
                raise PublicationDataError(
                    f"{path}.phone", gettext_noop("the buyer's telephone is required")
                )
        for name in ("website",):
            value = getattr(self, name)
            if value and not value.startswith(("https://", "http://")):
                raise PublicationDataError(
                    f"{path}.{name}",
                    gettext_noop("„%(value)s“ is not an http(s) URL"),
                    params={"value": value},
                )


@dataclass(frozen=True)
class AwardCriterion:
    """One award criterion; ``weight`` in percent (all weights of a lot sum to 100)."""

    kind: CriterionKind
    name: str
    weight: Decimal
    description: str = ""


@dataclass(frozen=True)
class PlaceOfPerformance:
    """Where the work is done: a NUTS 2024 region and its country; a free text is optional."""

    nuts: str
    country: str
    description: str = ""

    def check(self, path: str) -> None:
        if not COUNTRY_PATTERN.match(self.country or ""):
            raise PublicationDataError(
                f"{path}.country",
                gettext_noop("„%(country)s“ is not an ISO 3166-1 alpha-2 code like DE"),
                params={"country": self.country},
            )
        _check_nuts(f"{path}.nuts", self.nuts, self.country)


@dataclass(frozen=True)
class Lot:
    """A lot. A tender without lots still has exactly one (eForms requires ``LOT-0001``)."""

    key: str  # our lot number or id; shown as the lot's internal id
    title: Text
    description: Text
    cpv_main: str
    award_criteria: tuple[AwardCriterion, ...]
    cpv_additional: tuple[str, ...] = ()
    place_of_performance: PlaceOfPerformance | None = None  # defaults to the tender's
    estimated_value: Decimal | None = None
    duration_months: int | None = None
    start_date: date | None = None
    end_date: date | None = None


@dataclass(frozen=True)
class Deadlines:
    """tz-aware instants. ``questions`` is the last moment for bidders' questions (BT-13)."""

    submission: datetime
    opening: datetime
    questions: datetime | None = None
    tender_validity_days: int | None = None  # how long bids stay binding (BT-98)


@dataclass(frozen=True)
class Procedure:
    """The whole procurement procedure (one tender) as published in a contract notice.

    ``procedure_id`` is the stable UUID of the tender (eForms BT-04 ContractFolderID, and the
    local part of the OCDS ocid); ``reference`` is the authority's file number (Vergabenummer).
    """

    procedure_id: UUID
    reference: str
    title: Text
    description: Text
    buyer: Organisation
    buyer_legal_type: BuyerLegalType
    review_body: Organisation  # Vergabekammer / tribunal administratif (OPT-301-Lot-ReviewOrg)
    regime: Regime
    legal_basis: LegalBasis
    procedure_type: ProcedureType
    contract_type: ContractType
    cpv_main: str
    place_of_performance: PlaceOfPerformance
    lots: tuple[Lot, ...]
    deadlines: Deadlines
    documents_url: str
    submission_url: str
    cpv_additional: tuple[str, ...] = ()
    estimated_value: Decimal | None = None
    currency: str = "EUR"
    notice_languages: tuple[str, ...] = ("de",)  # first is the original (BT-702(a))
    submission_languages: tuple[str, ...] = ("de",)  # BT-97
    buyer_activity: str = "gen-pub"  # eForms authority-activity (BT-10): general public services
    accelerated: bool = False
    accelerated_justification: str = ""
    gpa_covered: bool = True  # WTO Government Procurement Agreement applies (BT-115)
    eu_funded: bool = False
    e_invoicing_required: bool = True  # E-Rechnungspflicht: EU 2014/55, E-RechV
    review_deadline_info: str = ""  # how and by when to request a review (BT-99)
    max_lots_per_tenderer: int | None = None
    # Utilities (directive 2014/25/EU, SektVO): the sector activity, eForms entity-activity
    # code (BT-610), e.g. "water", "electricity", "gas-heat", "urttb" (urban rail, tram, bus).
    entity_activity: str = ""
    performance_terms: str = ""  # conditions for performing the contract (BT-70)
    financial_terms: str = ""  # financing and payment arrangements (BT-77)
    guarantee_required: bool = False  # a tender guarantee is required (BT-751)
    legal_form_required: bool = False  # a winning group must take a legal form (BT-761)
    max_renewals: int | None = None  # how often the contract may be renewed (BT-58)

    def validate(self) -> Procedure:
        """Check every field; return self so calls can chain. Raise ``PublicationDataError``."""
        _check_required(self, ("reference", "documents_url", "submission_url"))
        if len(self.reference) > 200:
            raise PublicationDataError("reference", gettext_noop("is longer than 200 characters"))
        for lang in (*self.notice_languages, *self.submission_languages):
            if not LANGUAGE_PATTERN.match(lang):
                raise PublicationDataError(
                    "notice_languages",
                    gettext_noop("„%(lang)s“ is not ISO 639-1"),
                    params={"lang": lang},
                )
        if not self.notice_languages:
            raise PublicationDataError(
                "notice_languages", gettext_noop("at least one language is required")
            )
        if not self.submission_languages:
            raise PublicationDataError(
                "submission_languages", gettext_noop("at least one is required")
            )
        self.title.check("title", max_length=MAX_TITLE, languages=self.notice_languages)
        self.description.check(
            "description", max_length=MAX_DESCRIPTION, languages=self.notice_languages
        )
        self.buyer.check("buyer", contact_required=True)
        self.review_body.check("review_body")
        if self.regime is Regime.EU and self.legal_basis is LegalBasis.NATIONAL:
            raise PublicationDataError(
                "legal_basis",
                gettext_noop("an EU-regime procedure is based on a directive, not national law"),
            )
        if self.regime is Regime.NATIONAL and self.legal_basis is not LegalBasis.NATIONAL:
            raise PublicationDataError(
                "legal_basis",
                gettext_noop("a national-regime procedure cannot cite an EU directive"),
            )
        national = self.procedure_type.value.startswith("uvgo-")
        if national and self.regime is Regime.EU:
            raise PublicationDataError(
                "procedure_type",
                gettext_noop("%(procedure)s is a UVgO procedure, not EU"),
                params={"procedure": self.procedure_type.value},
            )
        if not national and self.regime is Regime.NATIONAL:
            raise PublicationDataError(
                "procedure_type",
                gettext_noop(
                    "%(procedure)s is an EU procedure; below the thresholds use the UVgO procedures"
                ),
                params={"procedure": self.procedure_type.value},
            )
        _check_cpv("cpv_main", self.cpv_main)
        for i, code in enumerate(self.cpv_additional):
            _check_cpv(f"cpv_additional[{i}]", code)
        self.place_of_performance.check("place_of_performance")
        _check_money("estimated_value", self.estimated_value, self.currency)
        for name in ("documents_url", "submission_url"):
            value = getattr(self, name)
            if not value.startswith("https://"):
                raise PublicationDataError(
                    name,
                    gettext_noop("„%(value)s“ must be an https:// URL"),
                    params={"value": value},
                )
        if self.accelerated and not self.accelerated_justification.strip():
            raise PublicationDataError(
                "accelerated_justification",
                gettext_noop(
                    "an accelerated procedure needs its documented urgency (VgV §15 Abs. 3)"
                ),
            )
        self._check_deadlines()
        self._check_lots()
        return self

    def _check_deadlines(self) -> None:
        d = self.deadlines
        for name in ("submission", "opening", "questions"):
            value = getattr(d, name)
            if value is None:
                continue
            if value.tzinfo is None or value.utcoffset() is None:
                raise PublicationDataError(
                    f"deadlines.{name}", gettext_noop("must be a timezone-aware datetime")
                )
        if d.opening < d.submission:
            raise PublicationDataError(
                "deadlines.opening",
                gettext_noop("the opening cannot be before the submission deadline"),
            )
        if d.questions is not None and d.questions > d.submission:
            raise PublicationDataError(
                "deadlines.questions",
                gettext_noop("the questions deadline is after the submission deadline"),
            )
        if d.tender_validity_days is not None and d.tender_validity_days <= 0:
            raise PublicationDataError(
                "deadlines.tender_validity_days", gettext_noop("must be positive")
            )

    def _check_lots(self) -> None:
        if not self.lots:
            raise PublicationDataError("lots", gettext_noop("a procedure has at least one lot"))
        keys = [lot.key for lot in self.lots]
        if len(set(keys)) != len(keys):
            raise PublicationDataError("lots", gettext_noop("two lots have the same key"))
        for i, lot in enumerate(self.lots):
            path = f"lots[{i}]"
            if not (lot.key or "").strip():
                raise PublicationDataError(f"{path}.key", gettext_noop("is required"))
            lot.title.check(f"{path}.title", max_length=MAX_TITLE, languages=self.notice_languages)
            lot.description.check(
                f"{path}.description", max_length=MAX_DESCRIPTION, languages=self.notice_languages
            )
            _check_cpv(f"{path}.cpv_main", lot.cpv_main)
            for j, code in enumerate(lot.cpv_additional):
                _check_cpv(f"{path}.cpv_additional[{j}]", code)
            if lot.place_of_performance is not None:
                lot.place_of_performance.check(f"{path}.place_of_performance")
            _check_money(f"{path}.estimated_value", lot.estimated_value, self.currency)
            if lot.duration_months is not None and lot.duration_months <= 0:
                raise PublicationDataError(
                    f"{path}.duration_months", gettext_noop("must be positive")
                )
            if lot.start_date and lot.end_date and lot.end_date < lot.start_date:
                raise PublicationDataError(
                    f"{path}.end_date", gettext_noop("is before the start date")
                )
            _check_criteria(f"{path}.award_criteria", lot.award_criteria)
        if self.max_renewals is not None and self.max_renewals < 0:
            raise PublicationDataError("max_renewals", gettext_noop("cannot be negative"))
        if self.entity_activity and not re.fullmatch(r"[a-z][a-z-]*", self.entity_activity):
            raise PublicationDataError(
                "entity_activity",
                gettext_noop("„%(activity)s“ is not an eForms entity-activity code"),
                params={"activity": self.entity_activity},
            )
        if self.max_lots_per_tenderer is not None and not (
            1 <= self.max_lots_per_tenderer <= len(self.lots)
        ):
            raise PublicationDataError(
                "max_lots_per_tenderer",
                gettext_noop("must be between 1 and %(count)s"),
                params={"count": len(self.lots)},
            )

    def lot(self, key: str) -> Lot:
        for lot in self.lots:
            if lot.key == key:
                return lot
        raise KeyError(key)


@dataclass(frozen=True)
class NoticeInfo:
    """The notice as a document: its UUID (BT-701), version and dispatch instant (BT-05)."""

    notice_id: UUID
    dispatched_at: datetime
    version: int = 1

    def validate(self) -> NoticeInfo:
        if self.dispatched_at.tzinfo is None or self.dispatched_at.utcoffset() is None:
            raise PublicationDataError(
                "notice.dispatched_at", gettext_noop("must be timezone-aware")
            )
        if not 1 <= self.version <= 99:
            raise PublicationDataError("notice.version", gettext_noop("must be between 1 and 99"))
        return self


@dataclass(frozen=True)
class Contract:
    """A concluded contract for one lot (what invoices will refer to)."""

    key: str  # our contract id
    reference: str  # the contract number both parties use (eForms BT-150)
    signed_on: date  # BT-145
    value: Decimal  # net, in the procedure's currency
    title: Text | None = None
    start_date: date | None = None
    end_date: date | None = None
    buyer_reference: str = ""  # Leitweg-ID or French service code invoices must carry
    order_reference: str = ""  # order number invoices must quote (BT-13 of EN 16931)


@dataclass(frozen=True)
class LotAward:
    """The outcome for one lot: a winner and its contract, or no award with the reason.

    ``tenders_received`` counts all tenders for the lot (BT-759); ``tenders_received_sme``
    and ``tenders_received_electronically`` are the optional statistics breakdowns.
    """

    lot_key: str
    tenders_received: int
    award_date: date  # date of the award decision (BT-1451)
    winner: Organisation | None = None
    winning_value: Decimal | None = None
    lowest_value: Decimal | None = None
    highest_value: Decimal | None = None
    contract: Contract | None = None
    no_award_reason: str = ""  # eForms non-award-justification, e.g. "no-rece", "all-rej"
    tenders_received_sme: int | None = None
    tenders_received_electronically: int | None = None
    subcontracting: bool | None = None


@dataclass(frozen=True)
class AwardResult:
    """Everything a contract award notice and the OCDS award/contract releases need."""

    procedure: Procedure
    awards: tuple[LotAward, ...]
    previous_notice_id: UUID | None = None  # the contract notice this result follows (BT-125)

    def validate(self) -> AwardResult:
        self.procedure.validate()
        if not self.awards:
            raise PublicationDataError(
                "awards", gettext_noop("at least one lot result is required")
            )
        lot_keys = {lot.key for lot in self.procedure.lots}
        seen: set[str] = set()
        currency = self.procedure.currency
        for i, award in enumerate(self.awards):
            path = f"awards[{i}]"
            if award.lot_key not in lot_keys:
                raise PublicationDataError(
                    f"{path}.lot_key",
                    gettext_noop("„%(lot)s“ is not a lot of this procedure"),
                    params={"lot": award.lot_key},
                )
            if award.lot_key in seen:
                raise PublicationDataError(
                    f"{path}.lot_key", gettext_noop("this lot has two results")
                )
            seen.add(award.lot_key)
            if award.tenders_received < 0:
                raise PublicationDataError(
                    f"{path}.tenders_received", gettext_noop("cannot be negative")
                )
            for name in ("tenders_received_sme", "tenders_received_electronically"):
                value = getattr(award, name)
                if value is not None and not 0 <= value <= award.tenders_received:
                    raise PublicationDataError(
                        f"{path}.{name}",
                        gettext_noop("must be between 0 and %(count)s"),
                        params={"count": award.tenders_received},
                    )
            if award.winner is None:
                if not award.no_award_reason:
                    raise PublicationDataError(
                        f"{path}.no_award_reason",
                        gettext_noop("a lot without winner needs the reason"),
                    )
                if award.contract is not None:
                    raise PublicationDataError(
                        f"{path}.contract", gettext_noop("no winner, so no contract")
                    )
                continue
            if award.tenders_received < 1:
                raise PublicationDataError(
                    f"{path}.tenders_received",
                    gettext_noop("a lot with a winner received at least one tender"),
                )
            award.winner.check(f"{path}.winner")
            if award.winning_value is None:
                raise PublicationDataError(
                    f"{path}.winning_value", gettext_noop("is required for a winner")
                )
            for name in ("winning_value", "lowest_value", "highest_value"):
                _check_money(f"{path}.{name}", getattr(award, name), currency)
            if award.lowest_value is not None and award.highest_value is not None:
                if award.lowest_value > award.highest_value:
                    raise PublicationDataError(
                        f"{path}.lowest_value", gettext_noop("is above the highest tender value")
                    )
            if award.contract is None:
                raise PublicationDataError(
                    f"{path}.contract",
                    gettext_noop("the concluded contract is required for a winner"),
                )
            c = award.contract
            _check_required(c, ("key", "reference"), prefix=f"{path}.contract.")
            _check_money(f"{path}.contract.value", c.value, currency)
            if c.signed_on < award.award_date:
                raise PublicationDataError(
                    f"{path}.contract.signed_on",
                    gettext_noop("the contract is signed before the award decision"),
                )
            if c.start_date and c.end_date and c.end_date < c.start_date:
                raise PublicationDataError(
                    f"{path}.contract.end_date", gettext_noop("is before the start")
                )
        return self


def _check_required(obj: object, names: Iterable[str], *, prefix: str = "") -> None:
    for name in names:
        value = getattr(obj, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise PublicationDataError(f"{prefix}{name}", gettext_noop("is required"))


def _check_cpv(path: str, code: str) -> None:
    try:
        cpv_validate(code, field=path)
    except CodeError as error:
        raise PublicationDataError(path, error.template, params=error.params) from error


def _check_nuts(path: str, code: str, country: str) -> None:
    try:
        nuts_validate(code, country=country, field=path)
    except CodeError as error:
        raise PublicationDataError(path, error.template, params=error.params) from error


def _check_money(path: str, value: Decimal | None, currency: str) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal):
        raise PublicationDataError(
            path,
            gettext_noop("must be a Decimal, not %(type)s"),
            params={"type": type(value).__name__},
        )
    if not value.is_finite() or value < 0:
        raise PublicationDataError(
            path, gettext_noop("%(value)s is not a non-negative amount"), params={"value": value}
        )
    if value != value.quantize(CENT):
        raise PublicationDataError(
            path,
            gettext_noop("%(value)s %(currency)s has more than two decimals"),
            params={"value": value, "currency": currency},
        )
    if currency != "EUR" and not re.fullmatch(r"[A-Z]{3}", currency):
        raise PublicationDataError(
            "currency",
            gettext_noop("„%(currency)s“ is not an ISO 4217 code"),
            params={"currency": currency},
        )


def _check_criteria(path: str, criteria: tuple[AwardCriterion, ...]) -> None:
    if not criteria:
        raise PublicationDataError(path, gettext_noop("at least one award criterion is required"))
    if not any(c.kind in (CriterionKind.PRICE, CriterionKind.COST) for c in criteria):
        raise PublicationDataError(
            path, gettext_noop("price or cost must be among the award criteria (VgV §58 Abs. 2)")
        )
    for j, criterion in enumerate(criteria):
        if not criterion.name.strip():
            raise PublicationDataError(f"{path}[{j}].name", gettext_noop("is required"))
        if not isinstance(criterion.weight, Decimal) or not (0 < criterion.weight <= 100):
            raise PublicationDataError(
                f"{path}[{j}].weight",
                gettext_noop("%(weight)s is not a weight between 0 and 100"),
                params={"weight": criterion.weight},
            )
    total = sum((c.weight for c in criteria), Decimal(0))
    if total != 100:
        raise PublicationDataError(
            path, gettext_noop("the weights sum to %(total)s, not 100"), params={"total": total}
        )


__all__ = [
    "Address",
    "AwardCriterion",
    "AwardResult",
    "BuyerLegalType",
    "CompanySize",
    "Contract",
    "ContractType",
    "CriterionKind",
    "Deadlines",
    "LegalBasis",
    "Lot",
    "LotAward",
    "NoticeInfo",
    "Organisation",
    "PlaceOfPerformance",
    "Procedure",
    "ProcedureType",
    "PublicationDataError",
    "Regime",
    "Text",
]
