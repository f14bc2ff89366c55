"""Measure a cold and a warm `mkdocs build --strict` of the book.

Cold: empty figure and lab caches, so every figure is rendered and every
lab executed. Warm: the same caches again, so nothing is rendered or
executed. Prints wall-clock seconds of each.

    .venv/bin/python benchmarks/build.py
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"figures: (\d+) rendered, (\d+) cached")


def build(site, cache):
    env = {
        **os.environ,
        "VCBOOK_CACHE_DIR": str(cache / "figures"),
        "VCBOOK_NOTEBOOK_CACHE_DIR": str(cache / "notebooks"),
        "NO_MKDOCS_2_WARNING": "1",
    }
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{result.stderr[-3000:]}")
    rendered = sum(int(r) for r, _ in SUMMARY.findall(result.stderr))
    return seconds, rendered


def main():
    with tempfile.TemporaryDirectory() as tmp:
        site, cache = Path(tmp) / "site", Path(tmp) / "cache"
        cold, cold_rendered = build(site, cache)
        labs = len(list((cache / "notebooks").rglob("*.json")))
        warm, warm_rendered = build(site, cache)
        size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    print(
        f"cold build: {cold:6.2f} s ({cold_rendered} figure files rendered, "
        f"{labs} lab pages executed)"
    )
    print(f"warm build: {warm:6.2f} s ({warm_rendered} figure files rendered)")
    print(f"site size:  {size / 1e6:6.1f} MB")


if __name__ == "__main__":
    main()
