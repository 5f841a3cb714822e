"""Every command the README and docs/ show is checked (issue 14): run here exactly as written, or, where a
run here would repeat a slower test, parsed against the real CLI and mapped to the test that runs it.

A command added to the docs that none of these cover fails `test_every_documented_command_is_covered`.
"""

import argparse
import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from ohwb_pipeline.cli import build_parser, main
from ohwb_pipeline.definitions import defs
from ohwb_pipeline_tests.conftest import synth_into

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SHELL_SETUP = {"export", "mkdir", "cd"}

# ohwb subcommands whose documented form another test runs (a run here would only repeat it).
OHWB_RUN_ELSEWHERE = {
    "synth": "synth/test_synth.py::test_cli_writes_files_and_rejects_bad_arguments",
    "demo": "test_demo_console.py::"
    "test_the_demo_prints_a_stage_line_each_and_launches_every_run_through_the_workspace",
    "accept-file": "absence/test_completeness.py::"
    "test_a_staff_file_cut_at_a_line_break_is_suspect_and_an_override_accepts_it",
    "funnel": "funnel/test_funnel_docs.py::test_every_documented_funnel_command_runs",
    "real": "realdata/test_real_cli.py::test_ohwb_real_publishes_the_months_and_prints_the_real_summary",
}
OHWB_RUN_HERE = {"repair", "spc", "dictionary", "catalog", "report"}
# make targets: the command each recipe runs, and the test that runs that command.
MAKE_TARGETS = {
    "run": ("ohwb demo", OHWB_RUN_ELSEWHERE["demo"]),
    "test": ("pytest", "test_docs_commands.py::test_ci_runs_make_test"),
    "ui": (
        "dagster dev -w workspace.yaml",
        "test_docs_commands.py::test_the_workspace_loads",
    ),
    "ui-real": (
        "dagster dev -w workspace.yaml -p 3001",
        "test_docs_commands.py::test_the_workspace_loads",
    ),
    "bench": (
        "benchmarks.run",
        "test_benchmark_smoke.py::test_the_benchmark_harness_runs_every_case",
    ),
    "faults": (
        "benchmarks.faults",
        "test_faults_smoke.py::test_the_fault_harness_kills_twice_and_counts_no_damage",
    ),
    "roi-calibration": (
        "benchmarks.roi_calibration",
        "test_roi_calibration_smoke.py::test_the_calibration_runs_and_reports_every_figure",
    ),
    "catalog-compat": (
        "benchmarks.catalog_compat",
        "catalog/test_catalog_compat.py::test_an_older_duckdb_opens_the_catalog_and_reads_every_view",
    ),
    "first-tick": (
        "benchmarks.first_tick",
        "test_first_tick_smoke.py::test_the_first_tick_benchmark_launches_both_sides",
    ),
    "serve": (
        "deploy/serve.sh start",
        "deploy/test_serve.py::test_make_serve_starts_code_server_and_ui_and_make_stop_ends_them",
    ),
    "stop": (
        "deploy/serve.sh stop",
        "deploy/test_serve.py::test_make_serve_starts_code_server_and_ui_and_make_stop_ends_them",
    ),
    "lint": (
        "ruff check",
        "test_docs_commands.py::test_lint_is_ruff_over_the_repository",
    ),
    "dagster-home": (
        "dagster.yaml",
        "test_docs_commands.py::test_make_dagster_home_writes_a_quiet_offline_instance",
    ),
    "clean": ("rm -rf", ""),  # deletes generated files; not run by a test, on purpose
}
# (job or selection, kind of tags): run here by test_documented_absence_runs_work_as_written ...
DAGSTER_RUN_HERE = {
    ("absence_monthly", "partition"),
    ("absence_monthly", "range"),
    ("group:absence", "range"),
}
# ... or by the test named (in process, with the same job and tags), and the bare mentions.
DAGSTER_RUN_ELSEWHERE = {
    ("workspace", "mention"): "test_docs_commands.py::test_the_workspace_loads",
    ("survey_yearly", "partition"): "survey/test_survey_pipeline.py",
    ("survey_yearly", "range"): "survey/test_survey_method.py",
    ("funnel_indicators", "range"): "funnel/test_funnel_published.py::"
    "test_survey_rows_after_the_survey_year_and_a_rerun",
}
_PLACEHOLDERS = {
    "PATH": "data/landing/staff_in_post/2024-02/RJ1.csv",
    "NAME": "A. Engineer",
    "TEXT": "why",
    "N": "1",
    "YYYY-MM": "2024-03",
}
# Inline mentions of a command that needs arguments to do anything; their full forms are run.
BARE_MENTIONS = {("ohwb", "dictionary"), ("ohwb", "spc")}


