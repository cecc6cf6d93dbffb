"""Checks that the GitHub workflows, the composite action and the pre-commit hook
stay hardened.

Three layers look at every definition: zizmor (a static analyzer for GitHub
Actions), check-jsonschema with the published workflow and action schemas,
and the project's own rules written here. The deliberately unsafe fixtures in
`tests/fixtures/workflows/` prove that each layer still rejects what it
should. The comment script of `pr-comment.yml` and the file listing of
`pull-request.yml` are also run, against a fake GitHub API and a real git
repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
FIXTURES = ROOT / "tests" / "fixtures" / "workflows"
UNSAFE = FIXTURES / "unsafe-injection.yml"
INVALID = FIXTURES / "invalid-structure.yml"
TARGET_CHECKOUT = FIXTURES / "target-checkout.yml"

SHA_REF = re.compile(r"@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
VERSION_COMMENT = re.compile(r"^\s*#\s*v\d+\.\d+\.\d+\s*$")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
UNTRUSTED = re.compile(r"\b(?:github\s*\.\s*event|github\s*\.\s*head_ref|inputs)\b")
PRIVILEGED_TRIGGERS = {"pull_request_target", "workflow_run"}

# Accepted zizmor findings, each marked with its reason at the line it is on.
ACCEPTED_ZIZMOR = {"pr-comment.yml": {"dangerous-triggers"}}


# ---------------------------------------------------------------------------
# Reading definitions


def load(path: Path) -> dict[str, Any]:
    """Load a workflow or action, keeping `on` as a key (YAML 1.1 reads it as
    the boolean true)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(doc, dict) and True in doc:
        doc["on"] = doc.pop(True)
    return doc


def triggers(doc: dict[str, Any]) -> set[str]:
    """The event names of a workflow, whichever of the three forms `on` has."""
    on = doc.get("on")
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return set(on)
    return set(on or {})


