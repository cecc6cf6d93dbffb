"""The command line as a whole: its commands, versions and the crash contract."""

from __future__ import annotations

import argparse
from pathlib import Path

from hindsight import __version__
from hindsight.cli import COMMANDS, EXIT_CRASH, HELP_ORDER, build_parser


def test_help_lists_every_command_in_the_order_of_the_work(cli):
    build_parser()
    assert set(COMMANDS) == set(HELP_ORDER)
    result = cli("--help")
    assert result.code == 0
    listed = [
        line.split()[0]
        for line in result.out.splitlines()
        if line.startswith("    ") and line.split()[0] in COMMANDS
    ]
    assert listed == list(HELP_ORDER)


def test_the_command_table_names_each_commands_module():
    from hindsight.cli import COMMAND_MODULES

    build_parser()
    assert set(COMMAND_MODULES) == set(COMMANDS)
    for name, (handler, _configure, _help) in COMMANDS.items():
        assert handler.__module__ == f"hindsight.commands.{COMMAND_MODULES[name]}"


def test_version(cli):
    result = cli("--version")
    assert (result.code, result.out.strip()) == (0, __version__)


def test_every_command_takes_the_common_options(cli):
    build_parser()
    for name in sorted(COMMANDS):
        result = cli(name, "--help")
        assert result.code == 0, name
        for option in ("--repo", "--format", "-v", "-q"):
            assert option in result.out, (name, option)


def test_a_crash_is_one_line_naming_a_log_and_exit_three(cli, repo, monkeypatch):
    build_parser()

    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("boom")

    handler, configure, help_text = COMMANDS["validate"]
    monkeypatch.setitem(COMMANDS, "validate", (broken, configure, help_text))
    result = cli("validate", "--repo", repo)
    assert result.code == EXIT_CRASH == 3
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "internal error (RuntimeError: boom)" in lines[0]
    log = Path(lines[0].split("details in ")[1].split(". Please")[0])
    assert "RuntimeError: boom" in log.read_text()
    log.unlink()
