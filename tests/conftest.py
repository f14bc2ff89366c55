import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

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
