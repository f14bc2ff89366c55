"""The API reference pages document every public module of vcbook in both languages."""

import importlib
import importlib.util
import pkgutil
import re

import pytest
from pages import DOCS, ROOT
from test_notebooks import LANGUAGE_PREFIXES

import vcbook

DIRECTIVE = re.compile(r"^::: (vcbook[\w.]*)\s*$", re.M)
SPHINX_ROLE = re.compile(r":(?:math|class|func|meth|mod|attr|obj|exc):`")


def _public_functions(name):
    """Documented public callables of module ``name``.

    With ``__all__``, those it lists (re-exports included, as the package
    documents them); without, those defined in the module itself.
    """
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    functions = []
    for attribute in exported if exported is not None else vars(module):
        value = getattr(module, attribute)
        if (
            attribute.startswith("_")
            or not callable(value)
            or not getattr(value, "__doc__", None)
        ):
            continue
        if exported is None and getattr(value, "__module__", None) != name:
            continue
        functions.append(attribute)
    return sorted(functions)


def _public_modules():
    """Public modules of vcbook that the API pages document, sorted.

    A submodule whose public functions its package re-exports in ``__all__``
    is documented under the package (``vcbook.autodiff.Scalar``), so it is
    left out. The figure modules of the chapters only register figures, so
    they are left out too.
    """
    names = []
    for module in pkgutil.walk_packages(vcbook.__path__, prefix="vcbook."):
        parts = module.name.split(".")
        if any(part.startswith("_") for part in parts):
            continue
        if (
            parts[:2] == ["vcbook", "figures"]
            and len(parts) == 3
            and parts[2].startswith("ch")
        ):
            continue
        parent = importlib.import_module(".".join(parts[:-1]))
        exported = set(getattr(parent, "__all__", ()))
        if len(parts) > 2 and set(_public_functions(module.name)) <= exported:
            continue
        names.append(module.name)
    return sorted(names)


PUBLIC_MODULES = _public_modules()


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_api_page_lists_every_module(lang):
    text = (DOCS / f"api.{lang}.md").read_text(encoding="utf-8")
    assert sorted(DIRECTIVE.findall(text)) == PUBLIC_MODULES


def test_api_pages_list_same_modules():
    pt = DIRECTIVE.findall((DOCS / "api.pt.md").read_text(encoding="utf-8"))
    en = DIRECTIVE.findall((DOCS / "api.en.md").read_text(encoding="utf-8"))
    assert pt == en


@pytest.mark.parametrize("module", PUBLIC_MODULES)
@pytest.mark.parametrize("lang, prefix", LANGUAGE_PREFIXES)
def test_api_page_documents_functions(site, module, lang, prefix):
    html = (site / prefix / "api" / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}"' in html
    functions = _public_functions(module)
    assert functions, f"{module} has no documented public function"
    for function in functions:
        assert f'id="{module}.{function}"' in html, (
            f"{module}.{function} is not on {prefix}api/"
        )


@pytest.mark.parametrize("lang, prefix", LANGUAGE_PREFIXES)
def test_api_docstring_math_rendered(site, lang, prefix):
    html = (site / prefix / "api" / "index.html").read_text(encoding="utf-8")
    content = html[html.index("<article") : html.index("</article>")]
    assert '<span class="arithmatex">' in content
    text = re.sub(r"<[^>]+>", "", content)
    assert not re.search(r"\$[^$\s][^$]*\$", text), (
        "raw $...$ math left on the API page"
    )
    assert ".. math::" not in text, "a reST math directive was left on the API page"
    assert not SPHINX_ROLE.search(text), "a Sphinx role was left on the API page"


def _sphinx_roles():
    path = ROOT / "hooks" / "sphinx_roles.py"
    spec = importlib.util.spec_from_file_location("sphinx_roles_extension", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sphinx_math_role_becomes_dollars():
    convert = _sphinx_roles().convert_sphinx_markup
    assert (
        convert(r"With :math:`\mathbf{a}_0 = \mathbf{x}` set.")
        == r"With $\mathbf{a}_0 = \mathbf{x}$ set."
    )


def test_sphinx_references_become_code():
    convert = _sphinx_roles().convert_sphinx_markup
    text = "A :class:`vcbook.layers.Linear` and :func:`~vcbook.mle.fit_gaussian`."
    assert convert(text) == "A `vcbook.layers.Linear` and `vcbook.mle.fit_gaussian`."


def test_sphinx_math_directive_becomes_block():
    convert = _sphinx_roles().convert_sphinx_markup
    text = "Size.\n\n.. math::\n    H' = H + 2p\n\nwith padding $p$."
    assert convert(text) == "Size.\n\n\n$$\nH' = H + 2p\n$$\n\nwith padding $p$."


def test_api_in_both_navs(site):
    for prefix in ("", "en/"):
        html = (site / prefix / "index.html").read_text(encoding="utf-8")
        assert 'href="api/"' in html, (
            f"{prefix}index.html has no nav link to the API page"
        )


def test_sphinx_aligned_block_gets_environment():
    convert = _sphinx_roles().convert_sphinx_markup
    text = ".. math::\n    g &\\leftarrow g + w \\\\\n    v &\\leftarrow g\n"
    converted = convert(text)
    assert (
        "$$\n\\begin{aligned}\ng &\\leftarrow g + w \\\\\nv &\\leftarrow g\n\\end{aligned}\n$$"
        in converted
    )
