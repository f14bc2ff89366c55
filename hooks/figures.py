"""Render the book's figures at build time, without writing into docs/.

Every figure registered in ``vcbook.figures`` is added to the build as a
generated file ``figures/<lang>/<name>-<scheme>.svg``. Pages reference them as
ordinary images, with Material's ``#only-light`` and ``#only-dark`` suffixes.

Renders are cached on disk under ``.cache/figures`` (or ``$VCBOOK_CACHE_DIR``)
keyed by a hash of the vcbook sources, so a rebuild without code changes
renders nothing, and ``mkdocs serve`` detects no file change in docs/.
"""

import logging
import os
import time
from pathlib import Path

from mkdocs.structure.files import File

from vcbook.figures import LANGUAGES, SCHEMES, figure_names, render, source_hash

log = logging.getLogger("mkdocs.hooks.figures")


def cache_dir(config):
    default = Path(config.config_file_path).parent / ".cache" / "figures"
    return Path(os.environ.get("VCBOOK_CACHE_DIR", default))


def _cached_render(name, lang, scheme, key, directory):
    """Return the cached SVG's path and the render time (None if it was cached)."""
    path = directory / f"{key[:16]}-{name}-{lang}-{scheme}.svg"
    if path.exists():
        return path, None
    start = time.perf_counter()
    content = render(name, lang, scheme)
    seconds = time.perf_counter() - start
    directory.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(content)
    temporary.replace(path)
    return path, seconds


def on_files(files, config):
    key = source_hash()
    directory = cache_dir(config)
    rendered = cached = 0
    for name in figure_names():
        for lang in LANGUAGES:
            for scheme in SCHEMES:
                path, seconds = _cached_render(name, lang, scheme, key, directory)
                if seconds is None:
                    cached += 1
                else:
                    rendered += 1
                    log.info(
                        "figure %s (%s, %s) rendered in %.2f s",
                        name,
                        lang,
                        scheme,
                        seconds,
                    )
                destination = f"figures/{lang}/{name}-{scheme}.svg"
                # A path rather than in-memory content: mkdocs-static-i18n 1.3
                # expects every file to have an abs_src_path.
                files.append(
                    File.generated(config, destination, abs_src_path=str(path))
                )
    log.info("figures: %d rendered, %d cached", rendered, cached)
    return files
