"""Read every page of the built book in Chromium, in both languages and both schemes.

The site is built once per session (tests/conftest.py) and served on
127.0.0.1; any request to another host is aborted and recorded. Each page is
loaded once per color scheme, and the tests below check what that load
recorded: math typeset, console errors, failed requests, figures per
scheme. A screenshot of each load is written to ``screenshots/`` (or
``$VCBOOK_SCREENSHOTS``) for review.

The tests fail, never skip, when /usr/bin/chromium is missing.
"""

import json
import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from browser import CHROMIUM, INSTALL_HINT, SUB_PATH, wait_for_mathjax
from pages import DOCS, LANGUAGES, ROOT, markdown_pages

DEFAULT_LANGUAGE = "pt"
# Playwright's color scheme -> Material's data-md-color-scheme.
SCHEMES = {"light": "default", "dark": "slate"}
# TeX that MathJax should have replaced; code blocks and code spans are removed first.
RAW_TEX = re.compile(
    r"\\\(|\\\)|\\\[|\\\]|\$\$|\\tag\b|\\(?:frac|mathbf|mathcal|sum|log)\b|\$[^$\s][^$\n]*\$"
)
SEARCHES = [
    # (language, query, URL path that must be among the results)
    ("pt", "verossimilhanças", "capitulo-1/"),
    ("en", "histograms", "en/capitulo-1/"),
]


def _url_of(page, lang):
    """URL path, relative to the site root, of docs/<name>.<lang>.md."""
    name = page.relative_to(DOCS).as_posix().rsplit(".", 2)[0]
    path = "" if name == "index" else f"{name}/"
    if name.endswith("/index"):
        path = name[: -len("index")]
    return path if lang == DEFAULT_LANGUAGE else f"{lang}/{path}"


def _site_pages():
    """(language, URL path) of every page of the book, from the docs/ sources."""
    found = []
    labs = sorted((DOCS / "labs").glob("*.py"))  # notebooks, pages like the others
    for page in [*markdown_pages(), *labs]:
        lang = page.name.rsplit(".", 2)[1]
        if lang in LANGUAGES:
            found.append((lang, _url_of(page, lang)))
    return found


PAGES = _site_pages()
# Pages whose front matter sets search.exclude (the print page repeats the book).
UNSEARCHED = {
    _url_of(page, page.name.rsplit(".", 2)[1])
    for page in markdown_pages()
    if re.match(r"---\n(?:.*\n)*?search:\n\s+exclude: true\n", page.read_text("utf-8"))
}
PAGE_IDS = [url or "index" for _, url in PAGES]


def _twin_url(url, lang):
    """URL path of the same page in the other language."""
    if lang == DEFAULT_LANGUAGE:
        return f"en/{url}"
    return url[len(f"{lang}/") :]


@dataclass
class Visit:
    """What one load of one page in Chromium recorded."""

    console_errors: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    foreign_requests: list = field(default_factory=list)
    state: dict = field(default_factory=dict)


# Collected in the page after MathJax has finished.
PAGE_STATE_SCRIPT = """
async () => {
  const images = [...document.querySelectorAll("article img")];
  await Promise.all(images.map((img) => img.complete ? null
    : new Promise((done) => { img.onload = img.onerror = done; })));
  const body = document.body.cloneNode(true);
  body.querySelectorAll("pre, code, mjx-container, script, style, .md-search")
    .forEach((element) => element.remove());
  const selector = {};
  for (const link of document.querySelectorAll("a.md-select__link[hreflang]")) {
    selector[link.getAttribute("hreflang")] = link.href;
  }
  return {
    lang: document.documentElement.lang,
    scheme: document.body.getAttribute("data-md-color-scheme"),
    text: body.textContent,
    mathElements: document.querySelectorAll(".arithmatex").length,
    untypeset: [...document.querySelectorAll(".arithmatex")]
      .filter((element) => !element.querySelector("mjx-container")).length,
    mathErrors: document.querySelectorAll("mjx-merror").length,
    images: images.map((img) => ({
      src: img.getAttribute("src"),
      naturalWidth: img.naturalWidth,
      display: getComputedStyle(img).display,
    })),
    selector,
  };
}
"""


def _screenshot_dir():
    directory = os.environ.get("VCBOOK_SCREENSHOTS") or ROOT / "screenshots"
    os.makedirs(directory, exist_ok=True)
    return directory