def _logical_lines(block: str) -> list[str]:
    return [line for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def shell_block_commands() -> list[tuple[str, list[str]]]:
    """(where, tokens) of every command in a shell block of the docs."""
    found = []
    for doc in DOCS:
        where = doc.relative_to(REPO).as_posix()
        for block in re.findall(r"```(?:bash|sh|shell)\n(.*?)```", doc.read_text(), re.S):
            for line in _logical_lines(block):
                for statement in line.split("; "):
                    tokens = shlex.split(statement, comments=True)
                    if tokens and tokens[0] not in SHELL_SETUP:
                        found.append((where, _program(tokens)))
    return found


def documented_commands() -> list[tuple[str, list[str]]]:
    """The shell-block commands, and every inline `ohwb|make|dagster ...` in the text."""
    found = shell_block_commands()
    for doc in DOCS:
        where = doc.relative_to(REPO).as_posix()
        for inline in re.findall(r"`((?:\.venv/bin/)?(?:ohwb|make|dagster) [^`]+)`", doc.read_text()):
            found.append((where, _program(shlex.split(inline))))
    return found


def _program(tokens: list[str]) -> list[str]:
    return [tokens[0].removeprefix(".venv/bin/"), *tokens[1:]]


def _concrete(tokens: list[str]) -> list[str]:
    """A documented synopsis as one real command line: the first of `[a | b]`, `[x]` as x, no `...`."""
    text = re.sub(r"\[([^\]|]*?)(?:\|[^\]]*)?\]", r"\1", shlex.join(tokens).replace("'", ""))
    out = [t for t in text.split() if t != "..."]
    return [_PLACEHOLDERS.get(t, t) for t in out]


def _subcommands(tokens: list[str]) -> list[str]:
    return tokens[1].split("|") if len(tokens) > 1 else []


def _test_exists(test_id: str) -> bool:
    """`test_id` is `path::name` under ohwb_pipeline_tests/ (or a path alone)."""
    path, _, name = test_id.partition("::")
    source = REPO / "ohwb_pipeline_tests" / path
    if not source.exists():
        return False
    if not name:
        return True
    tree = ast.parse(source.read_text())
    return any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body)


def _makefile_recipes() -> dict[str, str]:
    recipes, target = {}, None
    for line in (REPO / "Makefile").read_text().splitlines():
        match = re.match(r"^([a-z-]+):", line)
        if match:
            target = match.group(1)
            recipes[target] = ""
        elif target and line.startswith("\t"):
            recipes[target] += line + "\n"
    return recipes


def test_every_documented_command_is_covered():
    commands = documented_commands()
    assert len(commands) > 20, "the extraction found the docs' commands"
    uncovered = []
    for where, tokens in commands:
        program = tokens[0]
        if program == "ohwb":
            covered = all(s in OHWB_RUN_HERE or s in OHWB_RUN_ELSEWHERE for s in _subcommands(tokens))
        elif program == "make":
            covered = len(tokens) > 1 and tokens[1] in MAKE_TARGETS
        elif program == "dagster":
            form = _dagster_form(tokens)
            covered = form in DAGSTER_RUN_HERE or form in DAGSTER_RUN_ELSEWHERE
        else:
            covered = False
        if not covered:
            uncovered.append(f"{where}: {shlex.join(tokens)}")
    assert not uncovered, "documented commands no test checks:\n" + "\n".join(uncovered)


