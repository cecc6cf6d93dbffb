"""The action-item ledger: every action item of every incident, in one list.

The ledger puts first what needs someone's attention: items that are
overdue (open or in progress, due before the as-of day) and items without
an owner; then the rest by due date. Beside it, the incidents whose
``review.follow_up_date`` has passed while they still have unfinished
items or are not yet closed.

:func:`set_item` changes one action item in its incident file (status,
owner, due date) through :mod:`hindsight.edit`, so that comments, quoting
and layout stay as the author wrote them, and refuses a change that would
make the file invalid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from . import mdtext
from .edit import EditError, Editor, write_atomic
from .findings import ERROR
from .load import LoadError, load_bytes
from .model import ITEM_STATUSES, parse_date
from .taxonomy import Taxonomy, load_taxonomy
from .trends import UNFINISHED, is_overdue


class ActionError(ValueError):
    """An action-item change that cannot be made; the file is untouched."""


@dataclass
class LedgerRow:
    """One action item as the ledger lists it."""

    incident_id: str
    item_id: str
    title: str
    owner: str | None
    priority: str
    status: str
    due_date: str | None
    days_overdue: int | None
    tracking_url: str | None
    file: str

    @property
    def needs_attention(self) -> bool:
        return self.days_overdue is not None or not self.owner


@dataclass
class FollowUp:
    """An incident whose follow-up date has passed with work left."""

    incident_id: str
    title: str
    status: str
    follow_up_date: str
    days_past: int
    unfinished_items: int
    file: str


@dataclass
class Ledger:
    """The rows and follow-ups of one listing, and how it was filtered."""

    as_of: date
    rows: list[LedgerRow] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "filters": self.filters,
            "counts": {
                "items": len(self.rows),
                "overdue": sum(1 for r in self.rows if r.days_overdue is not None),
                "unowned": sum(1 for r in self.rows if not r.owner),
                "follow_ups_passed": len(self.follow_ups),
            },
            "items": [asdict(row) for row in self.rows],
            "follow_ups": [asdict(entry) for entry in self.follow_ups],
        }


def ledger(
    records: list[Any],
    as_of: date,
    owner: str | None = None,
    status: str | None = None,
    overdue_only: bool = False,
) -> Ledger:
    """Every action item of ``records``, filtered, attention first.

    ``owner`` matches case-insensitively; ``status`` is one of the action
    item statuses. The follow-up list is not filtered: it is about
    incidents, not items.
    """
    if status is not None and status not in ITEM_STATUSES:
        raise ActionError(_unknown_status(status))
    rows = [
        row
        for record in records
        for row in _rows(record, as_of)
        if (owner is None or (row.owner or "").casefold() == owner.casefold())
        and (status is None or row.status == status)
        and (not overdue_only or row.days_overdue is not None)
    ]
    rows.sort(
        key=lambda r: (
            not r.needs_attention,
            r.due_date or "9999-99-99",
            r.incident_id,
            r.item_id,
        )
    )
    follow_ups = [f for record in records if (f := _follow_up(record, as_of))]
    follow_ups.sort(key=lambda f: (f.follow_up_date, f.incident_id))
    filters = {"owner": owner, "status": status, "overdue": overdue_only}
    return Ledger(as_of, rows, follow_ups, filters)


def _rows(record: Any, as_of: date) -> list[LedgerRow]:
    incident = record.incident
    rows = []
    for item in incident.action_items or []:
        late = (as_of - item.due_date).days if is_overdue(item, as_of) else None
        rows.append(
            LedgerRow(
                incident_id=incident.incident_id,
                item_id=item.id,
                title=item.title,
                owner=item.owner,
                priority=item.priority,
                status=item.status,
                due_date=item.due_date.isoformat() if item.due_date else None,
                days_overdue=late,
                tracking_url=item.tracking_url,
                file=record.name,
            )
        )
    return rows


def _follow_up(record: Any, as_of: date) -> FollowUp | None:
    incident = record.incident
    review = incident.review
    if review is None or review.follow_up_date is None:
        return None
    if review.follow_up_date >= as_of:
        return None
    unfinished = sum(
        1 for item in incident.action_items or [] if item.status in UNFINISHED
    )
    if not unfinished and incident.status == "closed":
        return None
    return FollowUp(
        incident_id=incident.incident_id,
        title=incident.title,
        status=incident.status,
        follow_up_date=review.follow_up_date.isoformat(),
        days_past=(as_of - review.follow_up_date).days,
        unfinished_items=unfinished,
        file=record.name,
    )


# Text and Markdown ---------------------------------------------------------------

COLUMNS = (
    "incident",
    "item",
    "title",
    "owner",
    "priority",
    "status",
    "due",
    "days overdue",
    "tracking",
)


def _cells(row: LedgerRow) -> tuple[str, ...]:
    return (
        row.incident_id,
        row.item_id,
        row.title,
        row.owner or "(no owner)",
        row.priority,
        row.status,
        row.due_date or "-",
        str(row.days_overdue) if row.days_overdue is not None else "-",
        row.tracking_url or "-",
    )


def ledger_text(book: Ledger) -> str:
    """The ledger for a terminal: aligned columns, then the follow-ups."""
    lines = [f"Action items as of {book.as_of}: {len(book.rows)}"]
    if book.rows:
        table = [COLUMNS, *(_cells(row) for row in book.rows)]
        widths = [min(max(len(r[i]) for r in table), 48) for i in range(len(COLUMNS))]
        for row in table:
            cells = [
                value[:48].ljust(width)
                for value, width in zip(row, widths, strict=True)
            ]
            lines.append("  ".join(cells).rstrip())
    lines += ["", f"Follow-ups passed: {len(book.follow_ups)}"]
    for entry in book.follow_ups:
        lines.append(
            f"{entry.incident_id}  follow-up {entry.follow_up_date} "
            f"({entry.days_past} days ago), status {entry.status}, "
            f"{entry.unfinished_items} unfinished item(s): {entry.title}"
        )
    return "\n".join(lines) + "\n"


PageUrl = Callable[[str], str | None]
"""The link from the ledger's page to an incident's page, by incident id."""


def _incident_cell(incident_id: str, page_url: PageUrl | None) -> str:
    """The incident id, linked to the incident's page when there is one."""
    shown = mdtext.cell(incident_id)
    url = page_url(incident_id) if page_url else None
    return f"[{shown}]({url})" if url else shown


