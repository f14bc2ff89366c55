"""Each Portuguese page and its English twin have the same structure."""

import re
import shutil

import pytest
from pages import DOCS, ROOT, fences, markdown_pages
from sitebuild import mkdocs_build

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


# What a build of the book reads: the config, the pages, the hooks, the theme
# overrides and the sources that pages embed.
BUILD_INPUTS = ("mkdocs.yml", "docs", "hooks", "overrides", "src")


@pytest.mark.build
def test_missing_twin_fails_build(built_site, tmp_path):
    # mkdocs.yml sets fallback_to_default: false, so a page without its
    # English twin must fail the strict build instead of showing Portuguese.
    for name in BUILD_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(source, tmp_path / name)
    missing = sorted((tmp_path / "docs").glob("*.en.md"))[-1]
    missing.unlink()
    result = mkdocs_build(tmp_path / "site", built_site.cache, root=tmp_path)
    assert result.returncode != 0
    assert missing.name.replace(".en", "") in result.stderr
