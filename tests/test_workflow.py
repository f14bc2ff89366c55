"""The GitHub Actions workflow runs what .ci/run runs, then publishes the site."""

import re

import yaml
from pages import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
CI_RUN = ROOT / ".ci" / "run"
# Lines of .ci/run that set up the shell or branch on the machine (the
# workflow's container always needs Chromium), rather than test the book.
SHELL_SETUP = re.compile(r"^(#|set |cd |if |then$|else$|fi$|$)")


def _workflow():
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _normalize(command):
    return " ".join(command.replace("sudo ", "").split())


def _ci_commands():
    lines = (line.strip() for line in CI_RUN.read_text(encoding="utf-8").splitlines())
    return [_normalize(line) for line in lines if not SHELL_SETUP.match(line)]


def _run_lines(job):
    lines = []
    for step in job["steps"]:
        for line in step.get("run", "").splitlines():
            if line.strip():
                lines.append(_normalize(line))
    return lines


def _uses(job):
    return [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]


def test_workflow_is_valid_yaml():
    workflow = _workflow()
    assert isinstance(workflow, dict)
    assert set(workflow["jobs"]) == {"test", "deploy"}


def test_workflow_runs_ci_commands():
    commands = _ci_commands()
    assert "make test" in commands, ".ci/run no longer runs make test"
    run_lines = _run_lines(_workflow()["jobs"]["test"])
    for command in commands:
        assert command in run_lines, (
            f"the workflow does not run {command!r} from .ci/run"
        )


def test_workflow_installs_chromium_before_tests():
    run_lines = _run_lines(_workflow()["jobs"]["test"])
    install = next(
        i
        for i, line in enumerate(run_lines)
        if "apt-get install -y -qq chromium" in line
    )
    assert install < run_lines.index("make test")


def test_workflow_triggers_on_main():
    workflow = _workflow()
    # YAML 1.1 reads the key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert triggers["push"]["branches"] == ["main"]


def test_workflow_deploys_pages_from_main():
    jobs = _workflow()["jobs"]
    assert "actions/upload-pages-artifact" in _uses(jobs["test"])
    assert "actions/deploy-pages" in _uses(jobs["deploy"])
    assert jobs["deploy"]["needs"] == "test"
    assert "refs/heads/main" in jobs["deploy"]["if"]
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_workflow_uploads_built_site():
    jobs = _workflow()["jobs"]
    upload = next(
        s
        for s in jobs["test"]["steps"]
        if s.get("uses", "").startswith("actions/upload-pages-artifact")
    )
    assert upload["with"]["path"] == "site"
    assert "make build" in _run_lines(jobs["test"])


def test_workflow_starts_from_empty_caches():
    # A restored figure or lab cache could hide a figure that no longer
    # renders or a lab cell that now fails.
    for job in _workflow()["jobs"].values():
        assert "actions/cache" not in _uses(job)
