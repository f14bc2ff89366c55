"""Serve MathJax 3 from the site itself, taken from the django-static-mathjax wheel.

Only tex-chtml.js and the components it loads lazily are added, under
assets/mathjax/, so that reading the book makes no request to a CDN.
"""

import importlib.util
from pathlib import Path

from mkdocs.structure.files import File

# Parts of MathJax's es5 build that tex-chtml.js loads on demand: the TeX
# extensions, the CHTML fonts, the context menu and the accessibility tools.
PARTS = (
    "tex-chtml.js",
    "input/tex/extensions",
    "output/chtml/fonts/woff-v2",
    "ui",
    "a11y",
    "sre",
    "adaptors",
)


def _mathjax_root():
    spec = importlib.util.find_spec("mathjax")
    if spec is None or spec.origin is None:
        raise RuntimeError("django-static-mathjax is not installed; run make install")
    return Path(spec.origin).parent / "static" / "mathjax" / "es5"


def on_files(files, config):
    root = _mathjax_root()
    for part in PARTS:
        path = root / part
        sources = (
            [path]
            if path.is_file()
            else sorted(p for p in path.rglob("*") if p.is_file())
        )
        for source in sources:
            destination = "assets/mathjax/" + source.relative_to(root).as_posix()
            files.append(File.generated(config, destination, abs_src_path=str(source)))
    return files
