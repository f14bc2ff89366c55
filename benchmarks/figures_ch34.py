"""Time the first render of every figure of chapters 3 and 4, from empty caches.

The script runs in a fresh process and renders each figure first in
Portuguese, light scheme. The functools caches start empty, so that first
time includes the figure's training runs. The other three variants are then
timed together. The goal is at most 60 s in total on 2 CPU cores.

Run: PYTHONPATH=src python benchmarks/figures_ch34.py
"""

import time

start = time.perf_counter()
from vcbook.figures import figure_names, render  # noqa: E402

# Importing every figure module (torch, scikit-learn, scipy) is counted apart,
# so the first figure's time is its own.
figure_names()

FIGURES = [
    "linear-models",
    "loss-surface",
    "folding-1d",
    "regions-2d",
    "width-approximation",
    "max-regions",
    "training-curves",
    "l2-fits",
    "momentum-paths",
    "regularization-methods",
    "implicit-regularization",
]
print(f"{'import of all figure modules':26s} {time.perf_counter() - start:6.2f} s")

total = 0.0
for name in FIGURES:
    begin = time.perf_counter()
    render(name, "pt", "light")
    seconds = time.perf_counter() - begin
    total += seconds
    print(f"{name:26s} {seconds:6.2f} s")
print(f"{'total (first renders)':26s} {total:6.2f} s")
print(f"{'total with the imports':26s} {time.perf_counter() - start:6.2f} s")

begin = time.perf_counter()
for name in FIGURES:
    for lang, scheme in (("pt", "dark"), ("en", "light"), ("en", "dark")):
        render(name, lang, scheme)
print(f"{'other 3 variants, cached':26s} {time.perf_counter() - begin:6.2f} s")
