"""Serve a built site on 127.0.0.1 and drive Debian's Chromium with Playwright.

Used by tests/test_browser.py and benchmarks/performance.py. Playwright's
own browser download (``playwright install``) is never used: the browser is
the system's ``/usr/bin/chromium``.
"""

import functools
import http.server
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = Path("/usr/bin/chromium")
# The path under which the sub_path_server fixture (tests/conftest.py) serves the book.
SUB_PATH = "book/"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
INSTALL_HINT = (
    f"Chromium was not found at {CHROMIUM}; the browser tests need it. "
    "Install it with: apt-get update && apt-get install -y chromium"
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass  # one line per request would bury the test output


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A page closed before its last response was sent resets the
        # connection; that is the test's doing, not a server failure.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    """An HTTP server for ``directory`` on 127.0.0.1, on a free port, in a thread."""

    def __init__(self, directory):
        handler = functools.partial(_QuietHandler, directory=str(directory))
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class Browser:
    """Chromium in a fresh profile that may only reach the origins it is given.

    Every request to another origin is aborted in a route handler and its URL
    stored in ``foreign_requests``.
    """

    def __init__(self, playwright, profile, allowed_origins):
        self.allowed_origins = set(allowed_origins)
        self.foreign_requests = []
        self.context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        self.context.route("**/*", self._route)

    def _route(self, route):
        parts = urlsplit(route.request.url)
        if f"{parts.scheme}://{parts.netloc}" in self.allowed_origins:
            route.continue_()
        else:
            self.foreign_requests.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


@contextmanager
def chromium(allowed_origins):
    """Yield a :class:`Browser`; raise RuntimeError if /usr/bin/chromium is missing."""
    if not CHROMIUM.exists():
        raise RuntimeError(INSTALL_HINT)
    from playwright.sync_api import sync_playwright

    profile = Path(tempfile.mkdtemp(prefix="vcbook-chromium-"))
    try:
        with sync_playwright() as playwright:
            browser = Browser(playwright, profile, allowed_origins)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def wait_for_mathjax(page, timeout_ms=30_000):
    """Wait until MathJax has finished its first typeset of ``page``."""
    page.wait_for_function(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
        timeout=timeout_ms,
    )
    page.evaluate("() => MathJax.startup.promise.then(() => true)")


# Records, in window.__mathjaxDoneMs, the time from navigation start to the end
# of MathJax's first typeset. MathJax creates startup.promise as soon as it
# loads, long before typesetting ends, so polling every few milliseconds
# attaches the callback in time to see the exact moment it resolves.
MATHJAX_TIMER_SCRIPT = """
(() => {
  const poll = setInterval(() => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      clearInterval(poll);
      MathJax.startup.promise.then(() => { window.__mathjaxDoneMs = performance.now(); });
    }
  }, 2);
})();
"""


def mathjax_done_ms(page, timeout_ms=30_000):
    """Return ms from navigation start to the end of MathJax's first typeset.

    ``page`` must have run :data:`MATHJAX_TIMER_SCRIPT` as an init script.
    """
    page.wait_for_function(
        "() => window.__mathjaxDoneMs !== undefined", timeout=timeout_ms
    )
    return page.evaluate("() => window.__mathjaxDoneMs")
