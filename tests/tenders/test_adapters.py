"""Publishing through the services stores an eForms notice and an OCDS release that validate
against the official schemas in ../shared (read from there, never copied)."""

import json
from datetime import timedelta
from decimal import Decimal

import jsonschema
import pytest
from django.utils import translation
from lxml import etree

from tenders.adapters import publication_problems, tender_procedure
from tenders.errors import TenderValidationError
from tenders.models import TenderPublication
from tenders.services import (
    LotInput,
    tender_cancel,
    tender_submit,
)
from tests.tenders.factories import draft_tender, published_tender

pytestmark = pytest.mark.django_db
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)


@pytest.fixture(scope="session")
def contract_notice_schema(shared_dir):
    path = shared_dir / "eforms-sdk" / "schemas" / "maindoc" / "UBL-ContractNotice-2.3.xsd"
    if not path.is_file():
        raise RuntimeError(f"eForms SDK schema missing at {path}")
    return etree.XMLSchema(etree.parse(str(path), SAFE))


@pytest.fixture(scope="session")
def release_validator(shared_dir):
    path = shared_dir / "ocds-schema" / "release-schema.json"
    if not path.is_file():
        raise RuntimeError(f"OCDS release schema missing at {path}")
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _valid_xml(schema, text: str) -> etree._Element:
    doc = etree.fromstring(text.encode("utf-8"), SAFE)
    if not schema.validate(doc):
        raise AssertionError("\n".join(str(e) for e in schema.error_log))
    return doc


