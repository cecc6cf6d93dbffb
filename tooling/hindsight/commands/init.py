"""`hindsight init DIR`: scaffold a new postmortem repository."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..cli import EXIT_OK, UsageError, command, log
from ..init import init_repository
from . import out


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory", type=Path, metavar="DIR", help="where to create it"
    )
    parser.add_argument(
        "--install",
        help="what the workflows pip-install (default: this version of hindsight)",
    )


@command("init", "scaffold a new postmortem repository")(_options)
def init_command(args: argparse.Namespace) -> int:
    target: Path = args.directory
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a folder")
    written, kept = init_repository(target, args.install)
    for path in kept:
        log.warning("kept existing %s", path)
    if args.format == "json":
        out(
            json.dumps(
                {"written": [str(p) for p in written], "kept": [str(p) for p in kept]},
                indent=2,
            )
        )
    else:
        out(f"wrote {len(written)} files into {target}; kept {len(kept)} existing")
        log.info("next: cd %s && hindsight validate && hindsight build", target)
    return EXIT_OK
