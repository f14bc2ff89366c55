"""Every chapter ends with 3 to 6 exercises, each followed by a collapsible solution.

A solution that computes something (holds a Python block) checks its result
with an assert, so that a wrong solution fails tests/test_codeblocks.py.
"""

import re

import pytest
from pages import DOCS, fences

CHAPTERS = sorted(DOCS.glob("capitulo-*.md"))
ADMONITION = re.compile(
    r'^(?P<marker>!!!|\?\?\?\+?) (?P<kind>[\w-]+)(?: "(?P<title>[^"]*)")?\s*$'
)
EXERCISES_HEADING = {"pt": "## Exercícios", "en": "## Exercises"}
QUESTION_TITLE = {"pt": "Exercício {}", "en": "Exercise {}"}
SOLUTION_TITLE = {"pt": "Solução", "en": "Solution"}
MIN_EXERCISES, MAX_EXERCISES = 3, 6


def _blocks(text):
    """List the top-level admonitions of ``text`` as (line number, marker, kind, title, body)."""
    lines = text.split("\n")
    found = []
    index = 0
    while index < len(lines):
        match = ADMONITION.match(lines[index])
        if not match:
            index += 1
            continue
        start = index
        index += 1
        body = []
        while index < len(lines) and (
            not lines[index].strip() or lines[index].startswith("    ")
        ):
            body.append(lines[index][4:])
            index += 1
        found.append(
            (start + 1, match["marker"], match["kind"], match["title"], "\n".join(body))
        )
    return found


def _language(page):
    return page.name.rsplit(".", 2)[1]


def _exercises(page):
    """Pair each question of ``page`` with the admonition that follows it."""
    blocks = _blocks(page.read_text(encoding="utf-8"))
    pairs = []
    for position, block in enumerate(blocks):
        if block[1] == "!!!" and block[2] == "question":
            following = blocks[position + 1] if position + 1 < len(blocks) else None
            pairs.append((block, following))
    return pairs


def test_chapters_found():
    assert CHAPTERS, "docs/ has no capitulo-*.md"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda page: page.name)
def test_chapter_exercise_count(page):
    count = len(_exercises(page))
    assert MIN_EXERCISES <= count <= MAX_EXERCISES, (
        f"{page.name} has {count} exercises; a chapter ends with {MIN_EXERCISES} to {MAX_EXERCISES}"
    )


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda page: page.name)
def test_exercises_in_exercises_section(page):
    text = page.read_text(encoding="utf-8")
    heading = EXERCISES_HEADING[_language(page)]
    assert f"\n{heading}\n" in text, f"{page.name} has no '{heading}' section"
    section_line = text[: text.index(f"\n{heading}\n")].count("\n") + 2
    for (line, *_), _ in _exercises(page):
        assert line > section_line, (
            f"{page.name}:{line}: an exercise sits before '{heading}'"
        )


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda page: page.name)
def test_exercises_numbered_in_order(page):
    template = QUESTION_TITLE[_language(page)]
    titles = [question[3] for question, _ in _exercises(page)]
    assert titles == [template.format(number) for number in range(1, len(titles) + 1)]


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda page: page.name)
def test_each_exercise_has_solution(page):
    title = SOLUTION_TITLE[_language(page)]
    for question, solution in _exercises(page):
        line = question[0]
        assert solution is not None, (
            f"{page.name}:{line}: the last exercise has no solution"
        )
        assert solution[1] == "???", (
            f"{page.name}:{line}: the solution is not collapsible (???)"
        )
        assert solution[2] == "success", (
            f"{page.name}:{line}: the solution is not '??? success'"
        )
        assert solution[3] == title, (
            f"{page.name}:{line}: the solution is not titled {title!r}"
        )
        assert solution[4].strip(), f"{page.name}:{solution[0]}: the solution is empty"


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda page: page.name)
def test_computed_solutions_assert(page):
    for _, solution in _exercises(page):
        if solution is None:
            continue
        for _, info, body, _ in fences(solution[4]):
            if info != "python":
                continue
            assert re.search(r"^\s*assert\b", body, re.M), (
                f"{page.name}:{solution[0]}: a solution computes something but asserts nothing"
            )


def test_blocks_parser_on_known_page():
    text = (
        '!!! question "Exercício 1"\n    Pergunta.\n\n'
        '??? success "Solução"\n    ```python\n    x = 1\n    assert x == 1\n    ```\n\n'
        "Texto.\n"
    )
    blocks = _blocks(text)
    assert [(marker, kind, title) for _, marker, kind, title, _ in blocks] == [
        ("!!!", "question", "Exercício 1"),
        ("???", "success", "Solução"),
    ]
    assert "assert x == 1" in blocks[1][4]
