"""Browser tests: the session's app served over real HTTP, driven by Debian's headless Chromium."""

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
# Playwright's 5 s default is tight on a shared 2-core CI machine running two databases' suites.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


class InFlight:
    """WSGI middleware that closes the app between tests.

    A closed browser context does not stop a request the server already took, nor one still
    waiting in the listen backlog; the test's cleanup must wait for the first and refuse the
    second, or its TRUNCATE deadlocks with that request's reads."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.closed = False
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            if self.closed:
                start_response("503 Service Unavailable", [("Content-Type", "application/json")])
                return [b'{"error": {"code": "BETWEEN_TESTS", "message": "between tests"}}']
            self.count += 1
        try:
            # Buffered, and closed here (Flask's teardown runs on close), so that the count
            # covers the whole response, streamed bodies and the session's release included.
            body = self.app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def open(self):
        with self.idle:
            self.closed = False

    def close(self, timeout=30):
        with self.idle:
            self.closed = True
            if not self.idle.wait_for(lambda: self.count == 0, timeout):
                pytest.fail(f"{self.count} requests still running {timeout} s after the test")


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a free local port, one thread per request."""
    in_flight = InFlight(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    in_flight.url = f"http://127.0.0.1:{server.port}"
    yield in_flight
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
def page(browser, live_server):
    """A fresh browser profile (no stored session) whose scripts must not throw."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    live_server.open()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    yield page
    context.close()
    live_server.close()
    assert not errors, f"script errors in the page: {errors}"
