import pytest
from django.utils import translation

from procurement.core.errors import TransitionForbiddenError
from procurement.core.roles import Role
from tests.factories import AuthorityFactory, person
from workflows.four_eyes import ensure_second_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The site defaults to German; these tests read the English source messages.
    with translation.override("en"):
        yield


def test_second_person_with_role_passes(officer, approver, authority):
    ensure_second_person(
        requested_by=officer, actor=approver, organisation=authority, role=Role.APPROVER
    )


def test_requester_cannot_approve_own_request(authority):
    both = person(authority, Role.PROCUREMENT_OFFICER, Role.APPROVER, username="both")
    with pytest.raises(TransitionForbiddenError, match="Vier-Augen-Prinzip") as caught:
        ensure_second_person(
            requested_by=both, actor=both, organisation=authority, role=Role.APPROVER
        )
    assert "both" in caught.value.message
    assert "cannot also approve" in caught.value.message
    assert caught.value.status_code == 403


def test_requester_given_by_pk_is_recognised(authority):
    both = person(authority, Role.APPROVER, username="both")
    with pytest.raises(TransitionForbiddenError, match="Vier-Augen-Prinzip"):
        ensure_second_person(
            requested_by=both.pk, actor=both, organisation=authority, role=Role.APPROVER
        )


def test_second_person_without_role_is_refused(officer, authority):
    colleague = person(authority, Role.PROCUREMENT_OFFICER, username="colleague")
    with pytest.raises(TransitionForbiddenError, match="does not hold the role") as caught:
        ensure_second_person(
            requested_by=officer, actor=colleague, organisation=authority, role=Role.APPROVER
        )
    assert "Approver" in caught.value.message


def test_role_in_another_organisation_does_not_count(officer, authority):
    elsewhere = AuthorityFactory()
    outsider = person(elsewhere, Role.APPROVER, username="outsider")
    with pytest.raises(TransitionForbiddenError, match="does not hold the role"):
        ensure_second_person(
            requested_by=officer, actor=outsider, organisation=authority, role=Role.APPROVER
        )


def test_inactive_membership_does_not_count(officer, authority):
    from procurement.core.models import Membership

    former = person(authority, Role.APPROVER, username="former")
    Membership.objects.filter(user=former).update(active=False)
    with pytest.raises(TransitionForbiddenError):
        ensure_second_person(
            requested_by=officer, actor=former, organisation=authority, role=Role.APPROVER
        )


def test_system_or_anonymous_actor_is_refused(officer, authority):
    from django.contrib.auth.models import AnonymousUser

    for actor in (None, AnonymousUser()):
        with pytest.raises(TransitionForbiddenError, match="signed-in person"):
            ensure_second_person(
                requested_by=officer, actor=actor, organisation=authority, role=Role.APPROVER
            )


def test_message_goes_through_gettext(officer, authority, monkeypatch):
    import workflows.four_eyes as four_eyes

    monkeypatch.setattr(four_eyes, "_", lambda text: "ÜBERSETZT " + text)
    with translation.override("de"), pytest.raises(TransitionForbiddenError, match="ÜBERSETZT"):
        ensure_second_person(
            requested_by=officer, actor=officer, organisation=authority, role=Role.APPROVER
        )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "hat diesen Schritt beantragt und darf ihn nicht selbst freigeben"),
        ("fr", "a demandé cette étape et ne peut pas la valider"),
        ("en", "requested this step and cannot also approve it"),
    ],
)
def test_message_is_translated(officer, authority, language, expected):
    with translation.override(language), pytest.raises(TransitionForbiddenError) as caught:
        ensure_second_person(
            requested_by=officer, actor=officer, organisation=authority, role=Role.APPROVER
        )
    # every language keeps the bilingual name of the rule in front, so it is recognisable
    assert caught.value.message.startswith("Vier-Augen-Prinzip / four-eyes principle")
    assert expected in caught.value.message
