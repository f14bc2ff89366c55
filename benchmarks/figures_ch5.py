"""Time the first render of every chapter 5 figure, from empty caches.

Run with ``PYTHONPATH=src python benchmarks/figures_ch5.py``. Each figure is
rendered once per language and scheme; the first render includes the
training runs that its cached functions share with the other three.
The chapter's budget is 90 s in total on 2 CPU cores.
"""

import time

from vcbook.figures import render

FIGURES = ("conv-layer", "vgg", "top-patches", "loss-landscape", "fpn", "clip")
BUDGET_SECONDS = 90.0

total = 0.0
for name in FIGURES:
    times = []
    for lang in ("pt", "en"):
        for scheme in ("light", "dark"):
            start = time.perf_counter()
            render(name, lang, scheme)
            times.append(time.perf_counter() - start)
    total += sum(times)
    print(f"{name:15s} first render {times[0]:6.2f} s, all four {sum(times):6.2f} s")
print(f"total {total:.2f} s (budget {BUDGET_SECONDS:.0f} s)")
