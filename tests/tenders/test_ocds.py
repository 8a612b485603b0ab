"""OCDS releases and packages: valid against the OCDS 1.1 schemas (offline), stable ocid, values."""

import json
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlparse
from uuid import UUID

import pytest
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4

from tenders.publication.data import (
    LegalBasis,
    LotAward,
    ProcedureType,
    PublicationDataError,
    Regime,
    Text,
)
from tenders.publication.ocds import (
    EXTENSIONS,
    ReleaseTag,
    award_release,
    contract_release,
    dumps,
    ocid,
    release_package,
    tender_release,
)
from tests.tenders import publication_samples as s

PREFIX = "ocds-zu5chl"
PUBLISHED = datetime(2026, 11, 13, 9, 30, tzinfo=s.BERLIN)
AWARDED = datetime(2027, 2, 20, 10, 0, tzinfo=s.BERLIN)
SIGNED = datetime(2027, 2, 21, 10, 0, tzinfo=s.BERLIN)
NAIVE = datetime(2026, 11, 13, 9, 30)  # noqa: DTZ001 - must be refused


@pytest.fixture(scope="session")
def ocds_dir(shared_dir):
    folder = shared_dir / "ocds-schema"
    if not (folder / "release-schema.json").is_file():
        raise RuntimeError(f"OCDS schemas missing under {folder}: the tests need them")
    return folder


@pytest.fixture(scope="session")
def registry(ocds_dir):
    # Every schema is registered under its own id, so the package's $ref to the release schema
    # resolves from disk; any other remote $ref fails instead of going to the network.
    resources = []
    for name in ("release-schema.json", "release-package-schema.json"):
        contents = json.loads((ocds_dir / name).read_text(encoding="utf-8"))
        resources.append((contents["id"], Resource.from_contents(contents, DRAFT4)))

    def refuse(uri):
        raise NoSuchResource(ref=uri)

    return Registry(retrieve=refuse).with_resources(resources)


@pytest.fixture(scope="session")
def formats():
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value):
        if not isinstance(value, str):
            return True
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError("date-time without a time zone")
        return True

    @checker.checks("uri")
    def is_uri(value):
        if not isinstance(value, str):
            return True
        parts = urlparse(value)
        return bool(parts.scheme and (parts.netloc or parts.path))

    return checker


def _validator(ocds_dir, registry, formats, name):
    schema = json.loads((ocds_dir / name).read_text(encoding="utf-8"))
    return Draft4Validator(schema, registry=registry, format_checker=formats)


@pytest.fixture(scope="session")
def release_validator(ocds_dir, registry, formats):
    return _validator(ocds_dir, registry, formats, "release-schema.json")


@pytest.fixture(scope="session")
def package_validator(ocds_dir, registry, formats):
    return _validator(ocds_dir, registry, formats, "release-package-schema.json")


def _assert_valid(validator, document):
    # through JSON and back, as a consumer sees it
    document = json.loads(dumps(document))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        listing = "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
        pytest.fail(f"not valid against the OCDS schema:\n{listing}")
    return document


def _tender(**changes):
    return tender_release(s.procedure(), ocid_prefix=PREFIX, published_at=PUBLISHED, **changes)


# ------------------------------------------------------------------------------- tender stage


@pytest.mark.parametrize(
    ("tag", "reason"),
    [
        (ReleaseTag.TENDER, ""),
        (ReleaseTag.TENDER_UPDATE, ""),
        (ReleaseTag.TENDER_CANCELLATION, "Kein wirtschaftliches Angebot (VgV § 63 Abs. 1 Nr. 3)"),
    ],
)
def test_tender_stage_releases_validate(release_validator, tag, reason):
    release = _assert_valid(release_validator, _tender(tag=tag, cancellation_reason=reason))
    assert release["tag"] == [tag.value]
    assert release["initiationType"] == "tender"


