"""Time the first render of every figure of the book, from empty caches.

Each figure is rendered in both languages and both schemes in one process,
in registration order, so computations cached with functools.cache are
paid once, by the first figure that needs them. Prints seconds per figure
and the total.

    .venv/bin/python benchmarks/figures.py [name-prefix ...]
"""

import sys
import time

from vcbook.figures import LANGUAGES, SCHEMES, figure_names, render


def main(prefixes):
    names = [n for n in figure_names() if not prefixes or n.startswith(tuple(prefixes))]
    total = 0.0
    for name in names:
        start = time.perf_counter()
        for lang in LANGUAGES:
            for scheme in SCHEMES:
                render(name, lang, scheme)
        seconds = time.perf_counter() - start
        total += seconds
        print(f"{name:28s} {seconds:7.2f} s")
    print(f"{'total':28s} {total:7.2f} s for {len(names)} figures x 4 variants")


if __name__ == "__main__":
    main(sys.argv[1:])
