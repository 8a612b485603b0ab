"""Factories shared by every app's tests (factory_boy)."""

import factory

from procurement.core.models import Membership, Organisation, User
from procurement.core.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("secret-pass-123")


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.AUTHORITY
    authority_type = Organisation.AuthorityType.SUB_CENTRAL
    name = factory.Sequence(lambda n: f"Stadt Musterstadt {n}")
    country = "DE"
    vat_id = "DE123456788"
    leitweg_id = "04011000-1234512345-06"
    street = "Rathausplatz 1"
    postcode = "10115"
    city = "Berlin"
    nuts = "DE300"
    email = factory.LazyAttribute(lambda o: f"vergabe{o.name[-1]}@example.org")


class OperatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.OPERATOR
    name = factory.Sequence(lambda n: f"Bau GmbH {n}")
    country = "DE"
    vat_id = "DE136695976"
    street = "Industriestraße 5"
    postcode = "50667"
    city = "Köln"
    nuts = "DEA23"
    email = factory.Sequence(lambda n: f"bieter{n}@example.org")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(AuthorityFactory)
    role = Role.PROCUREMENT_OFFICER


def person(organisation: Organisation, *roles: str, username: str | None = None) -> User:
    """A user holding ``roles`` in ``organisation``."""
    user = UserFactory(username=username) if username else UserFactory()
    for role in roles:
        Membership.objects.create(user=user, organisation=organisation, role=role)
    return user
