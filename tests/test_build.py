"""Build the whole site with mkdocs --strict and check what readers get."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sitebuild import mkdocs_build

from vcbook.figures import LANGUAGES, SCHEMES, figure_names

SUMMARY = re.compile(r"figures: (\d+) rendered, (\d+) cached")


@pytest.fixture(scope="module")
def builds(built_site, tmp_path_factory):
    # The session's build started from an empty cache (cold); the warm build
    # reuses that cache and writes to its own directory, so the session's site
    # stays untouched for the other tests.
    cold = built_site.result
    warm = None
    if cold.returncode == 0:
        warm = mkdocs_build(tmp_path_factory.mktemp("warm") / "site", built_site.cache)
    return built_site.site, cold, warm


class _Resources(HTMLParser):
    def __init__(self):
        super().__init__()
        self.loaded = []  # URLs the browser fetches while reading the page
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in ("script", "img", "iframe", "source") and attrs.get("src"):
            self.loaded.append(attrs["src"])
        if tag == "link" and attrs.get("rel") in (
            "stylesheet",
            "preload",
            "icon",
            "modulepreload",
        ):
            self.loaded.append(attrs.get("href", ""))


def _html_pages(site):
    return sorted(site.rglob("*.html"))


def test_build_strict_has_no_warnings(builds):
    _, cold, _ = builds
    assert cold.returncode == 0, cold.stderr[-3000:]
    assert "WARNING" not in cold.stderr


def test_build_logs_figure_summary(builds):
    _, cold, warm = builds
    rendered, cached = map(int, SUMMARY.search(cold.stderr).groups())
    assert rendered == len(figure_names()) * len(LANGUAGES) * len(SCHEMES)
    assert cached == 0


def test_rebuild_without_changes_renders_nothing(builds):
    _, _, warm = builds
    assert warm is not None and warm.returncode == 0
    summaries = SUMMARY.findall(warm.stderr)
    assert summaries, warm.stderr[-2000:]
    assert all(int(rendered) == 0 for rendered, _ in summaries)


@pytest.mark.parametrize(
    "page", ["index.html", "capitulo-1/index.html", "errata/index.html"]
)
def test_page_built_in_both_languages(builds, page):
    site, _, _ = builds
    for prefix, lang in (("", "pt"), ("en/", "en")):
        path = site / prefix / page
        assert path.exists(), f"{prefix}{page} was not built"
        parser = _Resources()
        parser.feed(path.read_text(encoding="utf-8"))
        assert parser.lang == lang


def test_every_figure_published(builds):
    site, _, _ = builds
    for name in figure_names():
        for lang in LANGUAGES:
            for scheme in SCHEMES:
                path = site / "figures" / lang / f"{name}-{scheme}.svg"
                assert path.exists(), f"{path.relative_to(site)} missing"


def test_pages_load_only_local_resources(builds):
    site, _, _ = builds
    for page in _html_pages(site):
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.loaded:
            parts = urlsplit(url)
            where = page.relative_to(site)
            assert not parts.scheme and not parts.netloc, (
                f"{where} loads {url} from another host"
            )
            if parts.path.startswith("/"):  # 404.html links from the site root
                target = site / parts.path.lstrip("/")
            else:
                target = (page.parent / parts.path).resolve()
            assert target.exists(), f"{where} loads {url}, which is not in the site"


def test_mathjax_served_locally(builds):
    site, _, _ = builds
    assert (site / "assets" / "mathjax" / "tex-chtml.js").exists()
    assert any(
        (
            site / "assets" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
        ).iterdir()
    )


def test_pages_use_language_figures(builds):
    site, _, _ = builds
    for prefix, lang in (("", "pt"), ("en/", "en")):
        html = (site / prefix / "capitulo-1" / "index.html").read_text(encoding="utf-8")
        figures = re.findall(
            r'src="[^"]*figures/(\w+)/[\w-]+-(light|dark)\.svg#only-\2"', html
        )
        assert figures, f"no figures on {prefix}capitulo-1"
        assert {found_lang for found_lang, _ in figures} == {lang}


FOOTNOTE_REFERENCE = re.compile(r'href="#fn:(\d+)">(\d+)</a></sup>')


def test_footnotes_keep_the_notes_numbers(builds):
    site, _, _ = builds
    for page in _html_pages(site):
        for label, shown in FOOTNOTE_REFERENCE.findall(
            page.read_text(encoding="utf-8")
        ):
            assert label == shown, (
                f"{page.relative_to(site)}: footnote {label} shown as {shown}"
            )


NOT_PROSE = re.compile(
    r"<pre.*?</pre>|<code.*?</code>|<script.*?</script>"
    r'|<span class="arithmatex">.*?</span>|<div class="arithmatex">.*?</div>',
    re.DOTALL,
)
RAW_MATH = re.compile(r"\$[^$\s][^$<]*\$")


def test_no_raw_math_outside_arithmatex(builds):
    site, _, _ = builds
    for page in _html_pages(site):
        if "assets" in page.parts:
            continue
        prose = NOT_PROSE.sub("", page.read_text(encoding="utf-8"))
        found = RAW_MATH.findall(prose)
        assert not found, f"{page.relative_to(site)} shows raw TeX: {found[:3]}"
