"""The book's Markdown pages as the reader sees them: snippets expanded.

pytest-codeblocks reads raw Markdown, where a block holding only
``--8<-- "src/vcbook/mle.py:nll"`` is still valid Python. The tests therefore
expand snippets with pymdownx's own preprocessor, configured from mkdocs.yml,
before extracting code blocks.
"""

import functools
import os
import re
from pathlib import Path

import markdown
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LANGUAGES = ("pt", "en")

FENCE = re.compile(r"^(?P<indent>\s*)(?P<ticks>`{3,}|~{3,})(?P<info>.*)$")
MARKER = re.compile(r"^\s*<!--[-\s]*pytest-codeblocks:(?P<keyword>.*?)[-\s]*-->\s*$")


def markdown_pages():
    """Return every Markdown page under docs/, sorted."""
    return sorted(DOCS.rglob("*.md"))


@functools.cache
def snippets_config():
    config = load_config(str(ROOT / "mkdocs.yml"))
    options = dict(config.mdx_configs["pymdownx.snippets"])
    options["base_path"] = [os.fspath(path) for path in options["base_path"]]
    return options


def expand_snippets(text):
    """Return ``text`` with every ``--8<--`` include replaced by the included lines."""
    md = markdown.Markdown(
        extensions=["pymdownx.snippets"],
        extension_configs={"pymdownx.snippets": snippets_config()},
    )
    preprocessor = md.preprocessors["snippet"]
    return "\n".join(preprocessor.run(text.split("\n"))) + "\n"


@functools.cache
def rendered_source(page):
    """Return the Markdown of ``page`` with snippets expanded."""
    return expand_snippets(Path(page).read_text(encoding="utf-8"))


def fences(text):
    """List the code fences of ``text`` as (line number, info string, body, marker before).

    ``marker before`` is the pytest-codeblocks keyword on the last non-blank
    line before the fence, or None.
    """
    lines = text.split("\n")
    found = []
    last_marker = None
    index = 0
    while index < len(lines):
        line = lines[index]
        marker = MARKER.match(line)
        if marker:
            last_marker = marker.group("keyword").strip()
            index += 1
            continue
        fence = FENCE.match(line)
        if fence:
            ticks = fence.group("ticks")
            body = []
            index += 1
            while index < len(lines) and not lines[index].strip().startswith(ticks):
                body.append(lines[index])
                index += 1
            found.append(
                (index + 1, fence.group("info").strip(), "\n".join(body), last_marker)
            )
            last_marker = None
        elif line.strip():
            last_marker = None
        index += 1
    return found
