"""Browser-test fixtures shared by every app: a headless Debian Chromium driven by Playwright.

Registered as a pytest plugin by the root conftest.py, so ``chromium`` and ``page`` are available to every test. A missing chromium skips
the tests on a developer machine and fails them when ``CI`` is set.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside one
# unless told that this is safe (it is: the test thread does not share connections with the loop).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium; skipped when absent on a developer machine, a loud failure in CI."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed but CI is set: the browser tests must run in CI "
                        "(apt-get install chromium)", pytrace=False)
        pytest.skip("chromium is not installed (set CI=1 to make this a failure)")
    return path


@pytest.fixture(scope="module")
def chromium():  # type: ignore[no-untyped-def]
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):  # type: ignore[no-untyped-def]
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768}, accept_downloads=True)
    context.set_default_timeout(5000)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    """Sign ``username`` (a persona, password ``personas.PASSWORD``) in through the login page."""
    from jingzhun.testing.personas import PASSWORD

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{live_server.url}/")