def test_the_schema_check_is_real(release_validator):
    release = json.loads(dumps(_tender()))
    release["tender"]["procurementMethod"] = "whatever"
    release["parties"][0]["address"]["country"] = "XX"
    del release["ocid"]
    messages = [error.message for error in release_validator.iter_errors(release)]
    assert len(messages) == 3


def test_tender_release_values(release_validator):
    release = _assert_valid(release_validator, _tender())
    tender = release["tender"]
    assert release["ocid"] == f"{PREFIX}-{s.PROCEDURE_ID}"
    assert release["id"] == "tender-20261113T083000Z"
    assert release["date"] == "2026-11-13T09:30:00+01:00"
    assert release["language"] == "de"
    assert release["buyer"] == {"id": s.BUYER.key, "name": s.BUYER.name}
    assert tender["id"] == "VG-2026-0042"
    assert tender["title"] == "Unterhaltsreinigung städtischer Gebäude"
    assert tender["status"] == "active"
    assert tender["procurementMethod"] == "open"
    assert "VgV § 15" in tender["procurementMethodDetails"]
    assert tender["mainProcurementCategory"] == "services"
    assert tender["value"] == {"amount": 850000, "currency": "EUR"}
    assert tender["tenderPeriod"] == {
        "startDate": "2026-11-13T09:30:00+01:00",
        "endDate": "2026-12-18T12:00:00+01:00",
    }
    assert tender["enquiryPeriod"]["endDate"] == "2026-12-11T12:00:00+01:00"
    assert tender["submissionMethod"] == ["electronicSubmission"]
    assert tender["submissionMethodDetails"] == s.procedure().submission_url
    assert tender["awardCriteria"] == "ratedCriteria"
    assert tender["awardCriteriaDetails"] == (
        "Los 1: Preis 60 %, Reinigungskonzept 40 %; Los 2: Preis 70 %, Reinigungskonzept 30 %"
    )
    assert tender["documents"][0]["url"] == s.procedure().documents_url
    assert tender["documents"][0]["documentType"] == "biddingDocuments"
    assert tender["deliveryLocations"] == [
        {"gazetteer": {"scheme": "NUTS", "identifiers": ["DE212"]}}
    ]


def test_lot_duration_without_start_date_is_counted_in_30_day_months(release_validator):
    lots = list(s.procedure().lots)
    lots[0] = replace(lots[0], start_date=None)
    release = tender_release(
        s.procedure(lots=tuple(lots)), ocid_prefix=PREFIX, published_at=PUBLISHED
    )
    tender = _assert_valid(release_validator, release)["tender"]
    assert tender["lots"][0]["contractPeriod"] == {"durationInDays": 720}


def test_lots_and_items_carry_cpv_with_check_digit(release_validator):
    tender = _assert_valid(release_validator, _tender())["tender"]
    assert [lot["id"] for lot in tender["lots"]] == ["lot-1", "lot-2"]
    assert tender["lots"][0]["value"] == {"amount": 500000, "currency": "EUR"}
    # lot 1: start and 24 months; lot 2: start and end
    assert tender["lots"][0]["contractPeriod"] == {
        "startDate": "2027-01-01T00:00:00+01:00",
        "endDate": "2028-12-31T23:59:59+01:00",
        "durationInDays": 731,
    }
    assert tender["lots"][1]["contractPeriod"] == tender["lots"][0]["contractPeriod"]
    items = tender["items"]
    assert [item["relatedLot"] for item in items] == ["lot-1", "lot-2"]
    assert items[0]["classification"] == {"scheme": "CPV", "id": "90911200-8"}
    assert items[1]["classification"] == {"scheme": "CPV", "id": "90910000-9"}
    assert items[1]["additionalClassifications"] == [{"scheme": "CPV", "id": "90911200-8"}]
    assert items[1]["deliveryLocations"][0]["description"] == "Rathäuser der Stadt"