def jobs(doc: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    jobs_ = doc.get("jobs")
    yield from (jobs_.items() if isinstance(jobs_, dict) else [])


def steps(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every step of a workflow's jobs or of a composite action, with a place
    name for messages."""
    runs = doc.get("runs")
    if isinstance(runs, dict):
        for index, step in enumerate(runs.get("steps") or []):
            yield f"runs.steps[{index}]", step
    for job_id, job in jobs(doc):
        job_steps = job.get("steps") if isinstance(job, dict) else None
        if isinstance(job_steps, list):
            for index, step in enumerate(job_steps):
                yield f"jobs.{job_id}.steps[{index}]", step


def uses_of(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).startswith(f"{action}@")


def step_named(doc: dict[str, Any], name: str) -> dict[str, Any]:
    found = [step for _, step in steps(doc) if step.get("name") == name]
    assert len(found) == 1, f"expected one step named {name!r}"
    return found[0]


# ---------------------------------------------------------------------------
# The project's own rules; each returns a list of "place: problem" strings


def check_structure(doc: Any) -> list[str]:
    """Jobs run somewhere, and steps are a list of steps that each either run
    a script or use an action."""
    if not isinstance(doc, dict) or not isinstance(doc.get("jobs"), dict):
        return ["the workflow has no jobs mapping"]
    problems = []
    for job_id, job in jobs(doc):
        if not isinstance(job, dict):
            problems.append(f"jobs.{job_id}: not a mapping")
            continue
        if "runs-on" not in job and "uses" not in job:
            problems.append(f"jobs.{job_id}: neither runs-on nor uses")
        job_steps = job.get("steps", [])
        if not isinstance(job_steps, list):
            problems.append(f"jobs.{job_id}.steps: not a list")
            continue
        for index, step in enumerate(job_steps):
            if not isinstance(step, dict) or ("run" in step) == ("uses" in step):
                problems.append(f"jobs.{job_id}.steps[{index}]: not one of run/uses")
    return problems


def check_pinned(doc: dict[str, Any]) -> list[str]:
    """Every action or reusable workflow from elsewhere is pinned by commit."""
    refs = [(place, step.get("uses")) for place, step in steps(doc)]
    refs += [(f"jobs.{job_id}", job.get("uses")) for job_id, job in jobs(doc)]
    return [
        f"{place}: {ref} is not pinned by a 40-hex commit SHA"
        for place, ref in refs
        if isinstance(ref, str) and not ref.startswith("./") and not SHA_REF.search(ref)
    ]


def check_version_comments(text: str) -> list[str]:
    """A pinned reference says which release it is, as `# vX.Y.Z`."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = USES_LINE.match(line)
        if match and not match["ref"].startswith("./"):
            if not VERSION_COMMENT.match(match["rest"]):
                problems.append(f"line {number}: {match['ref']} lacks a # vX.Y.Z")
    return problems


def _grants_write(permissions: Any) -> bool:
    if isinstance(permissions, str):
        return permissions != "read-all"
    return any(level == "write" for level in (permissions or {}).values())


def check_permissions(doc: dict[str, Any]) -> list[str]:
    """The workflow declares permissions, grants no write access at the top
    and every job names the permissions it uses."""
    problems = []
    if "permissions" not in doc:
        problems.append("permissions: missing at the top level")
    else:
        top = doc["permissions"]
        if isinstance(top, str) or _grants_write(top):
            problems.append(f"permissions: top level grants {top!r}")
    for job_id, job in jobs(doc):
        if not isinstance(job, dict):
            continue
        if "permissions" not in job:
            problems.append(f"jobs.{job_id}: declares no permissions")
        elif isinstance(job["permissions"], str):
            problems.append(f"jobs.{job_id}: permissions {job['permissions']!r}")
    return problems


def _scripts(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for place, step in steps(doc):
        if isinstance(step.get("run"), str):
            yield f"{place}.run", step["run"]
        script = (step.get("with") or {}).get("script")
        if uses_of(step, "actions/github-script") and isinstance(script, str):
            yield f"{place}.with.script", script


def check_script_expressions(doc: dict[str, Any]) -> list[str]:
    """No untrusted context is pasted into a shell or JavaScript script."""
    return [
        f"{place}: expands ${{{{{expression.strip()}}}}}"
        for place, script in _scripts(doc)
        for expression in EXPRESSION.findall(script)
        if UNTRUSTED.search(expression)
    ]


def check_checkout_credentials(doc: dict[str, Any]) -> list[str]:
    """Checkouts leave no token in `.git/config`."""
    return [
        f"{place}: checkout without persist-credentials: false"
        for place, step in steps(doc)
        if uses_of(step, "actions/checkout")
        and (step.get("with") or {}).get("persist-credentials") not in (False, "false")
    ]


def check_privileged_checkout(doc: dict[str, Any]) -> list[str]:
    """A workflow that runs with a write token for untrusted pull requests
    never checks out code."""
    privileged = triggers(doc) & PRIVILEGED_TRIGGERS
    if not privileged:
        return []
    return [
        f"{place}: checks out code under {', '.join(sorted(privileged))}"
        for place, step in steps(doc)
        if uses_of(step, "actions/checkout")
    ]


def workflow_problems(path: Path) -> list[str]:
    """Every rule that a workflow of this repository keeps."""
    doc = load(path)
    problems = check_structure(doc)
    if problems:
        return problems
    return (
        check_pinned(doc)
        + check_version_comments(path.read_text(encoding="utf-8"))
        + check_permissions(doc)
        + check_script_expressions(doc)
        + check_checkout_credentials(doc)
        + check_privileged_checkout(doc)
    )


def action_problems(path: Path) -> list[str]:
    """Every rule that the composite action keeps."""
    doc = load(path)
    return (
        check_pinned(doc)
        + check_version_comments(path.read_text(encoding="utf-8"))
        + check_script_expressions(doc)
        + check_checkout_credentials(doc)
    )


# ---------------------------------------------------------------------------
# The outside tools


def zizmor_findings(path: Path, *extra: str) -> list[dict[str, Any]]:
    """Run zizmor offline with its most thorough persona; its findings."""
    exe = shutil.which("zizmor")
    if exe is None:
        pytest.skip("zizmor is not installed")
    command = [exe, "--offline", "--persona", "auditor", "--no-progress"]
    result = subprocess.run(
        [*command, "--format", "json", *extra, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.stdout.strip(), result.stderr
    findings = json.loads(result.stdout)
    # Exit 0 means no finding; 10 and up, findings by their top severity.
    if findings:
        assert 10 <= result.returncode <= 14, result.stderr
    else:
        assert result.returncode == 0, result.stderr
    return findings


def check_schema(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    """Check a file against one of check-jsonschema's built-in schemas."""
    try:
        import check_jsonschema  # noqa: F401
    except ImportError:
        pytest.skip("check-jsonschema is not installed")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema]
        + [str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def ids(findings: list[dict[str, Any]]) -> set[str]:
    return {finding["ident"] for finding in findings}


DEFINITIONS = [*WORKFLOWS, ACTION, HOOKS]


def test_the_repository_has_the_expected_workflows():
    names = {path.name for path in WORKFLOWS}
    assert names >= {"pull-request.yml", "pr-comment.yml", "publish.yml", "tests.yml"}


# ---------------------------------------------------------------------------
# zizmor


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda path: path.name)
def test_zizmor_reports_no_finding(path):
    findings = zizmor_findings(path)
    assert [(f["ident"], f["desc"]) for f in findings] == []


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda path: path.name)
def test_zizmor_ignores_only_the_reviewed_findings(path):
    findings = zizmor_findings(path, "--no-ignores")
    assert ids(findings) == ACCEPTED_ZIZMOR.get(path.name, set())


def test_zizmor_flags_the_injection_fixture():
    found = ids(zizmor_findings(UNSAFE))
    expected = {"template-injection", "unpinned-uses", "excessive-permissions"}
    assert expected | {"artipacked"} <= found


def test_zizmor_flags_the_pull_request_target_fixture():
    assert "dangerous-triggers" in ids(zizmor_findings(TARGET_CHECKOUT))


# ---------------------------------------------------------------------------
# check-jsonschema


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
@pytest.mark.parametrize(
    "schema", ["vendor.github-workflows", "custom.github-workflows-require-timeout"]
)
def test_workflow_matches_the_schema(path, schema):
    result = check_schema(path, schema)
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_matches_the_schema():
    result = check_schema(ACTION, "vendor.github-actions")
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_rejects_the_invalid_fixture():
    result = check_schema(INVALID, "vendor.github-workflows")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "$.jobs.broken" in result.stdout


@pytest.mark.parametrize("path", [UNSAFE, TARGET_CHECKOUT], ids=lambda p: p.name)
def test_unsafe_fixtures_are_valid_workflows(path):
    """The unsafe fixtures are rejected for what they do, not their shape."""
    result = check_schema(path, "vendor.github-workflows")
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------
# The project's own rules


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_workflow_keeps_the_hardening_rules(path):
    assert workflow_problems(path) == []


def test_action_keeps_the_hardening_rules():
    assert action_problems(ACTION) == []


def test_own_rules_reject_the_injection_fixture():
    problems = workflow_problems(UNSAFE)
    assert problems == [
        "jobs.greet.steps[0]: actions/checkout@v4 is not pinned by a 40-hex commit SHA",
        "line 16: actions/checkout@v4 lacks a # vX.Y.Z",
        "permissions: top level grants 'write-all'",
        "jobs.greet: declares no permissions",
        "jobs.greet.steps[1].run: expands ${{github.event.pull_request.title}}",
        "jobs.greet.steps[0]: checkout without persist-credentials: false",
    ]


def test_own_rules_reject_the_invalid_fixture():
    assert workflow_problems(INVALID) == [
        "jobs.broken: neither runs-on nor uses",
        "jobs.broken.steps: not a list",
    ]


def test_own_rules_reject_checkout_under_pull_request_target():
    assert workflow_problems(TARGET_CHECKOUT) == [
        "jobs.build.steps[0]: checks out code under pull_request_target"
    ]


def test_script_rule_catches_inputs_and_head_ref_in_an_action():
    doc = {
        "runs": {
            "using": "composite",
            "steps": [
                {"run": "echo ${{ inputs.paths }}", "shell": "bash"},
                {"run": "git switch ${{github.head_ref}}", "shell": "bash"},
                {"run": "echo ${{ runner.temp }}", "shell": "bash"},
            ],
        }
    }
    assert check_script_expressions(doc) == [
        "runs.steps[0].run: expands ${{inputs.paths}}",
        "runs.steps[1].run: expands ${{github.head_ref}}",
    ]


def test_permission_rule_accepts_read_only_top_level_grants():
    doc = {"permissions": {"contents": "read"}, "jobs": {"a": {"permissions": {}}}}
    assert check_permissions(doc) == []
    doc["permissions"] = {"contents": "write"}
    assert check_permissions(doc) == [
        "permissions: top level grants {'contents': 'write'}"
    ]


# ---------------------------------------------------------------------------
# What each workflow is for


def job_of(name: str) -> dict[str, Any]:
    (job,) = [job for _, job in jobs(load(WORKFLOW_DIR / name))]
    return job


def test_pull_request_job_only_reads_and_uses_no_secrets():
    doc = load(WORKFLOW_DIR / "pull-request.yml")
    assert triggers(doc) == {"pull_request"}
    assert job_of("pull-request.yml")["permissions"] == {"contents": "read"}
    assert "secrets." not in (WORKFLOW_DIR / "pull-request.yml").read_text()


def test_pull_request_checkout_fetches_the_base():
    doc = load(WORKFLOW_DIR / "pull-request.yml")
    (checkout,) = [s for _, s in steps(doc) if uses_of(s, "actions/checkout")]
    assert checkout["with"]["fetch-depth"] == 0


def test_comment_workflow_follows_the_pull_request_workflow_by_name():
    pull_request = load(WORKFLOW_DIR / "pull-request.yml")
    comment = load(WORKFLOW_DIR / "pr-comment.yml")
    assert triggers(comment) == {"workflow_run"}
    on_run = comment["on"]["workflow_run"]
    assert on_run == {"workflows": [pull_request["name"]], "types": ["completed"]}


def test_comment_workflow_downloads_the_uploaded_summary():
    uploaded = {
        s["with"]["name"]
        for _, s in steps(load(WORKFLOW_DIR / "pull-request.yml"))
        if uses_of(s, "actions/upload-artifact")
    }
    (download,) = [
        s
        for _, s in steps(load(WORKFLOW_DIR / "pr-comment.yml"))
        if uses_of(s, "actions/download-artifact")
    ]
    assert uploaded == {"site", download["with"]["name"]}
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["with"]["github-token"] == "${{ github.token }}"


def test_comment_job_holds_only_what_the_comment_needs():
    job = job_of("pr-comment.yml")
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert not any("run" in step and "${{" in step["run"] for step in job["steps"])


def test_publish_job_assumes_a_role_through_oidc_one_at_a_time():
    job = job_of("publish.yml")
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["concurrency"] == {"group": "publish-site", "cancel-in-progress": False}
    assert job["environment"]["name"]
    (aws,) = [
        s for s in job["steps"] if uses_of(s, "aws-actions/configure-aws-credentials")
    ]
    assert aws["with"]["role-to-assume"] == "${{ vars.HINDSIGHT_AWS_ROLE_ARN }}"
    assert "secrets." not in (WORKFLOW_DIR / "publish.yml").read_text()


def test_only_the_publish_job_can_request_an_oidc_token():
    holders = [
        (path.name, job_id)
        for path in WORKFLOWS
        for job_id, job in jobs(load(path))
        if (job.get("permissions") or {}).get("id-token") == "write"
    ]
    assert holders == [("publish.yml", "publish")]


def test_publish_workflow_runs_on_main_and_by_hand():
    doc = load(WORKFLOW_DIR / "publish.yml")
    assert doc["on"]["push"] == {"branches": ["main"]}
    assert triggers(doc) == {"push", "workflow_dispatch"}


def test_every_repository_variable_of_publish_is_documented():
    used = set(re.findall(r"vars\.(\w+)", (WORKFLOW_DIR / "publish.yml").read_text()))
    page = (ROOT / "site" / "ci.md").read_text(encoding="utf-8")
    assert used and {name for name in used if f"`{name}`" not in page} == set()


def test_tests_workflow_runs_the_ci_script():
    job = job_of("tests.yml")
    assert job["runs-on"] == "ubuntu-latest"
    assert job["permissions"] == {"contents": "read"}
    assert [s["run"] for s in job["steps"] if "run" in s] == ["bash .ci/run"]


# ---------------------------------------------------------------------------
# The composite action and the pre-commit hook


def test_action_inputs_are_all_declared_and_all_used():
    text = ACTION.read_text(encoding="utf-8")
    declared = set(load(ACTION)["inputs"])
    referenced = set(re.findall(r"inputs\.([\w-]+)", text))
    assert referenced == declared


def test_action_passes_inputs_to_scripts_through_the_environment():
    for _, step in steps(load(ACTION)):
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"]


def test_hook_runs_validate_on_incident_files():
    (hook,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert hook["id"] == "hindsight-validate"
    assert hook["entry"] == "hindsight validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert hook["entry"].split()[0] in scripts["scripts"]


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("incidents/2024/2024-01-15-db-outage.yaml", True),
        ("incidents/2024/2024-01-15-db-outage.yml", True),
        ("incidents/README.md", False),
        ("schemas/taxonomy.yaml", False),
        ("site/incidents/2024/x.yaml", False),
        ("incidents/2024/x.yaml.bak", False),
    ],
)
def test_hook_file_pattern(path, matches):
    (hook,) = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert bool(re.search(hook["files"], path)) is matches


# ---------------------------------------------------------------------------
# Running the scripts


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return result.stdout.strip()


def test_listing_step_names_changed_incident_files_only(tmp_path):
    repo = tmp_path / "repo"
    (repo / "incidents" / "2024").mkdir(parents=True)
    (repo / "schemas").mkdir()
    git(repo, "init", "-q")
    (repo / "incidents" / "2024" / "kept.yaml").write_text("a: 1\n")
    (repo / "incidents" / "2024" / "changed.yaml").write_text("a: 1\n")
    (repo / "incidents" / "2024" / "removed.yaml").write_text("a: 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")

    (repo / "incidents" / "2024" / "changed.yaml").write_text("a: 2\n")
    (repo / "incidents" / "2024" / "removed.yaml").unlink()
    (repo / "incidents" / "2024" / "new one; $(touch pwned).yml").write_text("b\n")
    (repo / "incidents" / "README.md").write_text("notes\n")
    (repo / "schemas" / "taxonomy.yaml").write_text("c: 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")

    step = step_named(
        load(WORKFLOW_DIR / "pull-request.yml"), "List changed incident files"
    )
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    env = {**os.environ, **step["env"], "RUNNER_TEMP": str(runner_temp)}
    env["BASE_SHA"] = base
    # The shell and options that GitHub uses for `run:` steps on Linux.
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=repo,
        env=env,
        check=True,
    )
    listed = (runner_temp / "changed-incidents").read_bytes().split(b"\0")
    assert sorted(name.decode() for name in listed if name) == [
        "incidents/2024/changed.yaml",
        "incidents/2024/new one; $(touch pwned).yml",
    ]
    assert not (repo / "pwned").exists()


COMMENT_HARNESS = r"""
const fs = require('fs');
const scenario = JSON.parse(fs.readFileSync(0, 'utf8'));
const script = fs.readFileSync(process.env.HARNESS_SCRIPT, 'utf8');
const calls = [];
const log = { failed: [], notices: [] };
const listComments = () => { throw new Error('listComments needs paginate'); };
const github = {
  paginate: async (method, args) => {
    if (method !== listComments) throw new Error('unexpected paginate');
    calls.push(['listComments', args]);
    return scenario.comments;
  },
  rest: {
    pulls: {
      get: async (args) => {
        calls.push(['pulls.get', args]);
        return { data: { head: { sha: scenario.pullHeadSha } } };
      },
    },
    issues: {
      listComments,
      createComment: async (args) => {
        calls.push(['createComment', args]);
        return { data: { id: 1000 } };
      },
      updateComment: async (args) => {
        calls.push(['updateComment', args]);
        return { data: { id: args.comment_id } };
      },
    },
  },
};
const core = {
  setFailed: (message) => log.failed.push(message),
  notice: (message) => log.notices.push(message),
  info: () => {},
};
const context = { repo: { owner: 'acme', repo: 'incidents' } };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction('require', 'github', 'context', 'core', script)(
  require, github, context, core,
).then(() => console.log(JSON.stringify({ calls, ...log })));
"""

MARKER = "<!-- hindsight-diff -->"
HEAD_SHA = "a" * 40
BOT = {"login": "github-actions[bot]", "type": "Bot"}


def run_comment_script(
    tmp_path: Path,
    *,
    pr_number: str = "42\n",
    summary: str = "## Incidents\n\n1 new incident\n",
    comments: list[dict[str, Any]] | None = None,
    pull_head_sha: str = HEAD_SHA,
) -> dict[str, Any]:
    """Run the github-script step of pr-comment.yml under Node against a fake
    GitHub API, with an artifact folder made of the given parts."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    step = step_named(
        load(WORKFLOW_DIR / "pr-comment.yml"), "Create or update the summary comment"
    )
    summary_dir = tmp_path / "pr-diff"
    summary_dir.mkdir()
    (summary_dir / "pr-number").write_text(pr_number)
    (summary_dir / "diff.md").write_text(summary)
    script = tmp_path / "script.js"
    script.write_text(step["with"]["script"])
    env = {
        **os.environ,
        "HARNESS_SCRIPT": str(script),
        "SUMMARY_DIR": str(summary_dir),
        "RUN_HEAD_SHA": HEAD_SHA,
    }
    scenario = {"comments": comments or [], "pullHeadSha": pull_head_sha}
    result = subprocess.run(
        [node, "-e", COMMENT_HARNESS],
        input=json.dumps(scenario),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_comment_is_created_when_there_is_none(tmp_path):
    others = [{"id": 5, "user": {"login": "alice", "type": "User"}, "body": "LGTM"}]
    outcome = run_comment_script(tmp_path, comments=others)
    assert outcome["failed"] == []
    assert outcome["calls"][0] == [
        "pulls.get",
        {"owner": "acme", "repo": "incidents", "pull_number": 42},
    ]
    (created,) = [args for name, args in outcome["calls"] if name == "createComment"]
    assert created["issue_number"] == 42
    assert created["body"] == f"{MARKER}\n## Incidents\n\n1 new incident\n"
    assert "updateComment" not in [name for name, _ in outcome["calls"]]


def test_previous_comment_is_updated_in_place(tmp_path):
    previous = [
        {"id": 5, "user": {"login": "alice", "type": "User"}, "body": "LGTM"},
        {"id": 7, "user": BOT, "body": f"{MARKER}\nold summary"},
    ]
    outcome = run_comment_script(tmp_path, comments=previous, summary="new summary")
    names = [name for name, _ in outcome["calls"]]
    assert "createComment" not in names
    (updated,) = [args for name, args in outcome["calls"] if name == "updateComment"]
    assert updated["comment_id"] == 7
    assert updated["body"] == f"{MARKER}\nnew summary"


def test_a_person_quoting_the_marker_is_not_taken_for_the_summary(tmp_path):
    quoted = [{"id": 9, "user": {"login": "mallory", "type": "User"}, "body": MARKER}]
    outcome = run_comment_script(tmp_path, comments=quoted)
    assert [name for name, _ in outcome["calls"]][-1] == "createComment"


@pytest.mark.parametrize("pr_number", ["42; echo owned", "-1", "", "4 2", "0x2a"])
def test_a_pull_request_number_that_is_not_digits_is_refused(tmp_path, pr_number):
    outcome = run_comment_script(tmp_path, pr_number=pr_number)
    assert outcome["calls"] == []
    assert len(outcome["failed"]) == 1


def test_no_comment_when_the_pull_request_moved_on(tmp_path):
    outcome = run_comment_script(tmp_path, pull_head_sha="b" * 40)
    assert [name for name, _ in outcome["calls"]] == ["pulls.get"]
    assert outcome["failed"] == [] and len(outcome["notices"]) == 1


def test_a_long_summary_is_cut_to_fit_a_comment(tmp_path):
    outcome = run_comment_script(tmp_path, summary="x" * 200_000)
    (created,) = [args for name, args in outcome["calls"] if name == "createComment"]
    assert created["body"].startswith(MARKER)
    assert 60_000 < len(created["body"]) <= 65_536
    assert created["body"].endswith("see the run for all of it._")
