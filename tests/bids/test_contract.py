"""Contract conclusion: refused during the standstill and while a review is pending; parties,
price, references; award notices (eForms CAN, OCDS award + contract) valid and stored hashed."""

import hashlib
import json
from datetime import date, datetime

import jsonschema
import pytest
from freezegun import freeze_time
from lxml import etree

from bids.models import Contract, ContractState
from bids.services.award import review_request_record
from bids.services.contract import contract_conclude
from procurement.core.errors import ConflictError, TransitionForbiddenError, ValidationFailedError
from procurement.core.timeutil import BERLIN
from tenders.models import TenderPublication, TenderState
from tests.bids.test_award import notified

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
SENT = datetime(2026, 3, 20, 10, 0, tzinfo=BERLIN)


@pytest.fixture
def evaluator(authority):
    from procurement.core.roles import Role
    from tests.factories import person

    return person(authority, Role.EVALUATOR, username="evaluator")


@pytest.fixture(scope="session")
def can_schema(shared_dir):
    path = shared_dir / "eforms-sdk" / "schemas" / "maindoc" / "UBL-ContractAwardNotice-2.3.xsd"
    if not path.is_file():
        raise RuntimeError(f"eForms SDK schema missing at {path}: the tests need it")
    return etree.XMLSchema(etree.parse(str(path), SAFE))


@pytest.fixture(scope="session")
def release_validator(shared_dir):
    path = shared_dir / "ocds-schema" / "release-schema.json"
    if not path.is_file():
        raise RuntimeError(f"OCDS release schema missing at {path}: the tests need it")
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_conclusion_refused_during_standstill(authority, officer, approver, evaluator):
    tender, _bids, _letters = notified(authority, officer, approver, evaluator, at=SENT)
    with freeze_time(datetime(2026, 3, 30, 23, 59, tzinfo=BERLIN)):
        with pytest.raises(ConflictError, match=r"31\.03\.2026") as info:
            contract_conclude(tender_id=tender.pk, actor=officer, signed_on=date(2026, 3, 30))
    assert info.value.code == "standstill"
    assert not Contract.objects.exists()
    tender.refresh_from_db()
    assert tender.state == TenderState.STANDSTILL


def test_conclusion_refused_while_review_pending(authority, officer, approver, evaluator):
    tender, _bids, _letters = notified(authority, officer, approver, evaluator, at=SENT)
    with freeze_time(datetime(2026, 3, 24, 9, 0, tzinfo=BERLIN)):
        review_request_record(
            tender_id=tender.pk,
            actor=officer,
            applicant="Bieter 2 GmbH",
            received_on=date(2026, 3, 24),
            details="Nachprüfungsantrag",
        )
    with freeze_time(datetime(2026, 4, 10, 9, 0, tzinfo=BERLIN)):
        with pytest.raises(ConflictError, match="Bieter 2 GmbH") as info:
            contract_conclude(tender_id=tender.pk, actor=officer, signed_on=date(2026, 4, 10))
    assert info.value.code == "review_pending"
    assert not Contract.objects.exists()


