"""The labs are executed notebook pages in both languages, not raw .py text.

The pages checked here come from the session's build (the ``site`` fixture
of tests/conftest.py).
"""

import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import tokenize

import jupytext
import nbformat
import pytest
from pages import DOCS, ROOT

LABS = sorted(DOCS.glob("labs/lab-*.pt.py"))
LAB_NAMES = [path.name.removesuffix(".pt.py") for path in LABS]
LANGUAGE_PREFIXES = (("pt", ""), ("en", "en/"))
LAYOUT_TOKENS = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}
# Python 3.12 splits f-strings into several tokens.
STRING_TOKENS = {tokenize.STRING} | {
    getattr(tokenize, name)
    for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
    if hasattr(tokenize, name)
}
STDERR_OUTPUT = re.compile(
    r'<div class="[^"]*jp-OutputArea-output[^"]*" data-mime-type="application/vnd\.jupyter\.stderr"'
)


def _mkdocs_build(config_file, site, extra_env=None):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(extra_env or {})}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(config_file),
            "--site-dir",
            str(site),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )


def _load_hook():
    spec = importlib.util.spec_from_file_location(
        "notebooks_hook", ROOT / "hooks" / "notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lab_html(site, lab, prefix):
    path = site / prefix / "labs" / lab / "index.html"
    assert path.exists(), f"{prefix}labs/{lab}/index.html was not built"
    return path.read_text(encoding="utf-8")


def test_labs_exist_in_both_languages():
    assert LAB_NAMES, "docs/labs/ has no lab-*.pt.py"
    for lab in LAB_NAMES:
        assert (DOCS / "labs" / f"{lab}.en.py").exists(), (
            f"docs/labs/{lab}.en.py is missing"
        )


@pytest.mark.parametrize("lab", LAB_NAMES)
@pytest.mark.parametrize("lang, prefix", LANGUAGE_PREFIXES)
def test_lab_page_is_rendered_notebook(site, lab, lang, prefix):
    html = _lab_html(site, lab, prefix)
    assert f'<html lang="{lang}"' in html
    assert 'class="jupyter-wrapper"' in html, "no notebook wrapper: the lab is raw text"
    assert "jp-CodeCell" in html
    assert "jp-MarkdownCell" in html
    assert "# %% [markdown]" not in html, "the jupytext source leaked into the page"
    assert "format_name: percent" not in html


@pytest.mark.parametrize("lab", LAB_NAMES)
@pytest.mark.parametrize("lang, prefix", LANGUAGE_PREFIXES)
def test_lab_page_has_executed_outputs(site, lab, lang, prefix):
    html = _lab_html(site, lab, prefix)
    assert "jp-OutputArea-output" in html, "no cell output: the lab was not executed"
    plots = re.findall(rf'<img [^>]*src="({lab}-output-\d+\.png)"', html)
    assert plots, "no plot in the outputs"
    assert "No description has been provided" not in html
    assert html.count(f'alt="{_load_hook().OUTPUT_ALT[lang]}"') == len(plots)
    for plot in plots:
        path = site / prefix / "labs" / lab / plot
        assert path.read_bytes().startswith(b"\x89PNG"), f"{plot} is not a PNG file"
    assert "Traceback" not in html
    assert not STDERR_OUTPUT.search(html), (
        "a cell wrote to stderr (a warning or an error)"
    )


@pytest.mark.parametrize("lab", LAB_NAMES)
@pytest.mark.parametrize("lang, prefix", LANGUAGE_PREFIXES)
def test_lab_page_uses_site_mathjax(site, lab, lang, prefix):
    html = _lab_html(site, lab, prefix)
    assert "MathJax.Hub" not in html, "nbconvert's MathJax 2 block is still on the page"
    assert "text/x-mathjax-config" not in html
    cells = _load_hook().MARKDOWN_CELL.findall(html)
    assert cells, "no rendered Markdown cell"
    markdown = "".join(body for _, body, _ in cells)
    assert '<span class="arithmatex">\\(' in markdown, "no inline math converted"
    assert "$" not in markdown, "a $ delimiter was left for MathJax 3, which ignores it"


@pytest.mark.parametrize("lab", LAB_NAMES)
@pytest.mark.parametrize("lang, prefix", LANGUAGE_PREFIXES)
def test_lab_page_has_language_title(site, lab, lang, prefix):
    html = _lab_html(site, lab, prefix)
    source = (DOCS / "labs" / f"{lab}.{lang}.py").read_text(encoding="utf-8")
    title = re.search(r"^# # (.+)$", source, re.M).group(1)
    assert f"<title>{title}" in html


@pytest.mark.parametrize("lab", LAB_NAMES)
@pytest.mark.parametrize("lang, prefix", LANGUAGE_PREFIXES)
def test_lab_download_button_serves_notebook(site, lab, lang, prefix):
    html = _lab_html(site, lab, prefix)
    button = re.search(
        r'<a href="([^"]+)" download class="md-button vcbook-notebook-download">', html
    )
    assert button, "no download button"
    target = site / prefix / "labs" / lab / button.group(1)
    assert target.name == f"{lab}.ipynb"
    assert target.exists(), (
        f"the button links to {button.group(1)}, which was not published"
    )
    notebook = nbformat.reads(target.read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(notebook)
    source = jupytext.read(DOCS / "labs" / f"{lab}.{lang}.py")
    assert [cell.source for cell in notebook.cells] == [
        cell.source for cell in source.cells
    ]


@pytest.mark.parametrize("lab", LAB_NAMES)
@pytest.mark.parametrize("lang, prefix", LANGUAGE_PREFIXES)
def test_lab_language_selector_links_twin(site, lab, lang, prefix):
    html = _lab_html(site, lab, prefix)
    page = site / prefix / "labs" / lab / "index.html"
    for other, other_prefix in LANGUAGE_PREFIXES:
        link = re.search(rf'<a href="([^"]*)" hreflang="{other}"', html)
        assert link, f"{prefix}labs/{lab}/ has no language link to {other}"
        target = (page.parent / link.group(1) / "index.html").resolve()
        assert (
            target == (site / other_prefix / "labs" / lab / "index.html").resolve()
        ), f"the {other} link of {prefix}labs/{lab}/ leads to {link.group(1)}"


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_lab_dark_scheme_has_dark_theme(site, lab):
    html = _lab_html(site, lab, "")
    dark = re.search(
        r'\[data-md-color-scheme="slate"\] \.jupyter-wrapper\{([^}]*)\}', html
    )
    assert dark, "no notebook theme for the slate scheme"
    assert "--jp-layout-color0" in dark.group(1)


def test_lab_sources_not_published_as_text(site):
    leaked = sorted(str(path.relative_to(site)) for path in site.rglob("*.py"))
    assert leaked == []


def test_labs_are_in_both_navs(site):
    for prefix in ("", "en/"):
        html = (site / prefix / "index.html").read_text(encoding="utf-8")
        for lab in LAB_NAMES:
            assert f'href="labs/{lab}/"' in html, (
                f"{prefix}index.html has no nav link to {lab}"
            )


def test_markdown_math_delimiters_converted():
    hook = _load_hook()
    cell = (
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" '
        'data-mime-type="text/markdown">\n<p>With $a_1 &lt; b$ and $c$ then\n'
        "$$\\sum_i x_i$$</p>\n</div>"
    )
    converted = hook.MARKDOWN_CELL.sub(hook._to_arithmatex_markup, cell)
    assert '<span class="arithmatex">\\(a_1 &lt; b\\)</span> and' in converted
    assert '<span class="arithmatex">\\(c\\)</span>' in converted
    assert '<span class="arithmatex">\\[\\sum_i x_i\\]</span>' in converted
    assert "$" not in converted


def test_code_output_dollars_left_alone():
    hook = _load_hook()
    output = (
        '<div class="jp-RenderedText" data-mime-type="text/plain"><pre>$a$</pre></div>'
    )
    assert hook.MARKDOWN_CELL.sub(hook._to_arithmatex_markup, output) == output


FAILING_LAB = """\
# %% [markdown]
# # Lab
# %%
raise RuntimeError("this cell fails on purpose")
"""


PASSING_LAB = """\
# %% [markdown]
# # Lab
# %%
print("this cell runs")
"""


def _build_labs(tmp_path, labs):
    """Build a one-page project whose labs are ``labs`` ({file name: source})."""
    docs = tmp_path / "docs"
    (docs / "labs").mkdir(parents=True)
    for lang in ("pt", "en"):
        (docs / f"index.{lang}.md").write_text("# Index\n", encoding="utf-8")
    for name, source in labs.items():
        (docs / "labs" / name).write_text(source, encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        textwrap.dedent(f"""\
        site_name: labs
        docs_dir: {docs}
        theme: {{name: material}}
        hooks: [{ROOT / "hooks" / "notebooks.py"}]
        plugins:
          - mkdocs-jupyter: {json.dumps(_project_jupyter_options())}
          - i18n:
              docs_structure: suffix
              fallback_to_default: false
              languages:
                - {{locale: pt, name: Português, default: true, build: true}}
                - {{locale: en, name: English, build: true}}
        """),
        encoding="utf-8",
    )
    return _mkdocs_build(
        config,
        tmp_path / "site",
        {"VCBOOK_NOTEBOOK_CACHE_DIR": str(tmp_path / "cache")},
    )


def test_failing_cell_fails_build(tmp_path):
    result = _build_labs(
        tmp_path, {"lab-1.pt.py": FAILING_LAB, "lab-1.en.py": FAILING_LAB}
    )
    assert result.returncode != 0, "a lab whose cell raises was built"
    assert "this cell fails on purpose" in result.stderr


def test_missing_lab_twin_fails_build(tmp_path):
    result = _build_labs(tmp_path, {"lab-1.pt.py": PASSING_LAB})
    assert result.returncode != 0, "a lab without its English twin was built"
    assert "labs/lab-1.en.py is missing" in result.stderr


def _project_jupyter_options():
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    options = dict(config.plugins["mkdocs-jupyter"].config)
    return {
        key: options[key]
        for key in ("include", "execute", "allow_errors", "kernel_name")
    }


def _code_without_strings(source):
    """Return the tokens of ``source`` with string literals (plot labels) blanked."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith("%")]
    kept = []
    for token in tokenize.generate_tokens(
        io.StringIO("\n".join(lines) + "\n").readline
    ):
        if token.type in LAYOUT_TOKENS:
            continue
        kept.append("<string>" if token.type in STRING_TOKENS else token.string)
    return kept


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_twin_labs_have_same_code(lab):
    pt = jupytext.read(DOCS / "labs" / f"{lab}.pt.py").cells
    en = jupytext.read(DOCS / "labs" / f"{lab}.en.py").cells
    assert [cell.cell_type for cell in pt] == [cell.cell_type for cell in en]
    for pt_cell, en_cell in zip(pt, en, strict=True):
        if pt_cell.cell_type == "code":
            assert _code_without_strings(pt_cell.source) == _code_without_strings(
                en_cell.source
            )


@pytest.mark.parametrize("lab", LAB_NAMES)
def test_twin_labs_have_same_headings(lab):
    def levels(lang):
        cells = jupytext.read(DOCS / "labs" / f"{lab}.{lang}.py").cells
        text = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
        return re.findall(r"^(#{1,6}) ", text, re.M)

    assert levels("pt") == levels("en")


@pytest.mark.parametrize("lab", LAB_NAMES)
@pytest.mark.parametrize("lang", ["pt", "en"])
def test_lab_code_fits_88_columns(lab, lang):
    for cell in jupytext.read(DOCS / "labs" / f"{lab}.{lang}.py").cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                assert len(line) <= 88, f"{lab}.{lang}.py: {len(line)} columns: {line}"