def _valid_release(validator, text: str) -> dict:
    release = json.loads(text)
    errors = sorted(validator.iter_errors(release), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    return release


def test_published_eu_tender_has_valid_eforms_and_ocds(
    authority, officer, approver, contract_notice_schema, release_validator
):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    eforms = tender.publications.get(kind=TenderPublication.Kind.EFORMS)
    doc = _valid_xml(contract_notice_schema, eforms.content)
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert str(tender.public_id) in doc.xpath("//cbc:ContractFolderID/text()", namespaces=ns)
    ocds = tender.publications.get(kind=TenderPublication.Kind.OCDS)
    release = _valid_release(release_validator, ocds.content)
    assert release["ocid"] == tender.ocid
    assert release["tag"] == ["tender"]


def test_national_tender_gets_ocds_but_no_eforms(authority, officer, approver, release_validator):
    tender = published_tender(
        authority=authority,
        officer=officer,
        approver=approver,
        estimated_value=Decimal("80000.00"),
        procedure="national_public",
    )
    assert tender.regime == "national"
    kinds = list(tender.publications.values_list("kind", flat=True))
    assert kinds == [TenderPublication.Kind.OCDS]
    _valid_release(release_validator, tender.publications.get().content)


def test_cancellation_adds_a_cancellation_release(authority, officer, approver, release_validator):
    tender = published_tender(authority=authority, officer=officer, approver=approver)
    tender_cancel(tender_id=tender.pk, actor=officer, ground="not_economic", reason="Kein Budget")
    latest = tender.publications.filter(kind="ocds").order_by("-sequence").first()
    release = _valid_release(release_validator, latest.content)
    assert release["tag"] == ["tenderCancellation"]
    assert release["tender"]["status"] == "cancelled"
    first = tender.publications.get(kind="ocds", sequence=1)
    assert json.loads(first.content)["tag"] == ["tender"]  # the first release stays as it was


def test_lots_become_publication_lots_with_their_criteria(authority, officer):
    from tenders.services import CriterionInput, lot_save, tender_set_criteria

    tender = draft_tender(authority=authority, officer=officer)
    lot = lot_save(
        tender_id=tender.pk,
        actor=officer,
        data=LotInput(
            number=1, title="Tische", cpv_main="39130000-2", estimated_value=Decimal("300000")
        ),
    )
    tender_set_criteria(
        tender_id=tender.pk,
        actor=officer,
        lot_id=lot.pk,
        criteria=[CriterionInput(kind="price", name="Preis", weight=Decimal("100"))],
    )
    procedure = tender_procedure(tender).validate()
    assert [x.key for x in procedure.lots] == ["1"]
    assert [(c.name, c.weight) for c in procedure.lots[0].award_criteria] == [
        ("Preis", Decimal("100.00"))
    ]


def test_notice_problems_are_reported_at_submission(authority, officer):
    # NUTS level 1 is a valid code, but an eForms notice needs the NUTS 3 region.
    tender = draft_tender(authority=authority, officer=officer, nuts="DE3")
    assert publication_problems(tender)
    with translation.override("en"), pytest.raises(TenderValidationError) as caught:
        tender_submit(tender_id=tender.pk, actor=officer)
    assert "notice cannot be built" in caught.value.message
    tender.refresh_from_db()
    assert tender.state == "draft"


def test_extension_after_substantial_change_adds_update_release(
    authority, officer, approver, release_validator
):
    from tenders.services import document_version_add
    from tests.tenders.factories import PDF, pdf_upload

    tender = published_tender(authority=authority, officer=officer, approver=approver)
    document_version_add(
        document_id=tender.documents.get().pk,
        actor=officer,
        upload=pdf_upload(PDF + b"%z\n"),
        name="lb.pdf",
        change_note="Neue Mengen",
        substantial=True,
        new_submission_deadline=tender.submission_deadline + timedelta(days=7),
    )
    latest = tender.publications.filter(kind="ocds").order_by("-sequence").first()
    release = _valid_release(release_validator, latest.content)
    assert release["tag"] == ["tenderUpdate"]


def test_negotiated_procedure_without_call_publishes_no_contract_notice(
    authority, officer, approver
):
    tender = published_tender(
        authority=authority,
        officer=officer,
        approver=approver,
        procedure="negotiated_without_call",
    )
    assert tender.regime == "eu"
    assert list(tender.publications.values_list("kind", flat=True)) == ["ocds"]


def test_sector_tender_needs_its_activity_and_gets_a_utilities_notice(db, contract_notice_schema):
    from tenders.services import TenderInput, tender_approve, tender_publish, tender_update
    from tests.factories import AuthorityFactory, person

    sector = AuthorityFactory(authority_type="sector")
    sector_officer = person(sector, "procurement_officer")
    sector_approver = person(sector, "approver")
    tender = draft_tender(
        authority=sector, officer=sector_officer, estimated_value=Decimal("500000.00")
    )
    assert tender.regime == "eu"  # 500,000 ≥ 432,000 (sector threshold)
    with pytest.raises(TenderValidationError) as caught:
        tender_submit(tender_id=tender.pk, actor=sector_officer)
    assert caught.value.field == "entity_activity"
    assert "BT-610" in caught.value.message
    data = TenderInput.from_tender(tender)
    data.entity_activity = "water"
    tender_update(tender_id=tender.pk, actor=sector_officer, data=data)
    tender_submit(tender_id=tender.pk, actor=sector_officer)
    tender_approve(tender_id=tender.pk, actor=sector_approver)
    tender_publish(tender_id=tender.pk, actor=sector_officer)
    notice = tender.publications.get(kind=TenderPublication.Kind.EFORMS)
    doc = _valid_xml(contract_notice_schema, notice.content)
    ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert doc.xpath("//cbc:SubTypeCode/text()", namespaces=ns) == ["17"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "has 16 characters; at most 10 allowed"),
        ("de", "hat 16 Zeichen; höchstens 10 sind erlaubt"),
        ("fr", "compte 16 caractères ; 10 au plus sont admis"),
    ],
)
def test_notice_builder_refusals_are_written_again_in_the_reader_language(lang, expected):
    # The builders are Django-free and write English; the adapter translates template + params.
    from django.utils import translation

    from tenders.adapters import publication_error_text
    from tenders.publication.data import PublicationDataError, Text

    with pytest.raises(PublicationDataError) as caught:
        Text.of(de="Reinigungsdienst").check("title", max_length=10, languages=["de"])
    assert caught.value.message == "has 16 characters; at most 10 allowed"
    assert caught.value.field == "title[de]"
    with translation.override(lang):
        assert publication_error_text(caught.value) == expected