def test_parties_are_listed_once_with_all_their_roles(release_validator):
    parties = _assert_valid(release_validator, _tender())["parties"]
    assert [(p["id"], p["roles"]) for p in parties] == [
        (s.BUYER.key, ["buyer", "procuringEntity"]),
        (s.REVIEW_BODY.key, ["reviewBody"]),
    ]
    buyer = parties[0]
    assert buyer["address"] == {
        "streetAddress": "Rathausplatz 1",
        "locality": "München",
        "region": "DE212",
        "postalCode": "80331",
        "country": "DE",
    }
    assert buyer["contactPoint"]["email"] == s.BUYER.email


def test_cancellation_carries_status_and_reason(release_validator):
    reason = "Aufhebung: kein wirtschaftliches Angebot (VgV § 63 Abs. 1 Nr. 3)"
    release = _assert_valid(
        release_validator, _tender(tag=ReleaseTag.TENDER_CANCELLATION, cancellation_reason=reason)
    )
    tender = release["tender"]
    assert tender["status"] == "cancelled"
    assert tender["finalStatus"] == "cancelled"
    assert tender["finalStatusDetails"] == reason
    assert {lot["status"] for lot in tender["lots"]} == {"cancelled"}
    assert tender["documents"][-1]["documentType"] == "cancellationDetails"
    assert release["id"].startswith("tenderCancellation-")


def test_national_procedure_gets_a_release_too(release_validator):
    procedure = s.procedure(
        regime=Regime.NATIONAL,
        legal_basis=LegalBasis.NATIONAL,
        procedure_type=ProcedureType.NATIONAL_RESTRICTED_WITHOUT_CALL,
        estimated_value=Decimal("80000.00"),
    )
    release = tender_release(procedure, ocid_prefix=PREFIX, published_at=PUBLISHED)
    tender = _assert_valid(release_validator, release)["tender"]
    assert tender["procurementMethod"] == "limited"
    assert "UVgO § 11" in tender["procurementMethodDetails"]


def test_utilities_procedure_without_entity_activity_still_gets_a_release(release_validator):
    # BT-610 is an eForms requirement; open data does not wait for it.
    procedure = s.procedure(legal_basis=LegalBasis.DIRECTIVE_2014_25)
    release = tender_release(procedure, ocid_prefix=PREFIX, published_at=PUBLISHED)
    _assert_valid(release_validator, release)


# --------------------------------------------------------------------------------- the ocid


def test_ocid_is_stable_across_stages_and_changes():
    # given the same procedure at every stage, and after its title and reference changed
    changed = s.procedure(reference="VG-2026-0042-neu", title=Text.of(de="Neu", en="New"))
    ocids = {
        _tender()["ocid"],
        _tender(tag=ReleaseTag.TENDER_UPDATE)["ocid"],
        tender_release(changed, ocid_prefix=PREFIX, published_at=AWARDED)["ocid"],
        award_release(s.award_result(), ocid_prefix=PREFIX, published_at=AWARDED)["ocid"],
        contract_release(s.award_result(), ocid_prefix=PREFIX, published_at=SIGNED)["ocid"],
    }
    assert ocids == {f"{PREFIX}-{s.PROCEDURE_ID}"}
    assert ocid(PREFIX, s.procedure()) == f"{PREFIX}-{s.PROCEDURE_ID}"


def test_ocid_differs_per_procedure_and_prefix():
    other = s.procedure(procedure_id=UUID("99999999-0000-4000-8000-000000000001"))
    assert ocid(PREFIX, other) != ocid(PREFIX, s.procedure())
    assert ocid("ocds-abc123", s.procedure()) != ocid(PREFIX, s.procedure())


@pytest.mark.parametrize("prefix", ["", "ocds-", "ocds-ABC123", "ocds-abc12", "OCDS-abc123", "x"])
def test_bad_ocid_prefix_is_refused(prefix):
    with pytest.raises(PublicationDataError, match="ocid_prefix: "):
        tender_release(s.procedure(), ocid_prefix=prefix, published_at=PUBLISHED)


