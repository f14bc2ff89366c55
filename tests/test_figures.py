"""Every registered figure renders in both languages and schemes, deterministically."""

import re

import executed
import pytest

from vcbook.figures import LANGUAGES, SCHEMES, _registry, figure_names, render

# Words that only a figure of the other language would contain. Each figure
# module's TEXT table gives the labels; a label that differs between the
# languages must appear only in its own language's SVG.
TEXT_IN_SVG = re.compile(rb"<text[^>]*>(.*?)</text>|<!-- (.*?) -->", re.S)


def _svg_words(svg):
    return b" ".join(
        m.group(1) or m.group(2) or b"" for m in TEXT_IN_SVG.finditer(svg)
    ).decode()


@pytest.fixture(scope="module")
def renders():
    return {}


def _render(renders, name, lang, scheme):
    key = (name, lang, scheme)
    if key not in renders:
        renders[key] = render(name, lang, scheme)
        executed.record("figure", key)
    return renders[key]


def test_figures_are_registered():
    assert len(figure_names()) >= 4


@pytest.mark.parametrize("name", figure_names())
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_figure_renders_valid_svg(name, lang, scheme, renders):
    svg = _render(renders, name, lang, scheme)
    assert svg.startswith(b"<?xml")
    assert b"</svg>" in svg[-100:]
    assert b"<dc:date>" not in svg


@pytest.mark.parametrize("name", figure_names())
def test_figure_render_is_deterministic(name, renders):
    assert render(name, "pt", "dark") == _render(renders, name, "pt", "dark")


@pytest.mark.parametrize("name", figure_names())
def test_figure_schemes_differ(name, renders):
    assert _render(renders, name, "en", "light") != _render(renders, name, "en", "dark")


@pytest.mark.parametrize("name", figure_names())
def test_figure_text_is_in_page_language(name, renders):
    pt = _svg_words(_render(renders, name, "pt", "light"))
    en = _svg_words(_render(renders, name, "en", "light"))
    module = __import__(_registry._FIGURES[name].__module__, fromlist=["TEXT"])
    table = getattr(module, "TEXT", None)
    assert table is not None, f"{module.__name__} has no TEXT table of labels"
    assert set(table["pt"]) == set(table["en"]), (
        "the two languages have different label keys"
    )
    if pt == en:
        pytest.fail(
            f"figure {name} has the same text in both languages; translate its labels"
        )


def test_get_figure_rejects_unknown_name():
    with pytest.raises(
        ValueError, match=re.escape("unknown figure 'nope'; registered figures:")
    ):
        render("nope")


@pytest.mark.parametrize(
    "lang, scheme, message",
    [
        ("de", "light", "lang must be one of ('pt', 'en'), got 'de'"),
        ("pt", "sepia", "scheme must be one of ('light', 'dark'), got 'sepia'"),
    ],
)
def test_get_figure_rejects_bad_language_or_scheme(lang, scheme, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        render("die", lang, scheme)


def _figure_key(params):
    return params["name"], params["lang"], params["scheme"]


def test_every_figure_variant_rendered(request):
    # Runs last in this module: every figure variant selected in this session
    # must have been rendered.
    wanted = executed.selected(request, test_figure_renders_valid_svg, _figure_key)
    missing = sorted(wanted - executed.executed("figure"))
    assert not missing, f"{len(missing)} figure variants were never rendered: {missing}"
    every_variant = {
        (n, lang, s) for n in figure_names() for lang in LANGUAGES for s in SCHEMES
    }
    if len(wanted) == len(every_variant):  # the whole module ran
        assert wanted == every_variant


def test_render_unchanged_after_other_figures():
    # Drawing max-regions in between once changed the clip-path ids of
    # regions-2d, although every coordinate was the same.
    first = render("regions-2d", "pt", "dark")
    render("max-regions", "pt", "light")
    assert render("regions-2d", "pt", "dark") == first
