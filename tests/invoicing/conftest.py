import pytest

from tests.invoicing import factories as f


@pytest.fixture
def de_buyer(db):
    return f.german_authority()


@pytest.fixture
def fr_buyer(db):
    return f.french_authority()


@pytest.fixture
def de_supplier(db):
    return f.german_supplier()


@pytest.fixture
def fr_supplier(db):
    return f.french_supplier()


@pytest.fixture
def staff(de_buyer):
    return f.ap_staff(de_buyer)


@pytest.fixture
def fr_staff(fr_buyer):
    return f.ap_staff(fr_buyer)