def _screenshot_name(url):
    """``pt-capitulo-1`` for ``capitulo-1/``, ``en-index`` for ``en/``."""
    lang = next(
        (lang for lang in LANGUAGES if url.startswith(f"{lang}/")), DEFAULT_LANGUAGE
    )
    path = url.removeprefix(f"{lang}/").strip("/") or "index"
    return f"{lang}-{path.replace('/', '-')}"


def _open(browser, origin, url, scheme):
    """Load ``origin/url`` in ``scheme``; return the page and its Visit record."""
    visit = Visit()
    page = browser.context.new_page()
    # A palette chosen on an earlier page must not override the emulated scheme.
    page.add_init_script("localStorage.clear()")
    page.emulate_media(color_scheme=scheme)
    page.on(
        "console", lambda m: m.type == "error" and visit.console_errors.append(m.text)
    )
    page.on("pageerror", lambda error: visit.console_errors.append(str(error)))
    page.on(
        "requestfailed",
        lambda r: visit.failed_requests.append(f"{r.url} ({r.failure})"),
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and visit.failed_requests.append(f"{r.url} (HTTP {r.status})")
        ),
    )

    def check_origin(request):
        parts = urlsplit(request.url)
        if (
            parts.scheme not in ("data", "blob")
            and f"{parts.scheme}://{parts.netloc}" != origin
        ):
            visit.foreign_requests.append(request.url)

    page.on("request", check_origin)
    response = page.goto(f"{origin}/{url}")
    assert response is not None and response.ok, (
        f"{url}: HTTP {response and response.status}"
    )
    wait_for_mathjax(page)
    return page, visit


@pytest.fixture(scope="session")
def visits(browser, server):
    """Load each page once per scheme, lazily, and keep what the load recorded."""
    cache = {}
    screenshots = _screenshot_dir()

    def visit(url, scheme):
        if (url, scheme) not in cache:
            page, record = _open(browser, server.origin, url, scheme)
            try:
                record.state = page.evaluate(PAGE_STATE_SCRIPT)
                name = _screenshot_name(url)
                page.screenshot(
                    path=os.path.join(screenshots, f"{name}-{scheme}.png"),
                    full_page=True,
                )
            finally:
                page.close()
            cache[url, scheme] = record
        return cache[url, scheme]

    return visit


def test_chromium_installed():
    assert CHROMIUM.exists(), INSTALL_HINT


def test_every_page_is_checked():
    sources = [*markdown_pages(), *(DOCS / "labs").glob("*.py")]
    names = {page.relative_to(DOCS).as_posix().rsplit(".", 2)[0] for page in sources}
    assert len(PAGES) == len(names) * len(LANGUAGES)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("lang, url", PAGES, ids=PAGE_IDS)
def test_page_math_typeset(visits, lang, url, scheme):
    state = visits(url, scheme).state
    assert state["untypeset"] == 0, (
        f"{state['untypeset']} math elements were not typeset"
    )
    assert state["mathErrors"] == 0, f"{state['mathErrors']} mjx-merror elements"
    raw = sorted(set(RAW_TEX.findall(state["text"])))
    assert not raw, f"raw TeX left in the visible text: {raw}"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("lang, url", PAGES, ids=PAGE_IDS)
def test_page_loads_cleanly(visits, lang, url, scheme):
    visit = visits(url, scheme)
    assert visit.console_errors == []
    assert visit.failed_requests == []
    assert visit.foreign_requests == []
    assert visit.state["lang"] == lang


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("lang, url", PAGES, ids=PAGE_IDS)
def test_page_figures_follow_scheme(visits, lang, url, scheme):
    state = visits(url, scheme).state
    assert state["scheme"] == SCHEMES[scheme]
    visible, hidden = (
        ("#only-light", "#only-dark")
        if scheme == "light"
        else ("#only-dark", "#only-light")
    )
    for image in state["images"]:
        assert image["naturalWidth"] > 0, f"{image['src']} did not load"
        if image["src"].endswith(visible):
            assert image["display"] != "none", (
                f"{image['src']} is hidden in the {scheme} scheme"
            )
        if image["src"].endswith(hidden):
            assert image["display"] == "none", (
                f"{image['src']} is shown in the {scheme} scheme"
            )