def test_release_ids_differ_per_stage_and_moment():
    ids = {
        _tender()["id"],
        tender_release(
            s.procedure(),
            ocid_prefix=PREFIX,
            published_at=AWARDED,
            tag=ReleaseTag.TENDER_UPDATE,
        )["id"],
        award_release(s.award_result(), ocid_prefix=PREFIX, published_at=AWARDED)["id"],
        contract_release(s.award_result(), ocid_prefix=PREFIX, published_at=AWARDED)["id"],
    }
    assert len(ids) == 4


# ------------------------------------------------------------------------- award and contract


def test_award_release_validates_with_winners_values_and_statistics(release_validator):
    release = _assert_valid(
        release_validator,
        award_release(s.award_result(), ocid_prefix=PREFIX, published_at=AWARDED),
    )
    assert release["tag"] == ["award"]
    awards = release["awards"]
    assert [a["id"] for a in awards] == ["award-1", "award-2"]
    assert awards[0]["suppliers"] == [{"id": s.WINNER_DE.key, "name": s.WINNER_DE.name}]
    assert awards[0]["value"] == {"amount": 468000, "currency": "EUR"}
    assert awards[0]["date"] == "2027-02-01T00:00:00+01:00"
    assert awards[0]["relatedLots"] == ["lot-1"]
    assert awards[0]["status"] == "active"
    statistics = {
        (st["measure"], st["relatedLot"]): st["value"] for st in release["bids"]["statistics"]
    }
    assert statistics == {
        ("bids", "lot-1"): 4,
        ("smeBids", "lot-1"): 3,
        ("electronicBids", "lot-1"): 4,
        ("bids", "lot-2"): 2,
    }
    roles = {p["id"]: p["roles"] for p in release["parties"]}
    assert roles[s.WINNER_DE.key] == ["supplier", "tenderer"]
    assert roles[s.BUYER.key] == ["buyer", "procuringEntity"]
    french = next(p for p in release["parties"] if p["id"] == s.WINNER_FR.key)
    assert french["identifier"] == {"legalName": s.WINNER_FR.name}
    assert french["details"] == {"scale": "medium"}
    german = next(p for p in release["parties"] if p["id"] == s.WINNER_DE.key)
    assert german["identifier"] == {
        "legalName": s.WINNER_DE.name,
        "scheme": "DE-CR",
        "id": "HRB 12345",
    }
    assert release["tender"]["status"] == "complete"


def test_award_release_reports_an_unsuccessful_lot(release_validator):
    result = s.award_result()
    no_award = LotAward(
        lot_key="2", tenders_received=0, award_date=result.awards[0].award_date,
        no_award_reason="no-rece",
    )  # fmt: skip
    release = _assert_valid(
        release_validator,
        award_release(
            replace(result, awards=(result.awards[0], no_award)),
            ocid_prefix=PREFIX,
            published_at=AWARDED,
        ),
    )
    assert [a["status"] for a in release["awards"]] == ["active", "unsuccessful"]
    assert "suppliers" not in release["awards"][1]
    assert [lot["status"] for lot in release["tender"]["lots"]] == ["complete", "unsuccessful"]


def test_contract_release_validates_and_points_at_its_award(release_validator):
    release = _assert_valid(
        release_validator,
        contract_release(s.award_result(), ocid_prefix=PREFIX, published_at=SIGNED),
    )
    contracts = release["contracts"]
    assert [(c["id"], c["awardID"]) for c in contracts] == [
        ("ctr-1", "award-1"),
        ("ctr-2", "award-2"),
    ]
    first = contracts[0]
    assert first["value"] == {"amount": 468000, "currency": "EUR"}
    assert first["dateSigned"] == "2027-02-16T00:00:00+01:00"
    assert first["period"] == {
        "startDate": "2027-03-01T00:00:00+01:00",
        "endDate": "2029-02-28T23:59:59+01:00",
    }
    assert first["identifiers"] == [{"id": "V-2027-0001", "scheme": f"DE-{s.BUYER.key}"}]
    assert first["title"] == "Reinigung Schulen"
    assert "09162000-1234512345-06" in first["description"]
    assert "BE-2027-17" in first["description"]
    assert contracts[1]["title"] == "Los 2: Verwaltung"


