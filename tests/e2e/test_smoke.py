"""Smoke test of the browser harness: the home page renders, a person signs in and out."""

import pytest

from procurement.core.roles import Role
from tests.factories import AuthorityFactory, person


def test_home_page_and_login(page, screenshot, login):
    # given a procurement officer
    officer = person(AuthorityFactory(), Role.PROCUREMENT_OFFICER, username="e2e-officer")
    officer.first_name, officer.last_name = "Erika", "Mustermann"
    officer.save(update_fields=["first_name", "last_name"])

    # when an anonymous visitor opens the home page
    response = page.goto("/")
    assert response is not None
    assert response.status == 200
    assert page.locator("a.brand").inner_text() == "zuschlag"
    assert page.locator("header a[href='/accounts/login/']").count() == 1
    first = screenshot("home")
    assert first.name == "01-home.png"
    assert first.stat().st_size > 1000

    # then the officer can sign in through the form and is greeted by name
    login(page, "e2e-officer", "secret-pass-123")
    assert page.locator("header .who").inner_text() == "Erika Mustermann"
    assert screenshot("signed-in").name == "02-signed-in.png"


def test_wrong_password_is_refused(page, login):
    person(AuthorityFactory(), Role.APPROVER, username="e2e-approver")
    with pytest.raises(AssertionError, match="login as 'e2e-approver' failed"):
        login(page, "e2e-approver", "wrong-password")
    assert page.locator("header .who").count() == 0


def test_login_as_skips_the_form(page, login_as):
    user = person(AuthorityFactory(), Role.AP_CLERK, username="e2e-clerk")
    login_as(page, user)
    page.goto("/")
    assert page.locator("header .who").inner_text() == user.get_full_name()
