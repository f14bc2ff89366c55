"""Each Portuguese page and its English twin have the same structure."""

import re

import pytest
from pages import DOCS, fences, markdown_pages

HEADING = re.compile(r"^(#{1,6}) ", re.M)
TAG = re.compile(r"\\tag\{([^}]*)\}")
FIGURE = re.compile(r"figures/(pt|en)/([\w-]+-(?:light|dark)\.svg)")
FOOTNOTE_DEFINITION = re.compile(r"^\[\^([^\]]+)\]:", re.M)
ADMONITION = re.compile(r"^\s*(!!!|\?\?\?\+?) (\w+)", re.M)
ANCHOR = re.compile(r'id="([^"]+)"')


def _twins():
    pages = {page.name for page in markdown_pages()}
    names = sorted({name.rsplit(".", 2)[0] for name in pages})
    return names, pages


def _pair(name):
    return (DOCS / f"{name}.pt.md").read_text(encoding="utf-8"), (
        DOCS / f"{name}.en.md"
    ).read_text(encoding="utf-8")


NAMES, PAGES = _twins()


@pytest.mark.parametrize("name", NAMES)
def test_page_exists_in_both_languages(name):
    assert f"{name}.pt.md" in PAGES, f"docs/{name}.pt.md is missing"
    assert f"{name}.en.md" in PAGES, f"docs/{name}.en.md is missing"


@pytest.mark.parametrize("name", NAMES)
def test_twins_have_same_headings_levels(name):
    pt, en = _pair(name)
    assert HEADING.findall(pt) == HEADING.findall(en)


@pytest.mark.parametrize("name", NAMES)
def test_twins_have_same_equation_tags(name):
    pt, en = _pair(name)
    assert TAG.findall(pt) == TAG.findall(en)


@pytest.mark.parametrize("name", NAMES)
def test_twins_have_same_figures(name):
    pt, en = _pair(name)
    pt_figures = FIGURE.findall(pt)
    en_figures = FIGURE.findall(en)
    assert {lang for lang, _ in pt_figures} <= {"pt"}, (
        "a Portuguese page shows English figures"
    )
    assert {lang for lang, _ in en_figures} <= {"en"}, (
        "an English page shows Portuguese figures"
    )
    assert [f for _, f in pt_figures] == [f for _, f in en_figures]


@pytest.mark.parametrize("name", NAMES)
def test_twins_have_identical_code_blocks(name):
    pt, en = _pair(name)
    assert [(info, body) for _, info, body, _ in fences(pt)] == [
        (info, body) for _, info, body, _ in fences(en)
    ]


@pytest.mark.parametrize("name", NAMES)
def test_twins_have_same_footnotes_and_admonitions(name):
    pt, en = _pair(name)
    assert FOOTNOTE_DEFINITION.findall(pt) == FOOTNOTE_DEFINITION.findall(en)
    assert ADMONITION.findall(pt) == ADMONITION.findall(en)


@pytest.mark.parametrize("name", NAMES)
def test_twins_have_same_anchors(name):
    pt, en = _pair(name)
    assert ANCHOR.findall(pt) == ANCHOR.findall(en)
