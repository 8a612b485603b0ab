import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from procurement.core.models import Membership
from procurement.core.roles import Role, has_role, role_permission
from tests.factories import AuthorityFactory, person


@pytest.mark.django_db
def test_role_counts_only_in_its_own_organisation(authority):
    # given an officer of one authority
    other = AuthorityFactory()
    user = person(authority, Role.PROCUREMENT_OFFICER)
    # then the role holds there and nowhere else
    assert has_role(user, authority, [Role.PROCUREMENT_OFFICER])
    assert not has_role(user, other, [Role.PROCUREMENT_OFFICER])
    assert not has_role(user, authority, [Role.APPROVER])


@pytest.mark.django_db
def test_inactive_membership_grants_nothing(authority):
    user = person(authority, Role.APPROVER)
    Membership.objects.filter(user=user).update(active=False)
    user = type(user).objects.get(pk=user.pk)
    assert not has_role(user, authority, [Role.APPROVER])


@pytest.mark.django_db
def test_fsm_permission_callable_uses_object_organisation(authority, operator):
    class Thing:
        def __init__(self, org):
            self.org = org

    check = role_permission(Role.APPROVER, organisation=lambda thing: thing.org)
    user = person(authority, Role.APPROVER)
    assert check(Thing(authority), user)
    assert not check(Thing(operator), user)


@pytest.mark.django_db
def test_bidder_role_is_refused_in_an_authority(authority):
    membership = Membership(user=person(authority), organisation=authority, role=Role.BIDDER_USER)
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="does not exist in this kind"),
    ):
        membership.clean()
