"""Drafting: bad input gets a clear message and changes nothing."""

from decimal import Decimal

import pytest
from django.utils import translation

from procurement.core.roles import Role
from tenders.errors import TenderForbiddenError, TenderStateError, TenderValidationError
from tenders.models import AwardCriterion, Lot, Tender, TenderState
from tenders.services import (
    CriterionInput,
    LotInput,
    lot_save,
    tender_create,
    tender_set_committee,
    tender_set_criteria,
    tender_submit,
    tender_update,
)
from tests.factories import person
from tests.tenders.factories import committee_members, draft_tender, tender_input

pytestmark = pytest.mark.django_db


def test_create_computes_regime_and_reference(authority, officer):
    tender = tender_create(actor=officer, authority=authority, data=tender_input())
    assert tender.state == TenderState.DRAFT
    assert tender.regime == "eu"
    assert tender.reference.startswith("ZS-")
    assert tender.reference.endswith(f"{tender.pk:06d}")
    assert tender.cpv_main == "39130000-2"
    national = tender_create(
        actor=officer,
        authority=authority,
        data=tender_input(estimated_value=Decimal("50000.00"), procedure="national_public"),
    )
    assert national.regime == "national"


def test_invalid_cpv_is_refused_with_field_and_nothing_created(authority, officer):
    with translation.override("en"), pytest.raises(TenderValidationError) as caught:
        tender_create(actor=officer, authority=authority, data=tender_input(cpv_main="39130000-9"))
    assert caught.value.field == "cpv_main"
    assert caught.value.code == "invalid_cpv"
    assert "wrong check digit" in caught.value.message
    assert Tender.objects.count() == 0


def test_invalid_additional_cpv_and_nuts_are_all_reported(authority, officer):
    with pytest.raises(TenderValidationError) as caught:
        tender_create(
            actor=officer,
            authority=authority,
            data=tender_input(cpv_additional=["12345678-0"], nuts="XX999"),
        )
    fields = {f for f, _ in caught.value.errors}
    assert {"cpv_additional", "nuts"} <= fields
    assert Tender.objects.count() == 0


def test_procedure_must_match_the_regime(authority, officer):
    with pytest.raises(TenderValidationError) as caught:
        tender_create(
            actor=officer,
            authority=authority,
            data=tender_input(estimated_value=Decimal("100000.00"), procedure="open"),
        )
    assert caught.value.field == "procedure"
    assert "216000 EUR" in caught.value.message
    assert "GWB §106" in caught.value.message


def test_only_officers_of_the_authority_create(authority, approver, bidder):
    for actor in (approver, bidder):
        with pytest.raises(TenderForbiddenError):
            tender_create(actor=actor, authority=authority, data=tender_input())
    assert Tender.objects.count() == 0


def test_weights_not_summing_to_100_are_refused_and_old_criteria_kept(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    before = list(tender.criteria.values_list("name", "weight"))
    with translation.override("en"), pytest.raises(TenderValidationError) as caught:
        tender_set_criteria(
            tender_id=tender.pk,
            actor=officer,
            criteria=[
                CriterionInput(kind="price", name="Preis", weight=Decimal("50")),
                CriterionInput(kind="quality", name="Qualität", weight=Decimal("40")),
            ],
        )
    assert "add up to 90, not 100" in caught.value.message
    assert caught.value.code == "criteria_weights"
    assert list(tender.criteria.values_list("name", "weight")) == before


def test_criteria_need_price_or_cost(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    with pytest.raises(TenderValidationError) as caught:
        tender_set_criteria(
            tender_id=tender.pk,
            actor=officer,
            criteria=[CriterionInput(kind="quality", name="Konzept", weight=Decimal("100"))],
        )
    assert "VgV §58" in caught.value.message


def test_lot_criteria_and_lot_values(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    lot1 = lot_save(
        tender_id=tender.pk,
        actor=officer,
        data=LotInput(
            number=1, title="Tische", cpv_main="39130000-2", estimated_value=Decimal("200000")
        ),
    )
    lot_save(
        tender_id=tender.pk,
        actor=officer,
        data=LotInput(
            number=2, title="Stühle", cpv_main="39130000-2", estimated_value=Decimal("50000")
        ),
    )
    with pytest.raises(TenderValidationError):
        lot_save(
            tender_id=tender.pk,
            actor=officer,
            data=LotInput(
                number=2, title="dup", cpv_main="39130000-2", estimated_value=Decimal("1")
            ),
        )
    tender_set_criteria(
        tender_id=tender.pk,
        actor=officer,
        lot_id=lot1.pk,
        criteria=[CriterionInput(kind="price", name="Preis", weight=Decimal("100"))],
    )
    assert AwardCriterion.objects.filter(lot=lot1).count() == 1
    # Lots add up to 250,000 but the tender says 300,000: submission names VgV §3 Abs. 7.
    with pytest.raises(TenderValidationError) as caught:
        tender_submit(tender_id=tender.pk, actor=officer)
    assert "VgV §3 Abs. 7" in caught.value.message
    assert Lot.objects.filter(tender=tender).count() == 2
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT


def test_committee_needs_k_at_least_two_and_at_most_n_and_the_role(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    members = committee_members(authority, 3)
    with pytest.raises(TenderValidationError) as too_small:
        tender_set_committee(
            tender_id=tender.pk, actor=officer, member_ids=[m.pk for m in members], quorum=1
        )
    assert "VgV §55" in too_small.value.message
    with translation.override("en"), pytest.raises(TenderValidationError) as too_big:
        tender_set_committee(
            tender_id=tender.pk, actor=officer, member_ids=[members[0].pk, members[1].pk], quorum=3
        )
    assert "only 2" in too_big.value.message
    outsider = person(authority, Role.EVALUATOR)
    with pytest.raises(TenderValidationError) as no_role:
        tender_set_committee(
            tender_id=tender.pk,
            actor=officer,
            member_ids=[members[0].pk, outsider.pk],
            quorum=2,
        )
    assert outsider.username in no_role.value.message
    tender_set_committee(
        tender_id=tender.pk, actor=officer, member_ids=[m.pk for m in members], quorum=3
    )
    tender.refresh_from_db()
    assert tender.opening_quorum == 3
    assert tender.committee.count() == 3


def test_only_drafts_are_editable(authority, officer):
    tender = draft_tender(authority=authority, officer=officer)
    tender_submit(tender_id=tender.pk, actor=officer)
    with pytest.raises(TenderStateError):
        tender_update(tender_id=tender.pk, actor=officer, data=tender_input(title="Neu"))
    tender.refresh_from_db()
    assert tender.title == "Lieferung von Büromöbeln"


def test_submit_lists_what_is_missing(authority, officer):
    tender = draft_tender(authority=authority, officer=officer, documents=False)
    with pytest.raises(TenderValidationError) as caught:
        tender_submit(tender_id=tender.pk, actor=officer)
    assert "VgV §41" in caught.value.message
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT
