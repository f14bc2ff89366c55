"""Every internal link and image of the built site reaches an existing file and anchor.

``validation: anchors: warn`` with ``--strict`` already fails the build on a
broken link written in Markdown. This test also covers links that only exist
in the HTML (theme templates, raw HTML in pages, the language selector,
footnotes), in both languages.
"""

import functools
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

# Links the theme writes that are not documents of this site.
IGNORED_SCHEMES = {"mailto", "javascript", "data", "tel"}


class _LinksAndIds(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []  # (tag, URL) of every <a href> and <img src>
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href") is not None:
            self.links.append((tag, attrs["href"]))
        if tag == "img" and attrs.get("src"):
            self.links.append((tag, attrs["src"]))


@functools.cache
def _parse(path):
    parser = _LinksAndIds()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    return parser


def _html_pages(site):
    return sorted(
        p for p in site.rglob("*.html") if "assets" not in p.relative_to(site).parts
    )


def _target_file(site, page, path):
    """The file that URL path ``path`` on ``page`` names, or None if it leaves the site."""
    if path.startswith("/"):  # 404.html links from the site root
        target = (site / unquote(path).lstrip("/")).resolve()
    else:
        target = (page.parent / unquote(path)).resolve()
    if not target.is_relative_to(site):
        return None
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def _broken_links(site, page):
    broken = []
    for tag, url in _parse(page).links:
        parts = urlsplit(url)
        if parts.scheme in IGNORED_SCHEMES or parts.netloc:
            continue  # test_build checks that no page loads anything from another host
        target = page if not parts.path else _target_file(site, page, parts.path)
        if target is None:
            broken.append(f"{url} (outside the site)")
            continue
        if not target.exists():
            broken.append(f"{url} ({target.relative_to(site)} not found)")
            continue
        fragment = unquote(parts.fragment)
        if (
            tag == "a"
            and fragment
            and target.suffix == ".html"
            and fragment not in _parse(target).ids
        ):
            broken.append(f"{url} (no id {fragment!r} in {target.relative_to(site)})")
    return broken


def test_site_has_links_to_check(site):
    pages = _html_pages(site.resolve())
    assert len(pages) >= 4
    assert sum(len(_parse(page).links) for page in pages) > 100


@pytest.mark.parametrize("language_root", ["", "en"])
def test_internal_links_resolve(site, language_root):
    site = site.resolve()
    root = site / language_root
    pages = [p for p in _html_pages(site) if p.is_relative_to(root)]
    if not language_root:
        pages = [p for p in pages if not p.is_relative_to(site / "en")]
    assert pages, f"no HTML pages under {root}"
    broken = {
        str(page.relative_to(site)): links
        for page in pages
        if (links := _broken_links(site, page))
    }
    assert broken == {}
