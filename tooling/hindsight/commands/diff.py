"""`hindsight diff BASE [HEAD]`: the reviewer's summary of a change."""

from __future__ import annotations

import argparse
import json
import os

from .. import diff
from ..cli import EXIT_FINDINGS, EXIT_OK, UsageError, command
from . import day, out, repository, today


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE", help="the base git revision")
    parser.add_argument(
        "head",
        metavar="HEAD",
        nargs="?",
        default=None,
        help="the head revision (default: the working tree)",
    )
    parser.add_argument(
        "--as-of",
        type=day,
        metavar="DATE",
        help="the day overdue items are counted at (default: today, UTC)",
    )
    parser.add_argument(
        "--link-base",
        help="URL that file paths are appended to for line links (default in "
        "GitHub Actions: the repository's blob URL at the head commit)",
    )


def _link_base(args: argparse.Namespace) -> str | None:
    if args.link_base:
        return args.link_base
    server, name = (
        os.environ.get("GITHUB_SERVER_URL"),
        os.environ.get("GITHUB_REPOSITORY"),
    )
    sha = os.environ.get("HINDSIGHT_HEAD_SHA") or os.environ.get("GITHUB_SHA")
    if server and name and sha:
        return f"{server}/{name}/blob/{sha}"
    return None


@command("diff", "what a change does to the incidents, for reviewers")(_options)
def diff_command(args: argparse.Namespace) -> int:
    repo = repository(args)
    as_of = args.as_of or today()
    try:
        report = diff.diff_revisions(repo, args.base, args.head, as_of)
    except diff.DiffError as error:
        raise UsageError(f"git: {error}") from None
    if args.format == "json":
        out(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        out(diff.diff_markdown(report, _link_base(args)))
    return EXIT_FINDINGS if report.has_errors else EXIT_OK