def test_the_tests_named_for_documented_commands_exist():
    named = [*OHWB_RUN_ELSEWHERE.values(), *DAGSTER_RUN_ELSEWHERE.values()]
    named += [test for _, test in MAKE_TARGETS.values() if test]
    missing = [t for t in named if not _test_exists(t)]
    assert not missing


def test_each_documented_make_target_runs_what_its_test_covers():
    recipes = _makefile_recipes()
    for target, (command, _) in MAKE_TARGETS.items():
        assert target in recipes, f"make {target} is documented but not in the Makefile"
        assert command in recipes[target], f"make {target} no longer runs {command!r}"


def test_ci_runs_make_test():
    assert "make test" in (REPO / ".ci" / "run").read_text()
    assert "pytest" in _makefile_recipes()["test"]


def test_lint_is_ruff_over_the_repository():
    assert "ruff check ." in _makefile_recipes()["lint"]


def test_the_workspace_loads():
    # `make ui` serves workspace.yaml: the module it names must load and hold the documented jobs.
    workspace = (REPO / "workspace.yaml").read_text()
    assert "ohwb_pipeline.definitions" in workspace
    for job in ("absence_monthly", "survey_yearly"):
        assert defs.resolve_job_def(job) is not None


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return commands.choices[name]


def test_documented_ohwb_commands_parse_with_the_real_cli():
    """Shell-block commands parse whole; an inline mention names real subcommands and options."""
    parser = build_parser()
    for where, tokens in documented_commands():
        if tokens[0] != "ohwb":
            continue
        for name in _subcommands(tokens):
            options = _subparser(parser, name)._option_string_actions
            unknown = [t for t in tokens[2:] if t.startswith("--") and t.strip("[]") not in options]
            assert not unknown, f"{where}: ohwb {name} has no {unknown}"
    for where, tokens in shell_block_commands():
        if tokens[0] == "ohwb":
            args = parser.parse_args(_concrete(tokens)[1:])
            assert args.command == tokens[1], where


@pytest.fixture
def published_copy(small_pipeline, tmp_path, monkeypatch):
    root, _ = small_pipeline
    copy = tmp_path / "data"
    shutil.copytree(root, copy)
    monkeypatch.setenv("OHWB_DATA_DIR", str(copy))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "data/reference").mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "data/reference/spc_parity", tmp_path / "data/reference/spc_parity")
    return copy


def test_documented_ohwb_commands_run_as_written(published_copy, tmp_path):
    """Each documented form of repair, spc, dictionary, catalog and report, with placeholders filled."""
    ran = set()
    for where, tokens in documented_commands():
        if tokens[0] != "ohwb" or _subcommands(tokens)[0] not in OHWB_RUN_HERE or "|" in tokens[1]:
            continue
        if tuple(tokens) in BARE_MENTIONS:
            continue
        argv = _concrete(tokens)[1:]
        if argv[0] == "spc" and argv[1] == "INPUT.csv":
            argv = ["spc", "data/reference/spc_parity/series.csv", "--out", "OUTPUT.csv"]
        assert main(argv) == 0, f"{where}: ohwb {shlex.join(argv)}"
        ran.add(argv[0])
    assert ran == OHWB_RUN_HERE
    assert (tmp_path / "docs/data-dictionary.md").read_text() == (
        REPO / "docs/data-dictionary.md"
    ).read_text()


