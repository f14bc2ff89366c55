"""Build the site with ``mkdocs build --strict`` in a subprocess, for the tests."""

import os
import subprocess
import sys

from pages import ROOT


def mkdocs_build(site, cache, *, site_url=None, root=ROOT):
    """Build the book into ``site`` with build caches under ``cache``; return the result.

    Figures are cached in ``cache/figures`` and executed labs in
    ``cache/notebooks``, so later builds given the same ``cache`` neither
    render a figure nor run a lab again.

    With ``site_url``, the build reads mkdocs.yml from standard input with
    ``site_url`` appended, so relative paths in it still resolve against the
    project root and mkdocs.yml itself is left untouched. ``root`` is the
    directory holding mkdocs.yml (a copy of the project, for tests that
    change pages).
    """
    env = {
        **os.environ,
        "VCBOOK_CACHE_DIR": str(cache / "figures"),
        "VCBOOK_NOTEBOOK_CACHE_DIR": str(cache / "notebooks"),
        "NO_MKDOCS_2_WARNING": "1",
    }
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        str(site),
    ]
    config_text = None
    if site_url is not None:
        config_text = (root / "mkdocs.yml").read_text(encoding="utf-8")
        config_text += f"\nsite_url: {site_url}\n"
        command += ["--config-file", "-"]
    return subprocess.run(
        command,
        cwd=root,
        input=config_text,
        capture_output=True,
        text=True,
        env=env,
    )