def test_some_page_has_figures_and_math(visits):
    # Guards the per-page checks above against passing on an empty page.
    states = [visits(url, "light").state for _, url in PAGES]
    assert any(state["mathElements"] for state in states)
    assert any(
        image["src"].endswith("#only-dark")
        for state in states
        for image in state["images"]
    )


@pytest.mark.parametrize("lang, url", PAGES, ids=PAGE_IDS)
def test_language_selector_leads_to_twin(visits, browser, server, lang, url):
    selector = visits(url, "light").state["selector"]
    other = "en" if lang == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE
    assert selector.get(lang) == f"{server.origin}/{url}"
    assert selector.get(other) == f"{server.origin}/{_twin_url(url, lang)}"


@pytest.mark.parametrize("lang, url", PAGES, ids=PAGE_IDS)
def test_language_selector_under_sub_path(browser, sub_path_server, lang, url):
    origin = sub_path_server.origin
    other = "en" if lang == DEFAULT_LANGUAGE else DEFAULT_LANGUAGE
    page = browser.context.new_page()
    try:
        page.goto(f"{origin}/{SUB_PATH}{url}")
        # The selector's list opens on hover, as it does for a reader.
        page.hover("header .md-select")
        with page.expect_navigation():
            page.click(f"header a.md-select__link[hreflang={other}]")
        assert page.url == f"{origin}/{SUB_PATH}{_twin_url(url, lang)}"
        assert page.evaluate("document.documentElement.lang") == other
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_palette_toggle_switches_figures(browser, server, lang):
    url = next(
        url
        for page_lang, url in PAGES
        if page_lang == lang and url.removeprefix("en/").startswith("capitulo")
    )
    page, _ = _open(browser, server.origin, url, "light")
    try:
        page.click("form[data-md-component=palette] label:visible")
        page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
        dark = page.locator("article img[src$='#only-dark']").first
        light = page.locator("article img[src$='#only-light']").first
        assert dark.is_visible()
        assert not light.is_visible()
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_index_has_only_its_language(site, lang):
    prefix = "" if lang == DEFAULT_LANGUAGE else f"{lang}/"
    index = json.loads(
        (site / prefix / "search" / "search_index.json").read_text(encoding="utf-8")
    )
    assert index["config"]["lang"] == [lang]
    assert "stemmer" in index["config"]["pipeline"]
    expected = {
        url.removeprefix(prefix)
        for page_lang, url in PAGES
        if page_lang == lang and url not in UNSEARCHED
    }
    pages = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert pages == expected


def _search(browser, origin, url, query):
    page = browser.context.new_page()
    try:
        page.goto(f"{origin}/{url}")
        page.click("input.md-search__input")
        page.keyboard.type(query)
        page.wait_for_selector(".md-search-result__item", timeout=10_000)
        return page.eval_on_selector_all(
            ".md-search-result__item a", "links => links.map(a => a.href)"
        )
    finally:
        page.close()


@pytest.mark.parametrize("lang, query, expected", SEARCHES)
def test_search_finds_inflected_word(site, browser, server, lang, query, expected):
    start = "" if lang == DEFAULT_LANGUAGE else f"{lang}/"
    index = json.loads(
        (site / start / "search" / "search_index.json").read_text(encoding="utf-8")
    )
    words = {
        word.lower()
        for doc in index["docs"]
        for word in re.findall(r"\w+", doc["title"] + " " + doc["text"])
    }
    # The query must differ from every word of the index, so only stemming finds it.
    assert query not in words
    results = _search(browser, server.origin, start, query)
    assert f"{server.origin}/{expected}" in {href.split("?")[0] for href in results}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_stays_in_page_language(browser, server, sub_path_server, lang):
    # A word that both languages use, so a merged index would return both.
    query = "errata"
    for origin, root in ((server.origin, ""), (sub_path_server.origin, SUB_PATH)):
        start = root if lang == DEFAULT_LANGUAGE else f"{root}{lang}/"
        results = _search(browser, origin, start, query)
        assert results, f"no results for {query!r} on {origin}/{start}"
        for href in results:
            path = urlsplit(href).path
            assert path.startswith(f"/{root}")
            assert path.startswith(f"/{root}en/") == (lang == "en"), (
                f"{href} is in the other language"
            )


def test_no_request_left_local_server(browser):
    # Every request the route handler aborted during this session, on any page.
    assert browser.foreign_requests == []
