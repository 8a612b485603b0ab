"""The demo seed runs through the real services, twice without duplicates."""

import pytest

from procurement.core.demo import seed_core
from tenders.demo import seed
from tenders.models import Tender, TenderState

pytestmark = pytest.mark.django_db


def test_seed_creates_tenders_in_several_states_and_is_repeatable():
    context = seed_core()
    created = seed(context)
    assert created["published_supplies"].state == TenderState.PUBLISHED
    assert created["published_works_national"].regime == "national"
    assert created["pending_approval"].state == TenderState.PENDING_APPROVAL
    assert created["draft"].state == TenderState.DRAFT
    assert created["published_supplies"].questions.answered().count() == 1
    count = Tender.objects.count()
    seed(context)
    assert Tender.objects.count() == count