def test_amounts_keep_their_cents_exactly():
    result = s.award_result()
    cents = replace(result.awards[1], winning_value=Decimal("331500.07"))
    cents = replace(cents, contract=replace(cents.contract, value=Decimal("331500.07")))
    release = award_release(
        replace(result, awards=(result.awards[0], cents)), ocid_prefix=PREFIX, published_at=AWARDED
    )
    text = dumps(release)
    assert '"amount": 331500.07' in text
    assert Decimal(str(json.loads(text)["awards"][1]["value"]["amount"])) == Decimal("331500.07")


# ------------------------------------------------------------------------------- the package


def test_release_package_validates_and_lists_extensions(package_validator):
    releases = [
        _tender(),
        award_release(s.award_result(), ocid_prefix=PREFIX, published_at=AWARDED),
        contract_release(s.award_result(), ocid_prefix=PREFIX, published_at=SIGNED),
    ]
    package = _assert_valid(
        package_validator,
        release_package(
            releases,
            uri=f"https://zuschlag.example/ocds/{PREFIX}-{s.PROCEDURE_ID}.json",
            published_at=SIGNED,
            publisher_name="Stadt Musterstadt",
            publisher_uri="https://www.musterstadt.example",
            publication_policy="https://zuschlag.example/ocds/policy",
        ),
    )
    assert package["version"] == "1.1"
    assert package["extensions"] == list(EXTENSIONS)
    assert package["publisher"]["name"] == "Stadt Musterstadt"
    assert len(package["releases"]) == 3
    assert {r["ocid"] for r in package["releases"]} == {f"{PREFIX}-{s.PROCEDURE_ID}"}


def test_package_refuses_a_duplicate_release():
    release = _tender()
    with pytest.raises(PublicationDataError, match=r"releases\[1\]\.id: duplicate"):
        release_package(
            [release, release],
            uri="https://zuschlag.example/ocds/x.json",
            published_at=PUBLISHED,
            publisher_name="Stadt Musterstadt",
        )


def test_package_checks_the_package_schema(package_validator):
    package = release_package(
        [_tender()],
        uri="https://zuschlag.example/ocds/x.json",
        published_at=PUBLISHED,
        publisher_name="Stadt Musterstadt",
    )
    package["version"] = "one"
    del package["releases"][0]["ocid"]  # checked through the $ref to the release schema
    messages = [e.message for e in package_validator.iter_errors(json.loads(dumps(package)))]
    assert any("'one' does not match" in m for m in messages)
    assert any("'ocid' is a required property" in m for m in messages)


# ---------------------------------------------------------------------------- bad input


def test_cancellation_without_reason_is_refused():
    with pytest.raises(PublicationDataError, match=r"cancellation_reason: .*VgV § 63"):
        _tender(tag=ReleaseTag.TENDER_CANCELLATION)


def test_award_tag_is_not_a_tender_stage():
    with pytest.raises(PublicationDataError, match="tag: "):
        _tender(tag=ReleaseTag.AWARD)


def test_naive_publication_time_is_refused():
    with pytest.raises(PublicationDataError, match="published_at: must be a timezone-aware"):
        tender_release(s.procedure(), ocid_prefix=PREFIX, published_at=NAIVE)


def test_invalid_procedure_is_refused_before_any_json():
    with pytest.raises(PublicationDataError) as caught:
        tender_release(
            s.procedure(cpv_main="45000000-8"), ocid_prefix=PREFIX, published_at=PUBLISHED
        )
    assert caught.value.field == "cpv_main"


def test_contract_release_needs_a_contract():
    result = s.award_result()
    nothing = tuple(
        LotAward(lot_key=a.lot_key, tenders_received=0, award_date=a.award_date,
                 no_award_reason="no-rece")
        for a in result.awards
    )  # fmt: skip
    with pytest.raises(PublicationDataError, match="awards: no lot has a concluded contract"):
        contract_release(replace(result, awards=nothing), ocid_prefix=PREFIX, published_at=SIGNED)
