"""The print version of each language prints to a PDF with its math typeset, in Chromium.

The built site is served on 127.0.0.1 and read by Debian's Chromium through
Playwright (tests/browser.py). Any request to another host is aborted, and
the test fails.
"""

import re

import pytest
from browser import wait_for_mathjax
from test_notebooks import LANGUAGE_PREFIXES

# TeX that would be on the page if MathJax had not typeset it.
RAW_TEX = re.compile(r"\\\(|\\\[|\$\$|\\(?:frac|mathcal|mathbf|sum|log|tag)\b")
PDF_PAGE = re.compile(rb"/Type\s*/Page\b(?!s)")
MAX_PAGES_PER_SECTION = 60
# What the print page shows once MathJax is done, outside code and math.
SEEN_SCRIPT = """() => {
    const article = document.querySelector("article").cloneNode(true);
    article.querySelectorAll("pre, code, script, style, mjx-container").forEach(
        (node) => node.remove());
    const images = [...document.querySelectorAll("article img")];
    return {
        lang: document.documentElement.lang,
        sections: document.querySelectorAll("section.print-page").length,
        chapters: document.querySelectorAll(
            "section.print-page[id^='print-capitulo-']").length,
        math: document.querySelectorAll(".arithmatex").length,
        typeset: document.querySelectorAll(".arithmatex mjx-container").length,
        errors: document.querySelectorAll("mjx-merror").length,
        text: article.textContent,
        images: images.length,
        broken: images.filter((img) => !img.complete || img.naturalWidth === 0)
            .map((img) => img.getAttribute("src")),
    };
}"""


@pytest.fixture(scope="module")
def printed(browser, server, tmp_path_factory):
    """Open each language's print page, wait for MathJax, print it; return what was seen."""
    directory = tmp_path_factory.mktemp("pdf")
    results = {}
    foreign_before = len(browser.foreign_requests)
    for lang, prefix in LANGUAGE_PREFIXES:
        page = browser.context.new_page()
        errors = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        page.emulate_media(color_scheme="light")
        page.goto(f"{server.origin}/{prefix}print/", wait_until="load")
        wait_for_mathjax(page)
        page.evaluate("() => document.fonts.ready.then(() => true)")
        seen = page.evaluate(SEEN_SCRIPT)
        pdf = page.pdf(format="A4", print_background=True)
        (directory / f"print-{lang}.pdf").write_bytes(pdf)
        seen.update(pdf=pdf, page_errors=errors)
        results[lang] = seen
        page.close()
    for seen in results.values():
        seen["external"] = browser.foreign_requests[foreign_before:]
    return results


@pytest.mark.parametrize("lang", [lang for lang, _ in LANGUAGE_PREFIXES])
def test_print_page_in_language(printed, lang):
    assert printed[lang]["lang"] == lang


@pytest.mark.parametrize("lang", [lang for lang, _ in LANGUAGE_PREFIXES])
def test_print_page_has_every_chapter(site, printed, lang):
    prefix = dict(LANGUAGE_PREFIXES)[lang]
    site = site / prefix
    chapters = sorted(path.parent.name for path in site.glob("capitulo-*/index.html"))
    assert chapters, "no chapter was built"
    assert printed[lang]["chapters"] == len(chapters)


@pytest.mark.parametrize("lang", [lang for lang, _ in LANGUAGE_PREFIXES])
def test_print_math_typeset(printed, lang):
    seen = printed[lang]
    assert seen["math"] > 0, "no math on the print page"
    assert seen["typeset"] == seen["math"], "MathJax left some formulas untypeset"
    assert seen["errors"] == 0, "MathJax reported TeX errors"


@pytest.mark.parametrize("lang", [lang for lang, _ in LANGUAGE_PREFIXES])
def test_print_has_no_raw_tex(printed, lang):
    raw = RAW_TEX.search(printed[lang]["text"])
    context = (
        printed[lang]["text"][max(raw.start() - 60, 0) : raw.end() + 60] if raw else ""
    )
    assert raw is None, f"raw TeX outside code on the print page: ...{context}..."


@pytest.mark.parametrize("lang", [lang for lang, _ in LANGUAGE_PREFIXES])
def test_print_figures_load(printed, lang):
    assert printed[lang]["images"] > 0, "no figure on the print page"
    assert printed[lang]["broken"] == []


@pytest.mark.parametrize("lang", [lang for lang, _ in LANGUAGE_PREFIXES])
def test_print_pdf_page_count_plausible(printed, lang):
    seen = printed[lang]
    pages = len(PDF_PAGE.findall(seen["pdf"]))
    assert seen["pdf"].startswith(b"%PDF-")
    assert pages >= seen["chapters"], (
        f"{pages} PDF pages for {seen['chapters']} chapters"
    )
    assert pages >= seen["sections"], "a section did not start on a new sheet"
    assert pages <= MAX_PAGES_PER_SECTION * seen["sections"], (
        f"{pages} PDF pages is implausible"
    )


@pytest.mark.parametrize("lang", [lang for lang, _ in LANGUAGE_PREFIXES])
def test_print_requests_only_local(printed, lang):
    assert printed[lang]["external"] == []
    assert printed[lang]["page_errors"] == []
