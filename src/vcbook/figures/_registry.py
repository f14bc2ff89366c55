"""Registry of the book's figures and their deterministic SVG rendering."""

import hashlib
import importlib
import io
import pkgutil
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from vcbook.figures import style  # noqa: E402

LANGUAGES = ("pt", "en")
SCHEMES = ("light", "dark")

_FIGURES = {}
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def register(name):
    """Register ``function(lang) -> Figure`` as the figure called ``name``."""

    def decorator(function):
        if name in _FIGURES and _FIGURES[name] is not function:
            raise ValueError(f"figure name {name!r} is registered twice")
        _FIGURES[name] = function
        return function

    return decorator


def _load_all():
    package = importlib.import_module("vcbook.figures")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_") and module.name != "style":
            importlib.import_module(f"vcbook.figures.{module.name}")


def figure_names():
    """Return the names of all registered figures, sorted."""
    _load_all()
    return sorted(_FIGURES)


def _check_request(name, lang, scheme):
    _load_all()
    if name not in _FIGURES:
        raise ValueError(
            f"unknown figure {name!r}; registered figures: {', '.join(sorted(_FIGURES))}"
        )
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")


def get_figure(name, lang="pt", scheme="light"):
    """Draw figure ``name`` and return the matplotlib Figure (call plt.close on it).

    The figure's computations run on one BLAS thread and one torch thread:
    a multithreaded matmul may sum in another order and change the last bits
    of a result, and with them the SVG.
    """
    _check_request(name, lang, scheme)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1), plt.rc_context(style.rc_params(scheme)):
            return _FIGURES[name](lang)
    finally:
        torch.set_num_threads(threads)


def render(name, lang="pt", scheme="light"):
    """Draw figure ``name`` and return it as SVG bytes, identical on every run."""
    _check_request(name, lang, scheme)
    with plt.rc_context(style.rc_params(scheme)):
        figure = get_figure(name, lang, scheme)
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            plt.close(figure)
    return _renumber_clip_paths(buffer.getvalue())


CLIP_ID = re.compile(rb"\bp[0-9a-f]{10}\b")


def _renumber_clip_paths(svg):
    # matplotlib 3.11.2 names a clip path after a hash of its transform's
    # repr. That repr can differ in the last digit between two draws of the
    # same figure, seen after drawing other figures first, although every
    # coordinate written to the SVG is the same. Numbering the
    # clip paths in order of appearance makes the bytes depend only on what
    # is drawn.
    names = {}
    for match in CLIP_ID.finditer(svg):
        names.setdefault(match.group(), b"clip%d" % len(names))
    return CLIP_ID.sub(lambda match: names[match.group()], svg)


def source_hash():
    """Hash of every source file of the vcbook package and of matplotlib's version.

    A figure may use any module of the package, so any change to the package
    invalidates every cached figure.
    """
    digest = hashlib.sha256(matplotlib.__version__.encode())
    for path in sorted(_PACKAGE_ROOT.rglob("*.py")):
        digest.update(str(path.relative_to(_PACKAGE_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
