"""Assemble the print version of the book: every page of the language's nav on one page.

The page ``docs/print.<lang>.md`` contains a short introduction. MkDocs
renders the Markdown of all pages before it applies any template, so when it
builds the print page, every other page of the language's navigation already
has its HTML. ``on_page_context`` appends those pages in nav order, each in
its own ``<section class="print-page">`` that starts on a new sheet. The
sections keep their math (arithmatex markup, typeset by MathJax on the print
page), figures and lab outputs; relative links and image sources are
rewritten for the print page's URL. The API reference is left out: it is
generated from the code and is read on screen.

mkdocs-print-site-plugin 2.9 adds one print page for the whole site, and
mkdocs-static-i18n builds each language from its own files, so that page
would mix or miss languages; this hook builds one print page per language
from the navigation that mkdocs-static-i18n already translated.
"""

import posixpath
import re

from mkdocs.plugins import event_priority
from mkdocs.structure.toc import AnchorLink, TableOfContents

PRINT_PAGE = "print"
LEFT_OUT = {"print", "api"}
# Relative URLs: not a scheme, not the site root, not a fragment or a query.
RELATIVE_URL = re.compile(
    r'(?P<attribute>\s(?:src|href))="(?P<url>(?![a-z][a-z0-9+.-]*:|/|#|\?)[^"]*)"'
)
# Identical style and script blocks (the notebook theme of each lab) are kept once.
STYLE_OR_SCRIPT = re.compile(r"<(style|script)\b[^>]*>.*?</\1>", re.DOTALL)


def _is_print_page(page):
    return page.file.name == PRINT_PAGE and page.file.src_uri.startswith(
        f"{PRINT_PAGE}."
    )


def _relocate(html, source_url, target_url):
    """Rewrite the relative URLs of ``html`` from page ``source_url`` to page ``target_url``."""
    source_directory = posixpath.dirname("/" + source_url)
    target_directory = posixpath.dirname("/" + target_url)

    def rewrite(match):
        url = match["url"]
        path, hash_mark, fragment = url.partition("#")
        absolute = (
            posixpath.normpath(posixpath.join(source_directory, path))
            if path
            else "/" + source_url
        )
        relative = posixpath.relpath(absolute, target_directory)
        if path.endswith("/") or (not path and source_url.endswith("/")):
            relative += "/"
        return f'{match["attribute"]}="{relative}{hash_mark}{fragment}"'

    return RELATIVE_URL.sub(rewrite, html)


def _without_repeated_blocks(html, seen):
    def keep_first(match):
        block = match.group(0)
        if block in seen:
            return ""
        seen.add(block)
        return block

    return STYLE_OR_SCRIPT.sub(keep_first, html)


def _section_id(page):
    # norm_src_uri is mkdocs-static-i18n's source path without the language
    # suffix, so both languages get the same ids ("print-capitulo-1").
    source = getattr(page.file, "norm_src_uri", page.file.src_uri)
    return "print-" + posixpath.splitext(source)[0].replace("/", "-")


def printed_pages(nav):
    """Return the pages of ``nav`` that the print version contains, in order."""
    return [page for page in nav.pages if page.file.name not in LEFT_OUT]


# Before the search plugin (0), so that plugins reading the page get the whole book.
@event_priority(100)
def on_page_context(context, page, config, nav):
    if not _is_print_page(page):
        return context

    sections, toc, seen_blocks = [page.content], [], set()
    for other in printed_pages(nav):
        if other.content is None:
            continue
        content = _relocate(other.content, other.url, page.url)
        content = _without_repeated_blocks(content, seen_blocks)
        section_id = _section_id(other)
        sections.append(
            f'<section class="print-page" id="{section_id}">\n{content}\n</section>'
        )
        toc.append(AnchorLink(other.title, section_id, 2))
    page.content = "\n".join(sections)
    page.toc = TableOfContents(toc)
    return context
