"""Execute every code block of every page, in both languages, as rendered.

Python blocks run in fresh globals with their printed output compared to
the ``expected-output`` block that follows them, if any. The collection
fails, instead of skipping, when a page contains a fence that would not run.
"""

import builtins
import contextlib
import dis
import io
import os
import re
import subprocess

import executed
import matplotlib
import matplotlib.pyplot as plt
import pytest
from pages import DOCS, ROOT, fences, markdown_pages, rendered_source
from pytest_codeblocks import extract_from_buffer

matplotlib.use("Agg")

# Info strings a page may use. Every other one (py, python title=..., sh) is
# an error: pytest-codeblocks would skip such a block without a word.
ALLOWED_INFO = {"python", "text", "console"}
MAIN_GUARD = re.compile(r"^\s*if\s+__name__\s*==", re.MULTILINE)
MAKE_COMMAND = re.compile(r"^\$ make (?P<target>[\w-]+)$")


def _python_blocks():
    for page in markdown_pages():
        for block in extract_from_buffer(io.StringIO(rendered_source(page))):
            if block.syntax == "python":
                yield pytest.param(
                    page, block, id=f"{page.relative_to(DOCS)}:{block.lineno}"
                )


def _console_blocks():
    for page in markdown_pages():
        for lineno, info, body, _ in fences(rendered_source(page)):
            if info == "console":
                yield pytest.param(body, id=f"{page.relative_to(DOCS)}:{lineno}")


@pytest.mark.parametrize(
    "page", markdown_pages(), ids=lambda p: str(p.relative_to(DOCS))
)
def test_page_fences_all_run(page):
    text = rendered_source(page)
    found = fences(text)
    previous_info = None
    for lineno, info, body, marker in found:
        assert info in ALLOWED_INFO, (
            f"line {lineno}: fence info {info!r} is not one of {sorted(ALLOWED_INFO)}; "
            "pytest-codeblocks runs only fences whose info is exactly 'python'"
        )
        assert info != "python" or not MAIN_GUARD.search(body), (
            f"line {lineno}: an `if __name__ == ...` body never runs in the tests"
        )
        assert "--8<--" not in body, (
            f"line {lineno}: a snippet include was not expanded"
        )
        if marker == "cont":
            assert info == "python" and previous_info == "python", (
                f"line {lineno}: a 'cont' block must be Python and follow a Python block"
            )
        if marker and marker.startswith("expected-output"):
            assert previous_info == "python", (
                f"line {lineno}: expected output after a non-Python block"
            )
        previous_info = info

    python_fences = sum(1 for _, info, _, _ in found if info == "python")
    continued = sum(
        1 for _, info, _, marker in found if info == "python" and marker == "cont"
    )
    blocks = [b for b in extract_from_buffer(io.StringIO(text)) if b.syntax == "python"]
    assert python_fences == len(blocks) + continued, (
        f"{python_fences} Python fences but only {len(blocks)} blocks and {continued} "
        "continuations were collected"
    )
    for block in blocks:
        assert not block.marks, (
            f"line {block.lineno}: pytest marks {block.marks} are not allowed"
        )
        assert block.importorskip is None, (
            f"line {block.lineno}: importorskip hides a failure"
        )


def _global_names(code):
    """Names that ``code`` and the functions nested in it read as globals."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
    for constant in code.co_consts:
        if hasattr(constant, "co_code"):
            names |= _global_names(constant)
    return names


PYTHON_BLOCKS = list(_python_blocks())


def _block_key(params):
    return f"{params['page'].relative_to(DOCS)}:{params['block'].lineno}"


@pytest.mark.parametrize("page, block", PYTHON_BLOCKS)
def test_python_block_runs(page, block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    output = io.StringIO()
    code = compile(block.code, f"{page.relative_to(DOCS)}:{block.lineno}", "exec")
    namespace = {"__name__": "__main__"}
    try:
        with contextlib.redirect_stdout(output):
            exec(code, namespace)
    finally:
        plt.close("all")
    executed.record("python block", _block_key({"page": page, "block": block}))

    # A function the block defines but does not call must still be callable
    # when pasted alone: every global it reads is defined by the block.
    undefined = _global_names(code) - set(namespace) - set(dir(builtins))
    assert not undefined, f"the block uses names it never defines: {sorted(undefined)}"

    if block.expected_output is not None:
        expected, printed = block.expected_output, output.getvalue()
        if block.expected_output_ignore_whitespace:
            expected, printed = " ".join(expected.split()), " ".join(printed.split())
        assert printed == expected


@pytest.mark.parametrize("body", list(_console_blocks()))
def test_console_block_names_make_targets(body):
    for line in body.splitlines():
        if not line.startswith("$ "):
            continue
        match = MAKE_COMMAND.match(line)
        assert match, (
            f"console command {line!r} is not a `make TARGET` the tests can check"
        )
        result = subprocess.run(
            ["make", "-n", match.group("target")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env={**os.environ, "MAKEFLAGS": ""},
        )
        assert result.returncode == 0, result.stderr


def test_every_python_block_ran(request):
    # Runs last in this module: every block test selected in this session
    # must have recorded that its block ran to completion.
    wanted = executed.selected(request, test_python_block_runs, _block_key)
    missing = sorted(wanted - executed.executed("python block"))
    assert not missing, f"{len(missing)} code blocks never ran to completion: {missing}"
    if len(wanted) == len(PYTHON_BLOCKS):  # the whole module ran
        assert wanted == {
            _block_key(dict(page=p.values[0], block=p.values[1])) for p in PYTHON_BLOCKS
        }
