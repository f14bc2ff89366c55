"""Figures of the book, drawn by matplotlib from vcbook computations.

Each chapter module (``ch1``, ...) registers its figures with
:func:`register`. A registered function takes the page language, ``"pt"`` or
``"en"``, and returns a :class:`matplotlib.figure.Figure`. :func:`render` draws
it in a color scheme and returns deterministic SVG bytes: the same code gives
the same bytes on every run.

>>> from vcbook.figures import figure_names, render
>>> "likelihood" in figure_names()
True
>>> render("likelihood", "en", "dark").startswith(b"<?xml")
True
"""

from vcbook.figures._registry import (
    LANGUAGES,
    SCHEMES,
    figure_names,
    get_figure,
    register,
    render,
    source_hash,
)

__all__ = [
    "LANGUAGES",
    "SCHEMES",
    "figure_names",
    "get_figure",
    "register",
    "render",
    "source_hash",
]
