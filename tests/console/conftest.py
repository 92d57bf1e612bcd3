"""Browser tests: the session's app served over real HTTP, driven by Debian's headless Chromium."""

import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def live_url(app):
    """The app on a free local port, one thread per request."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():  # never `playwright install`: Debian's package is the browser
        pytest.fail("Debian's chromium is missing: `apt-get install chromium` "
                    "(scripts/test.sh installs it).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_url):
    """A fresh browser profile (no stored session) whose scripts must not throw."""
    context = browser.new_context(base_url=live_url, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    yield page
    context.close()
    assert not errors, f"script errors in the page: {errors}"