def _dagster_form(tokens: list[str]) -> tuple[str, str] | None:
    """(job, 'partition' | 'range') for `dagster job execute`, ('group:...', 'range') for `asset
    materialize`, ('workspace', 'mention') for `dagster dev` and bare mentions; None when unknown."""
    if tokens[1:] == ["dev"] or tokens[1:] in (["job", "execute"], ["asset", "materialize"]):
        return ("workspace", "mention")
    if tokens[1:3] == ["job", "execute"]:
        job = tokens[tokens.index("-j") + 1]
        tags = json.loads(tokens[tokens.index("--tags") + 1])
        return job, "partition" if "dagster/partition" in tags else "range"
    if tokens[1:3] == ["asset", "materialize"]:
        return tokens[tokens.index("--select") + 1], "range"
    return None


def test_documented_dagster_commands_name_real_jobs_and_partitions():
    for where, tokens in documented_commands():
        if tokens[0] != "dagster" or _dagster_form(tokens) in (None, ("workspace", "mention")):
            continue
        if tokens[1:3] == ["job", "execute"]:
            job = defs.resolve_job_def(tokens[tokens.index("-j") + 1])
            keys = set(job.partitions_def.get_partition_keys())
            tags = json.loads(tokens[tokens.index("--tags") + 1])
            for name, key in tags.items():
                assert key in keys, f"{where}: {name}={key} is not a partition of {job.name}"
        else:
            first, last = tokens[tokens.index("--partition-range") + 1].split("...")
            assert {first, last} <= set(
                defs.resolve_job_def("absence_monthly").partitions_def.get_partition_keys()
            )


def test_documented_absence_runs_work_as_written(tmp_path):
    """The README's one-month and range `dagster job execute` and operations.md's `asset materialize`,
    run as real processes exactly as written (`.venv/bin/dagster` is this interpreter's dagster)."""
    synth_into(tmp_path, orgs=["RJ1"], first_month="2024-01", last_month="2024-03", size_factor=0.02)
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "OHWB_DATA_DIR": str(tmp_path), "DAGSTER_HOME": str(home)}
    runs = [
        t for w, t in documented_commands() if w == "README.md" and t[:3] == ["dagster", "job", "execute"]
    ]
    runs += [t for _, t in shell_block_commands() if t[:3] == ["dagster", "asset", "materialize"]]
    assert len(runs) == 3
    for tokens in runs:
        done = subprocess.run(
            [sys.executable, "-m", "dagster", *tokens[1:]], env=env, cwd=REPO, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{shlex.join(tokens)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    assert (tmp_path / "published/ics_indicators/period=2024-03/part-0.parquet").exists()


def test_make_dagster_home_writes_a_quiet_offline_instance(tmp_path):
    home = tmp_path / "dagster_home"
    env = {**os.environ, "DAGSTER_HOME": str(home), "OHWB_DATA_DIR": str(tmp_path)}
    done = subprocess.run(["make", "-s", "dagster-home"], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["telemetry"] == {"enabled": False}
    assert config["nux"] == {"enabled": False}, "no newsletter prompt on a first visit to the UI"
    assert config["concurrency"]["pools"]["default_limit"] == 1
    assert config["run_coordinator"]["class"] == "DefaultRunCoordinator"
    assert config["python_logs"] == {"python_log_level": "INFO"}, "run workers print no DEBUG event stream"
    again = subprocess.run(["make", "-s", "dagster-home"], cwd=REPO, env=env, capture_output=True, text=True)
    assert again.returncode == 0 and yaml.safe_load((home / "dagster.yaml").read_text()) == config
    assert (home / "dagster.yaml").read_text().count("concurrency:") == 1, "each block written once"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.global_op_concurrency_default_limit == 1, "two runs never write at once"
    # The storage exists already, so Dagster processes starting together never race to create it.
    assert (home / "history" / "runs.db").exists()
    start = "import dagster; dagster.DagsterInstance.get().get_runs(limit=1)"
    starts = [subprocess.Popen([sys.executable, "-c", start], env=env) for _ in range(4)]
    assert [p.wait(timeout=120) for p in starts] == [0, 0, 0, 0]
