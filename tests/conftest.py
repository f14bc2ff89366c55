import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import CHROMIUM, INSTALL_HINT, SUB_PATH, LocalServer, chromium  # noqa: E402
from sitebuild import mkdocs_build  # noqa: E402


@dataclass
class SiteBuild:
    """A finished ``mkdocs build --strict`` of the book."""

    site: Path  # the site directory
    cache: Path  # the figure and lab caches it filled, which later builds may reuse
    result: object  # the CompletedProcess of the build


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """Build the site once per session, from empty caches (a cold build)."""
    base = tmp_path_factory.mktemp("site-build")
    site, cache = base / "site", base / "cache"
    return SiteBuild(site, cache, mkdocs_build(site, cache))


@pytest.fixture(scope="session")
def site(built_site):
    """The site directory of a build that succeeded; fails every user if the build failed."""
    result = built_site.result
    if result.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{result.stderr[-3000:]}")
    return built_site.site


@pytest.fixture(scope="session")
def server(site):
    """The session's build, served on 127.0.0.1."""
    with LocalServer(site) as running:
        yield running


@pytest.fixture(scope="session")
def sub_path_server(built_site, tmp_path_factory):
    """The book built with a site_url under /book/, and served there."""
    root = tmp_path_factory.mktemp("sub-path")
    with LocalServer(root) as running:
        result = mkdocs_build(
            root / SUB_PATH, built_site.cache, site_url=f"{running.origin}/{SUB_PATH}"
        )
        if result.returncode != 0:
            pytest.fail(
                f"mkdocs build with site_url .../{SUB_PATH} failed:\n{result.stderr[-3000:]}"
            )
        yield running


@pytest.fixture(scope="session")
def browser(server, sub_path_server):
    """Chromium for every browser test of the session.

    Playwright's sync API cannot start while another instance of it runs, so
    tests/test_print.py uses this one too.
    """
    if not CHROMIUM.exists():
        pytest.fail(INSTALL_HINT)
    with chromium([server.origin, sub_path_server.origin]) as running:
        yield running
