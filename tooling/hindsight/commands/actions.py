"""`hindsight actions`: the action-item ledger, and `actions set` to edit one.

``hindsight actions`` lists; ``hindsight actions set INCIDENT_ID ITEM_ID``
changes one item's status, owner or due date in its incident file.
"""

from __future__ import annotations

import argparse
import difflib
import json
from pathlib import Path

from .. import actions, pipeline
from ..cli import EXIT_OK, UsageError, command, log
from ..model import ITEM_STATUSES
from . import day, incident_path, out, repository, today


def _actions_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--owner", help="only items of this owner")
    parser.add_argument(
        "--status", help=f"only items in this status: {', '.join(ITEM_STATUSES)}"
    )
    parser.add_argument(
        "--overdue",
        action="store_true",
        help="only overdue items (open or in progress, past due)",
    )
    parser.add_argument(
        "--as-of",
        type=day,
        metavar="DATE",
        help="the day items are judged by (default today, UTC)",
    )
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = False
    change = sub.add_parser(
        "set",
        help="change one action item in its incident file",
        description="Change one action item's status, owner or due date, "
        "keeping the file's comments and layout.",
    )
    change.add_argument("incident_id", metavar="INCIDENT_ID")
    change.add_argument("item_id", metavar="ITEM_ID")
    change.add_argument(
        "--status",
        dest="new_status",
        metavar="S",
        help=f"one of {', '.join(ITEM_STATUSES)}",
    )
    change.add_argument("--owner", dest="new_owner", metavar="O")
    change.add_argument("--due", dest="new_due", metavar="DATE")
    change.add_argument(
        "--as-of",
        dest="set_as_of",
        type=day,
        metavar="DATE",
        help="the completed_date to fill in (default today, UTC)",
    )
    # The options every command takes, accepted after `set` as well; they
    # keep the value given before `set` when left out here.
    change.add_argument("--repo", type=Path, default=argparse.SUPPRESS)
    change.add_argument("--format", choices=["text", "json"], default=argparse.SUPPRESS)
    change.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS)
    change.add_argument("-q", "--quiet", action="count", default=argparse.SUPPRESS)


def _status(status: str | None) -> None:
    if status is not None and status not in ITEM_STATUSES:
        close = difflib.get_close_matches(status, ITEM_STATUSES, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        raise UsageError(
            f"unknown status `{status}`; use one of {', '.join(ITEM_STATUSES)}{hint}"
        )


@command("actions", "list action items across incidents, or `set` one")(
    _actions_options
)
def actions_command(args: argparse.Namespace) -> int:
    if args.action == "set":
        return _set(args)
    repo = repository(args)
    _status(args.status)
    as_of = args.as_of or today()
    result, records = pipeline.load_records(repo)
    skipped = len(result.files) - len(result.valid_files())
    if skipped:
        log.warning(
            "%d file(s) with errors left out; run `hindsight validate`", skipped
        )
    book = actions.ledger(
        records, as_of, owner=args.owner, status=args.status, overdue_only=args.overdue
    )
    fmt = args.format or "text"
    if fmt == "json":
        out(json.dumps(book.to_dict(), indent=2))
    elif fmt == "markdown":
        out(actions.ledger_markdown(book))
    else:
        out(actions.ledger_text(book))
    return EXIT_OK


def _set(args: argparse.Namespace) -> int:
    repo = repository(args)
    _status(args.new_status)
    path = incident_path(repo, args.incident_id)
    completed_on = args.set_as_of or today()
    try:
        changes = actions.set_item(
            path,
            args.item_id,
            status=args.new_status,
            owner=args.new_owner,
            due=args.new_due,
            today=completed_on,
            taxonomy=repo.taxonomy,
        )
    except actions.ActionError as error:
        raise UsageError(str(error)) from None
    name = repo.display(path)
    if args.format == "json":
        out(
            json.dumps(
                {
                    "incident_id": args.incident_id,
                    "item_id": args.item_id,
                    "file": name,
                    "changes": changes,
                },
                indent=2,
            )
        )
    elif changes:
        out("\n".join([f"{name}:", *(f"  {line}" for line in changes)]))
    else:
        out(f"{name}: {args.item_id} already as asked; nothing changed")
    return EXIT_OK