def _markdown_cells(row: LedgerRow, page_url: PageUrl | None) -> list[str]:
    """A row's cells: values from the incident file escaped, placeholders not."""
    url = mdtext.safe_url(row.tracking_url)
    return [
        _incident_cell(row.incident_id, page_url),
        mdtext.cell(row.item_id),
        mdtext.cell(row.title),
        mdtext.cell(row.owner) if row.owner else "*no owner*",
        mdtext.cell(row.priority),
        mdtext.cell(row.status),
        mdtext.cell(row.due_date) if row.due_date else "",
        str(row.days_overdue) if row.days_overdue is not None else "",
        mdtext.link("link", url) if url else "",
    ]


def ledger_markdown(book: Ledger, page_url: PageUrl | None = None) -> str:
    """The ledger as a Markdown page body; incident text goes through mdtext.

    With ``page_url``, each incident id links to what it returns for the id:
    a relative link the site made (not checked here), or None for no link.
    """
    lines = [f"Action items as of {book.as_of}: overdue and unowned first.", ""]
    if not book.rows:
        lines.append("No action items.")
    else:
        lines.append("| " + " | ".join(c.capitalize() for c in COLUMNS) + " |")
        lines.append("|" + "---|" * len(COLUMNS))
        for row in book.rows:
            lines.append("| " + " | ".join(_markdown_cells(row, page_url)) + " |")
    lines += ["", "## Follow-ups passed", ""]
    if not book.follow_ups:
        lines.append("None: every passed follow-up date has its work done.")
    else:
        lines.append(
            "| Incident | Title | Status | Follow-up | Days past | Unfinished |"
        )
        lines.append("|---|---|---|---|---|---|")
        for entry in book.follow_ups:
            cells = (
                entry.title,
                entry.status,
                entry.follow_up_date,
                entry.days_past,
                entry.unfinished_items,
            )
            shown = [_incident_cell(entry.incident_id, page_url)]
            shown += [mdtext.cell(c) for c in cells]
            lines.append("| " + " | ".join(shown) + " |")
    return "\n".join(lines) + "\n"


# Changing an item ----------------------------------------------------------------


def _unknown_status(status: str) -> str:
    return f"unknown status `{status}`; use one of {', '.join(ITEM_STATUSES)}"


