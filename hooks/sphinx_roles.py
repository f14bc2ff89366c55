"""Griffe extension: write the Sphinx markup of vcbook's docstrings as the site's Markdown.

Some docstrings use reStructuredText for math and cross-references
(``:math:`x```, ``.. math::``, ``:class:`Linear```), which mkdocstrings shows
as raw text. Before the docstrings are parsed, this extension rewrites
``:math:`x``` as ``$x$``, a ``.. math::`` block as a ``$$`` block (both typeset
by pymdownx.arithmatex and MathJax), with a block of several aligned lines in
an ``aligned`` environment as Sphinx does, and the reference roles as inline
code.
mkdocs.yml loads it under the ``extensions`` option of the python handler.
"""

import re
import textwrap

from griffe import Extension

MATH_ROLE = re.compile(r":math:`([^`]+)`")
REFERENCE_ROLE = re.compile(
    r":(?:py:)?(?:class|func|meth|mod|attr|obj|data|exc):`~?([^`]+)`"
)
MATH_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\. math::[ \t]*\n(?P<body>(?:(?P=indent)[ \t]+\S.*(?:\n|$)|[ \t]*\n)+)",
    re.M,
)


def _display_math(match):
    indent = match["indent"]
    body = textwrap.dedent(match["body"]).strip("\n")
    if "&" in body or "\\\\" in body:
        # Sphinx sets a multi-line block in an aligned environment; MathJax
        # rejects & and \\ outside one ("Misplaced &").
        body = f"\\begin{{aligned}}\n{body}\n\\end{{aligned}}"
    lines = [
        f"{indent}$$",
        *(f"{indent}{line}" for line in body.splitlines()),
        f"{indent}$$",
    ]
    return "\n" + "\n".join(lines) + "\n\n"


def convert_sphinx_markup(text):
    """Return docstring ``text`` with Sphinx math and reference roles as Markdown."""
    text = MATH_DIRECTIVE.sub(_display_math, text)
    text = MATH_ROLE.sub(lambda match: f"${match[1]}$", text)
    return REFERENCE_ROLE.sub(lambda match: f"`{match[1]}`", text)


class SphinxRoles(Extension):
    """Rewrite Sphinx roles in every docstring griffe loads."""

    def on_object(self, *, obj, loader, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = convert_sphinx_markup(obj.docstring.value)
