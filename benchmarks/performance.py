"""Measure the book's build, figures, math typesetting and page weight; write RESULTS.md.

- cold and warm ``mkdocs build --strict`` (benchmarks/build.py);
- the first render of each figure, 4 variants each (benchmarks/figures.py,
  run in a fresh process so that no figure computation is cached);
- the time from navigation start to the end of MathJax's first typeset on
  the page with the most math, in Chromium, median of several loads;
- the transfer size of each page: the encoded bytes of every response of one
  load with the browser cache disabled, the search index included.

Prints every number and writes benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/performance.py [--loads N]
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import build  # noqa: E402  (benchmarks/build.py)
from browser import (  # noqa: E402
    CHROMIUM,
    MATHJAX_TIMER_SCRIPT,
    LocalServer,
    chromium,
    mathjax_done_ms,
)

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
FIGURE_LINE = re.compile(r"^(?P<name>\S+)\s+(?P<seconds>[\d.]+) s$")


def hardware():
    """Describe the CPU (lscpu), core count (nproc) and memory of this machine."""
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    model = platform.processor() or "unknown CPU"
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    match = re.search(r"^Model name:\s*(.+)$", lscpu, re.M)
    if match:
        model = match.group(1).strip()
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(re.search(r"MemTotal:\s*(\d+)", meminfo.read_text()).group(1))
        memory = f", {kilobytes / 2**20:.1f} GiB RAM"
    return f"{cores} cores ({model}){memory}, Python {platform.python_version()}"


def figure_times():
    """Run benchmarks/figures.py in a fresh process; return [(name, seconds)] per figure."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "figures.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    times = []
    for line in result.stdout.splitlines():
        match = FIGURE_LINE.match(line)
        if match and match.group("name") != "total":
            times.append((match.group("name"), float(match.group("seconds"))))
    return times


def page_urls(site):
    """URL paths of every page of the built site, default language first."""
    urls = []
    for page in sorted(site.rglob("index.html")):
        relative = page.parent.relative_to(site).as_posix()
        if relative.split("/")[0] in ("assets", "search"):
            continue
        urls.append("" if relative == "." else f"{relative}/")
    return sorted(urls, key=lambda url: (url.startswith("en/"), url))


def math_count(site, url):
    html = (site / url / "index.html").read_text(encoding="utf-8")
    return html.count('class="arithmatex"')


def transfer_size(browser, origin, url):
    """Encoded bytes and number of responses of one load of ``url``.

    The browser routes every request (tests/browser.py), and Playwright
    disables the HTTP cache while routing, so every load fetches everything.
    """
    page = browser.context.new_page()
    finished = []
    page.on("requestfinished", lambda request: finished.append(request))
    try:
        page.goto(f"{origin}/{url}")
        page.wait_for_load_state("networkidle")
        sizes = [request.sizes() for request in finished]
    finally:
        page.close()
    total = sum(
        size["responseHeadersSize"] + size["responseBodySize"] for size in sizes
    )
    return total, len(sizes)


def chromium_version():
    result = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True
    )
    return result.stdout.strip() or "version unknown"


def typeset_times(browser, origin, url, loads):
    """ms from navigation start to the end of MathJax's first typeset, per load."""
    times = []
    for _ in range(loads):
        page = browser.context.new_page()
        page.add_init_script(MATHJAX_TIMER_SCRIPT)
        try:
            page.goto(f"{origin}/{url}")
            times.append(mathjax_done_ms(page))
        finally:
            page.close()
    return times


def write_results(numbers):
    lines = [
        "# Performance of the book",
        "",
        "Written by `benchmarks/performance.py`; rerun it to refresh every number.",
        f"Machine: {numbers['hardware']}.",
        "Other jobs may have shared the cores during the run, so read the numbers as",
        "estimates of the order of magnitude.",
        "",
        "## Build (`mkdocs build --strict`, both languages)",
        "",
        "| build | seconds | figure files rendered |",
        "| --- | ---: | ---: |",
        f"| cold (empty figure and lab caches) | {numbers['cold'][0]:.2f} | {numbers['cold'][1]} |",
        f"| warm (same caches, no change) | {numbers['warm'][0]:.2f} | {numbers['warm'][1]} |",
        "",
        f"Site size: {numbers['site_mb']:.1f} MB.",
        "",
        "## First render of each figure (4 variants: 2 languages x 2 schemes)",
        "",
        "Rendered in registration order in one fresh process, so a computation shared",
        "through `functools.cache` is paid by the first figure that needs it.",
        "",
        "| figure | seconds |",
        "| --- | ---: |",
    ]
    lines += [f"| `{name}` | {seconds:.2f} |" for name, seconds in numbers["figures"]]
    lines += [
        f"| total | {sum(s for _, s in numbers['figures']):.2f} |",
        "",
        "## Math typesetting in Chromium",
        "",
        f"Page with the most math: `/{numbers['math_page']}` "
        f"({numbers['math_elements']} math elements).",
        "Time from navigation start to the end of MathJax's first typeset",
        f"(`MathJax.startup.promise`), {len(numbers['typeset'])} loads in headless",
        f"{numbers['chromium']}, site served by Python's http.server on 127.0.0.1:",
        "",
        f"- median: {statistics.median(numbers['typeset']):.0f} ms",
        f"- min / max: {min(numbers['typeset']):.0f} / {max(numbers['typeset']):.0f} ms",
        "",
        "## Transfer size of each page",
        "",
        "Bytes received (headers included, no compression: http.server sends none)",
        "for one load with the cache disabled, until the network is idle. This",
        "includes MathJax, its fonts and the page language's search index.",
        "",
        "| page | responses | KiB |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| `/{url}` | {count} | {size / 1024:.0f} |"
        for url, size, count in numbers["transfer"]
    ]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(loads):
    numbers = {"hardware": hardware()}
    print(f"machine: {numbers['hardware']}")
    with tempfile.TemporaryDirectory() as tmp:
        site, cache = Path(tmp) / "site", Path(tmp) / "cache"
        numbers["cold"] = build.build(site, cache)
        numbers["warm"] = build.build(site, cache)
        numbers["site_mb"] = (
            sum(f.stat().st_size for f in site.rglob("*") if f.is_file()) / 1e6
        )
        print(
            f"cold build: {numbers['cold'][0]:6.2f} s ({numbers['cold'][1]} figure files rendered)"
        )
        print(
            f"warm build: {numbers['warm'][0]:6.2f} s ({numbers['warm'][1]} figure files rendered)"
        )

        numbers["figures"] = figure_times()
        for name, seconds in numbers["figures"]:
            print(f"figure {name:28s} {seconds:7.2f} s")

        urls = page_urls(site)
        numbers["math_page"] = max(urls, key=lambda url: math_count(site, url))
        numbers["math_elements"] = math_count(site, numbers["math_page"])
        with LocalServer(site) as server, chromium([server.origin]) as browser:
            numbers["chromium"] = chromium_version()
            numbers["typeset"] = typeset_times(
                browser, server.origin, numbers["math_page"], loads
            )
            print(
                f"typeset /{numbers['math_page']} ({numbers['math_elements']} math elements): "
                f"median {statistics.median(numbers['typeset']):.0f} ms over {loads} loads"
            )
            numbers["transfer"] = []
            for url in urls:
                size, count = transfer_size(browser, server.origin, url)
                numbers["transfer"].append((url, size, count))
                print(
                    f"transfer /{url:28s} {size / 1024:8.0f} KiB in {count} responses"
                )
    write_results(numbers)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--loads", type=int, default=7, help="page loads for the typeset median"
    )
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    main(parser.parse_args().loads)