def set_item(
    path: Path,
    item_id: str,
    status: str | None = None,
    owner: str | None = None,
    due: date | str | None = None,
    today: date | None = None,
    taxonomy: Taxonomy | None = None,
) -> list[str]:
    """Change one action item of the incident file at ``path``; what changed.

    An item that becomes ``completed`` gets ``completed_date`` (``today``,
    default the current UTC date) unless it has one; nothing is removed.
    The file is replaced in one step, and only when the result is still a
    valid incident (no error that the file did not have before); otherwise
    :class:`ActionError` is raised and the file stays as it was.
    ``taxonomy`` defaults to the one of the repository holding ``path``.
    """
    path = Path(path)
    values = _checked_values(status, owner, due)
    day = today or datetime.now(UTC).date()
    try:
        editor = Editor.read(path)
    except (OSError, EditError) as error:
        raise ActionError(f"{path}: cannot read the file: {error}") from None
    index, item = _find_item(editor, item_id, path)
    if values.get("status") == "completed" and item.get("status") != "completed":
        if item.get("completed_date") is None:
            values["completed_date"] = day
    try:
        for key, value in values.items():
            if not _same(item.get(key), value):
                editor.set(("action_items", index, key), value, after=_AFTER.get(key))
    except EditError as error:
        raise ActionError(f"{path}: {error}") from None
    if not editor.changes:
        return []
    checker = _validity_check(path, taxonomy or _taxonomy_for(path))
    try:
        write_atomic(path, editor.dump(), checker)
    except OSError as error:
        raise ActionError(f"{path}: cannot write the file: {error}") from None
    return [f"{item_id}: {_change_text(change)}" for change in editor.changes]


def _checked_values(status: str | None, owner: str | None, due: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if status is not None:
        if status not in ITEM_STATUSES:
            raise ActionError(_unknown_status(status))
        values["status"] = status
    if owner is not None:
        if not owner.strip():
            raise ActionError("an owner cannot be empty")
        values["owner"] = owner.strip()
    if due is not None:
        try:
            values["due_date"] = due if isinstance(due, date) else parse_date(str(due))
        except ValueError:
            raise ActionError(f"due date {due!r} is not YYYY-MM-DD") from None
    if not values:
        raise ActionError("nothing to change: give a status, an owner or a due date")
    return values


def _find_item(editor: Editor, item_id: str, path: Path) -> tuple[int, dict[str, Any]]:
    items = editor.get(("action_items",), None)
    items = items if isinstance(items, list) else []
    for index, item in enumerate(items):
        if isinstance(item, dict) and str(item.get("id")) == item_id:
            return index, item
    known = ", ".join(str(i.get("id")) for i in items if isinstance(i, dict))
    raise ActionError(
        f"{path.name} has no action item `{item_id}` (it has: {known or 'none'})"
    )


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, date) and isinstance(old, str):
        return old == new.isoformat()
    return old == new


def _change_text(change: Any) -> str:
    name = change.path[-1]
    if change.added:
        return f"{name} added: {_shown(change.new)}"
    return f"{name} {_shown(change.old)} -> {_shown(change.new)}"


def _shown(value: Any) -> str:
    return "(none)" if value is None else str(value)


def _taxonomy_for(path: Path) -> Taxonomy:
    """The taxonomy of the repository whose ``incidents/`` holds ``path``."""
    for parent in path.resolve().parents:
        if parent.name == "incidents":
            return load_taxonomy(parent.parent / "schemas" / "taxonomy.yaml")
    return load_taxonomy(None)


_AFTER = {
    "owner": "title",
    "due_date": "priority",
    "status": "due_date",
    "completed_date": "status",
}
"""Where a key that an item lacks is added: after the key it usually follows."""


def _validity_check(path: Path, taxonomy: Taxonomy) -> Any:
    """A check for :func:`write_atomic`: no error the file does not have now."""
    from .validate import Validator

    validator = Validator(taxonomy)

    def errors(text: str) -> set[tuple[str, str]]:
        try:
            document = load_bytes(text.encode("utf-8"), path)
        except LoadError as error:
            return {("$", error.message)}
        return {
            (f.path, f.message)
            for f in validator.check(document, path.name)
            if f.severity == ERROR
        }

    original = errors(path.read_text("utf-8"))

    def check(text: str) -> None:
        new = errors(text) - original
        if new:
            listed = "; ".join(f"{where}: {message}" for where, message in sorted(new))
            raise ActionError(f"the change would make {path.name} invalid: {listed}")

    return check
