"""Browser tests: Playwright for Python driving Debian's headless Chromium against the live server.

Fixtures: ``browser`` (session), ``page`` (a fresh context per test, ``base_url`` = the live
server), ``screenshot(name)`` (saves ``test-artifacts/screenshots/<test>/<n>-<name>.png``) and
``login`` (``login(page, username, password)`` through the form at /accounts/login/). Every test
here is marked ``e2e``. A failing test leaves a ``failure`` screenshot beside its others.
Chromium missing → the tests FAIL with the command that installs it; they never skip.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside one
# unless told that this is deliberate (the tests call it synchronously between browser steps).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _never_serve_media(self: Any, path: str) -> bool:
    return False


# Django's live server wraps every request in a MEDIA_URL file handler, which breaks on our
# MEDIA_URL = None (nothing under MEDIA_ROOT is served by URL; files go out through permission-
# checked views). Switch that handler off rather than invent a media URL for the tests.
from django.test.testcases import _MediaFilesHandler  # noqa: E402

_MediaFilesHandler._should_handle = _never_serve_media

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("ZUSCHLAG_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 15_000


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    # Remember each phase's outcome on the item, so ``page`` can take a failure screenshot.
    report = yield
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


# Package scope, not session: a running Playwright keeps an event loop on this thread, and another
# folder's browser tests (pytest-django reorders tests by database use) cannot start their own
# Playwright while ours is still open. pytest closes this one when it leaves tests/e2e.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"browser tests need Chromium at {CHROMIUM}, which is missing: install it with "
            "`apt-get install -y chromium` (as .ci/run does) or set ZUSCHLAG_CHROMIUM",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as error:
        playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
    try:
        yield instance
    finally:
        instance.close()
        playwright.stop()


def _test_dir_name(node: pytest.Item) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", node.name).strip("_")[:120]


@pytest.fixture
def screenshot_dir(request: pytest.FixtureRequest) -> Path:
    folder = SCREENSHOTS / _test_dir_name(request.node)
    shutil.rmtree(folder, ignore_errors=True)  # only this run's pictures of this test
    return folder


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest, screenshot_dir: Path):
    context = browser.new_context(
        base_url=live_server.url, locale="de-DE", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    try:
        yield new_page
    finally:
        report = getattr(request.node, "_e2e_report_call", None)
        if report is not None and report.failed:
            screenshot_dir.mkdir(parents=True, exist_ok=True)
            try:
                new_page.screenshot(path=str(screenshot_dir / "failure.png"), full_page=True)
            except Exception:  # the page may be gone with the failure; the report still counts
                pass
        context.close()


@pytest.fixture
def screenshot(page: Any, screenshot_dir: Path) -> Callable[[str], Path]:
    """``screenshot("login")`` saves ``<n>-login.png`` (full page) and returns its path."""
    counter = {"n": 0}

    def take(name: str) -> Path:
        counter["n"] += 1
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
        path = screenshot_dir / f"{counter['n']:02d}-{safe}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page: Any, username: str, password: str) -> None:
    """Sign in through the login form; raise AssertionError with the page's message if refused."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if page.locator("header .who").count() == 0:
        errors = page.locator("main .errorlist").all_inner_texts()
        raise AssertionError(f"login as {username!r} failed: {errors or page.url}")


@pytest.fixture(name="login")
def login_fixture() -> Callable[[Any, str, str], None]:
    return login


@pytest.fixture
def login_as(live_server: Any) -> Callable[[Any, Any], None]:
    """``login_as(page, user)``: a signed-in session without the form, for tests about other pages.

    Sets the session cookie Django's test client gets from ``force_login``; use ``login`` when the
    sign-in itself is under test.
    """
    from urllib.parse import urlparse

    from django.conf import settings
    from django.test import Client

    host = urlparse(live_server.url).hostname

    def sign_in(page: Any, user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "domain": host, "path": "/"}]
        )

    return sign_in
