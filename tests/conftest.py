"""Fixtures shared by every app's tests: organisations, people in roles, the shared corpus path."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ZUSCHLAG_SHARED", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        raise RuntimeError(
            f"shared material not found at {SHARED}: set ZUSCHLAG_SHARED to the folder holding "
            "corpus/, eforms-sdk/ and ocds-schema/"
        )
    return SHARED


@pytest.fixture
def authority(db):
    from tests.factories import AuthorityFactory

    return AuthorityFactory()


@pytest.fixture
def operator(db):
    from tests.factories import OperatorFactory

    return OperatorFactory()


@pytest.fixture
def officer(authority):
    from procurement.core.roles import Role
    from tests.factories import person

    return person(authority, Role.PROCUREMENT_OFFICER, username="officer")


@pytest.fixture
def approver(authority):
    from procurement.core.roles import Role
    from tests.factories import person

    return person(authority, Role.APPROVER, username="approver")


@pytest.fixture
def bidder(operator):
    from procurement.core.roles import Role
    from tests.factories import person

    return person(operator, Role.BIDDER_ADMIN, Role.BIDDER_USER, username="bidder")
