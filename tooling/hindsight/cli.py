"""The ``hindsight`` command line: parse arguments, run a stage, print.

Exit codes: 0 success, 1 the input has errors, 2 a usage error. An
unexpected failure prints one line naming a log file with the details and
exits 3.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__

log = logging.getLogger("hindsight")

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 3


class UsageError(Exception):
    """A command used wrongly: exit code 2 with the message."""


class InputError(Exception):
    """The input has errors that are not per-file findings: exit code 1."""


Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[Handler, Callable[[argparse.ArgumentParser], None], str]] = {}


def command(name: str, help_text: str):
    """Register a command: its handler and the function adding its options."""

    def register(configure: Callable[[argparse.ArgumentParser], None]):
        def attach(handler: Handler) -> Handler:
            COMMANDS[name] = (handler, configure, help_text)
            return handler

        return attach

    return register


def _common(formats: Sequence[str] = ("text", "json")) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--repo", type=Path, default=Path("."), help="the repository (default: .)"
    )
    group = common.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", action="count", default=0)
    group.add_argument("-q", "--quiet", action="count", default=0)
    common.add_argument(
        "--format", choices=list(formats), default=None, help="output format"
    )
    return common


FORMATS: dict[str, tuple[str, ...]] = {
    "validate": ("text", "json", "github"),
    "export": ("json", "markdown"),
    "analyze": ("text", "json", "markdown"),
    "trends": ("text", "json", "markdown"),
    "actions": ("text", "json", "markdown"),
    "diff": ("markdown", "json"),
}


COMMAND_MODULES: dict[str, str] = {
    "init": "init",
    "new": "core",
    "validate": "core",
    "analyze": "analyze",
    "export": "analyze",
    "trends": "trends",
    "actions": "actions",
    "diff": "diff",
    "build": "build",
    "serve": "build",
    "publish": "publish",
    "collect": "collect",
    "import": "imports",
    "schema": "core",
}
"""Each command and the module of :mod:`hindsight.commands` that defines it,
in the order of ``hindsight --help`` (the order of a review's work). A run
of one command imports its module alone, so that start-up stays short."""

HELP_ORDER = tuple(COMMAND_MODULES)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv`` naming a command, only that command's."""
    from . import commands

    if argv and argv[0] in COMMAND_MODULES:
        commands.load(COMMAND_MODULES[argv[0]])
    else:
        commands.load_all()

    parser = argparse.ArgumentParser(
        prog="hindsight",
        description="Post-incident reviews kept as YAML in git.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    listed = sorted(
        COMMANDS,
        key=lambda n: (HELP_ORDER.index(n) if n in HELP_ORDER else len(HELP_ORDER), n),
    )
    for name in listed:
        handler, configure, help_text = COMMANDS[name]
        parent = _common(FORMATS.get(name, ("text", "json")))
        child = sub.add_parser(
            name, parents=[parent], help=help_text, description=help_text
        )
        configure(child)
        child.set_defaults(handler=handler)
    return parser


def _configure_logging(verbose: int, quiet: int) -> None:
    level = logging.INFO - 10 * verbose + 10 * quiet
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(max(level, logging.DEBUG))
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:
        return int(stop.code or 0)
    _configure_logging(args.verbose, args.quiet)
    try:
        return args.handler(args)
    except UsageError as error:
        print(f"hindsight {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except InputError as error:
        print(f"hindsight {args.command}: {error}", file=sys.stderr)
        return EXIT_FINDINGS
    except KeyboardInterrupt:
        print("hindsight: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception:  # the one place a bug is turned into one line
        return _crash(args.command)


def _crash(name: str) -> int:
    fd, log_path = tempfile.mkstemp(prefix="hindsight-crash-", suffix=".log")
    with os.fdopen(fd, "w") as handle:
        handle.write(traceback.format_exc())
    kind = sys.exc_info()[1]
    print(
        f"hindsight {name}: internal error ({type(kind).__name__}: {kind}); "
        f"details in {log_path}. Please report it.",
        file=sys.stderr,
    )
    return EXIT_CRASH