def test_conclusion_after_standstill_makes_contract_and_valid_notices(
    authority, officer, approver, evaluator, can_schema, release_validator
):
    tender, (a, _b, _c), _letters = notified(authority, officer, approver, evaluator, at=SENT)
    with freeze_time(datetime(2026, 3, 31, 9, 0, tzinfo=BERLIN)):
        with pytest.raises(TransitionForbiddenError):
            contract_conclude(tender_id=tender.pk, actor=approver, signed_on=date(2026, 3, 31))
        with pytest.raises(ValidationFailedError, match="future"):
            contract_conclude(tender_id=tender.pk, actor=officer, signed_on=date(2026, 4, 1))
        contract = contract_conclude(
            tender_id=tender.pk,
            actor=officer,
            signed_on=date(2026, 3, 31),
            starts_on=date(2026, 4, 1),
            ends_on=date(2028, 3, 31),
            order_reference="PO-4711",
        )
    tender.refresh_from_db()
    assert tender.state == TenderState.CONCLUDED
    assert contract.state == ContractState.CONCLUDED
    assert contract.is_invoiceable
    assert contract.supplier == a.bidder
    assert contract.authority == authority
    assert contract.value_net == a.price
    assert contract.buyer_reference == authority.leitweg_id
    assert contract.order_reference == "PO-4711"
    assert contract.award.winner_id == a.pk
    line = contract.lines.get()
    assert line.unit_price == a.price
    pubs = TenderPublication.objects.filter(tender=tender)
    for pub in pubs:
        assert pub.sha256 == hashlib.sha256(pub.content.encode("utf-8")).hexdigest()
    xml = pubs.get(kind="eforms")
    doc = etree.fromstring(xml.content.encode("utf-8"), SAFE)
    assert can_schema.validate(doc), "\n".join(str(e) for e in can_schema.error_log)
    assert a.bidder.name in xml.content
    assert "ContractAwardNotice" in xml.content
    releases = [json.loads(p.content) for p in pubs.filter(kind="ocds")]
    assert {tuple(r["tag"]) for r in releases} == {("award",), ("contract",)}
    for release in releases:
        errors = sorted(release_validator.iter_errors(release), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    contract_release = next(r for r in releases if r["tag"] == ["contract"])
    assert contract_release["contracts"][0]["value"]["amount"] == 100000
    assert "PO-4711" in contract_release["contracts"][0]["description"]


def test_french_buyer_service_code_and_engagement_number(authority, officer, approver, evaluator):
    authority.country = "FR"
    authority.service_code = "SERVICE-ACHATS"
    authority.nuts, authority.city, authority.postcode = "FR101", "Paris", "75001"
    authority.vat_id, authority.siret = "FR40303265045", "30326504500010"
    authority.save()
    tender, _bids, _letters = notified(authority, officer, approver, evaluator, at=SENT)
    with freeze_time(datetime(2026, 4, 2, 9, 0, tzinfo=BERLIN)):
        with pytest.raises(ValidationFailedError, match="engagement"):
            contract_conclude(tender_id=tender.pk, actor=officer, signed_on=date(2026, 4, 2))
        contract = contract_conclude(
            tender_id=tender.pk,
            actor=officer,
            signed_on=date(2026, 4, 2),
            order_reference="EJ-2026-000123",
        )
    assert contract.buyer_reference == "SERVICE-ACHATS"
    assert contract.order_reference == "EJ-2026-000123"


def test_two_lots_each_get_a_contract_then_the_tender_concludes(
    authority, officer, approver, evaluator, can_schema, release_validator
):
    from bids.services.award import award_approve, award_notify, award_propose
    from bids.services.evaluation import bid_admit, evaluation_rank, quality_score_record
    from tenders.models import AwardCriterion
    from tests.bids.factories_award import opened_tender

    with freeze_time(SENT):
        tender, bids = opened_tender(
            authority=authority,
            officer=officer,
            prices=["100", "120", "200", "180"],
            lots=[1, 1, 2, 2],
        )
        quality = AwardCriterion.objects.get(tender=tender, kind="quality")
        for bid in bids:
            bid_admit(bid_id=bid.pk, actor=officer)
            quality_score_record(
                bid_id=bid.pk,
                criterion_id=quality.pk,
                actor=evaluator,
                points="8",
                justification="gut",
            )
        evaluation_rank(tender_id=tender.pk, actor=officer)
        for lot in (1, 2):
            decision = award_propose(
                tender_id=tender.pk, actor=officer, lot_number=lot, reasons="r"
            )
            award_approve(decision_id=decision.pk, actor=approver)
        letters = award_notify(tender_id=tender.pk, actor=officer)
    assert {letter.bid_id for letter in letters} == {bids[1].pk, bids[2].pk}
    with freeze_time(datetime(2026, 4, 1, 9, 0, tzinfo=BERLIN)):
        first = contract_conclude(
            tender_id=tender.pk, actor=officer, lot_number=1, signed_on=date(2026, 4, 1)
        )
        tender.refresh_from_db()
        assert tender.state == TenderState.AWARDED
        second = contract_conclude(
            tender_id=tender.pk, actor=officer, lot_number=2, signed_on=date(2026, 4, 1)
        )
    assert (first.supplier, first.lot.number) == (bids[0].bidder, 1)
    assert (second.supplier, second.lot.number) == (bids[3].bidder, 2)
    tender.refresh_from_db()
    assert tender.state == TenderState.CONCLUDED
    xml = TenderPublication.objects.get(tender=tender, kind="eforms").content
    doc = etree.fromstring(xml.encode("utf-8"), SAFE)
    assert can_schema.validate(doc), "\n".join(str(e) for e in can_schema.error_log)
    for pub in TenderPublication.objects.filter(tender=tender, kind="ocds"):
        release = json.loads(pub.content)
        assert not list(release_validator.iter_errors(release))
    contract_release = json.loads(
        TenderPublication.objects.get(
            tender=tender, kind="ocds", content__contains='"contract"'
        ).content
    )
    assert len(contract_release["contracts"]) == 2
