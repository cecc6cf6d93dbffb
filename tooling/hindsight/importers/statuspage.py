"""Read incidents of a status page in the Statuspage API v2 shape.

A file holds one incident (``{"incident": {...}}`` or the bare incident),
or a page's ``incidents.json`` (``{"incidents": [...]}``, or a plain list).
How the fields map:

| incident file       | Statuspage                                             |
|---------------------|--------------------------------------------------------|
| `title`             | `name`                                                 |
| `start_time`        | `started_at`, else `created_at` (the earlier wins)     |
| `detected_time`     | `created_at`                                           |
| `mitigated_time`    | the first `monitoring` update, else `monitoring_at`    |
| `end_time`          | `resolved_at`                                          |
| `severity`          | `impact` through the taxonomy's `statuspage_impact`    |
| `services_affected` | `components[].name`, slugified, without boilerplate    |
| `timeline_events`   | `incident_updates`: status and body; the dated lines   |
|                     | of a body ("2013-05-24 18:13:28 - ...") each an event  |
| `references`        | the page's incident URL and `shortlink`                |
| `tags`              | `statuspage:<id>`, to recognise a re-import            |

Times are cut to whole seconds. Status pages that were filled in after the
fact give ``started_at == resolved_at`` or a resolution before the start;
the draft then takes the best time available and records the guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..model import minutes_between
from ..scaffold import slugify
from . import (
    NOT_INCIDENT,
    UNREADABLE,
    Draft,
    ReadOptions,
    Rejected,
    describe_error,
    fallback_services,
    fallback_severity,
    read_text,
)
from .mdparse import first_sentence
from .statuspage_times import (
    Update,
    as_list,
    html_text,
    incident_times,
    read_updates,
)
from .timezones import UTC_ZONE, parse_zone, stamp

_BOILERPLATE = re.compile(
    r"\b(?:visit|see|check)\b.*\bfor\b.*\b(?:information|details|updates)\b|www\.|://",
    re.I,
)
EVENT_LIMIT = 200


def wanted(path: Path) -> bool:
    """Files a folder import reads: JSON."""
    return path.suffix.lower() == ".json"


def read(path: Path, shown: str, options: ReadOptions) -> Iterator[Draft | Rejected]:
    """The incidents of one JSON file, each a draft or a rejection."""
    try:
        document = json.loads(read_text(path))
    except json.JSONDecodeError as error:
        yield Rejected(shown, f"not valid JSON: {error}", UNREADABLE)
        return
    except RecursionError:
        yield Rejected(shown, "not an incident: the JSON nests too deeply", UNREADABLE)
        return
    except (OSError, UnicodeDecodeError, ValueError) as error:
        yield Rejected(shown, describe_error(error), UNREADABLE)
        return
    page, incidents = _incidents_of(document)
    if incidents is None:
        yield Rejected(
            shown,
            "no Statuspage incident in it (expected "
            '{"incident": ...}, {"incidents": [...]} or an incident)',
            NOT_INCIDENT,
        )
        return
    several = len(incidents) != 1
    for index, incident in enumerate(incidents):
        name = shown
        if several:
            ident = incident.get("id") if isinstance(incident, dict) else None
            name = f"{shown}#{ident if isinstance(ident, str) else index + 1}"
        yield incident_draft(incident, page, name, options)


def _incidents_of(document: Any) -> tuple[dict[str, Any], list[Any] | None]:
    if isinstance(document, list):
        return {}, document
    if not isinstance(document, dict):
        return {}, None
    page = document.get("page") if isinstance(document.get("page"), dict) else {}
    if isinstance(document.get("incident"), dict):
        return page, [document["incident"]]
    if isinstance(document.get("incidents"), list):
        return page, document["incidents"]
    if "id" in document and ("incident_updates" in document or "name" in document):
        return page, [document]
    return page, None


def incident_draft(
    incident: Any, page: dict[str, Any], source: str, options: ReadOptions
) -> Draft | Rejected:
    """One Statuspage incident as a draft, or why it cannot be one."""
    if not isinstance(incident, dict):
        return Rejected(source, "an entry of the incident list is not an object")
    ident = incident.get("id")
    if not isinstance(ident, str) or not ident.strip():
        return Rejected(source, "the incident has no `id`")
    draft = Draft(source, f"statuspage:{ident.strip()}", "statuspage")
    zone = parse_zone(str(page.get("time_zone") or "")) or UTC_ZONE
    updates = read_updates(incident, zone)
    times = incident_times(incident, updates, draft)
    if times is None:
        return Rejected(
            source,
            "the incident has no readable time "
            "(started_at, created_at, resolved_at or updates)",
        )
    data = draft.data
    data["title"] = _title(incident, draft)
    data["severity"] = _severity(incident, options, draft)
    data["status"] = "draft"
    draft.guess(
        "status",
        "a status page reports the incident, its review has yet to happen: draft",
    )
    for key, value in times.items():
        data[key] = stamp(value)
    data["duration_minutes"] = minutes_between(times["start_time"], times["end_time"])
    data["impact_description"] = _impact(incident, updates, page)
    data["services_affected"] = _services(incident, page, options, draft)
    data["tags"] = [draft.key]
    references = _references(incident, page)
    if references:
        data["references"] = references
    events = _events(updates, page)
    if events:
        data["timeline_events"] = events
    return draft


# Other fields --------------------------------------------------------------------


def _title(incident: dict[str, Any], draft: Draft) -> str:
    name = " ".join(str(incident.get("name") or "").split())
    if name:
        return name
    draft.guess("title", "the incident has no name; its id stands in")
    return f"Status page incident {incident['id']}"


def _severity(incident: dict[str, Any], options: ReadOptions, draft: Draft) -> str:
    impact = str(incident.get("impact") or "").strip().lower()
    table = options.taxonomy.section("statuspage_impact") or {}
    mapped = table.get(impact) if isinstance(table, dict) else None
    if isinstance(mapped, str) and mapped:
        return mapped
    why = (
        f"impact {impact!r} is not in the taxonomy's statuspage_impact table"
        if impact
        else "the incident states no impact"
    )
    return fallback_severity(options, draft, why)


def _services(incident, page, options: ReadOptions, draft: Draft) -> list[str]:
    names = [
        c.get("name")
        for c in as_list(incident.get("components"))
        if isinstance(c, dict)
    ]
    services = _slugs(names)
    if services:
        return services
    affected = [
        name
        for u in as_list(incident.get("incident_updates"))
        if isinstance(u, dict)
        for name in (
            c.get("name")
            for c in as_list(u.get("affected_components"))
            if isinstance(c, dict)
        )
    ]
    services = _slugs(affected)
    if services:
        draft.guess(
            "services_affected",
            "no components on the incident; taken from the components its updates name",
        )
        return services
    if options.services:
        return fallback_services(options, draft, "the incident names no components")
    if page.get("name"):
        draft.guess(
            "services_affected",
            "the incident names no components; the status page's name stands in",
        )
        return [slugify(str(page["name"]))]
    return fallback_services(options, draft, "the incident names no components")


def _slugs(names: list[Any]) -> list[str]:
    slugs: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name.strip() or _BOILERPLATE.search(name):
            continue
        slug = slugify(name)
        if slug not in slugs:
            slugs.append(slug)
    return slugs


def _impact(incident: dict[str, Any], updates: list[Update], page) -> str:
    first = next((u for u in updates if u.body and u.status != "resolved"), None)
    first = first or next((u for u in updates if u.body), None)
    parts = []
    if first is not None:
        parts.append(first.entries[0][1] if first.entries else first.body)
    names = [
        c.get("name")
        for c in as_list(incident.get("components"))
        if isinstance(c, dict)
        and isinstance(c.get("name"), str)
        and not _BOILERPLATE.search(c["name"])
    ]
    impact = incident.get("impact") or "not stated"
    where = f"the {page['name']} status page" if page.get("name") else "the status page"
    facts = f"Impact on {where}: {impact}."
    if names:
        facts += f" Components: {', '.join(names)}."
    parts.append(facts)
    postmortem = html_text(str(incident.get("postmortem_body") or ""))
    if postmortem:
        parts.append("Postmortem from the status page:\n" + postmortem)
    return "\n\n".join(parts)


def _references(incident: dict[str, Any], page: dict[str, Any]) -> list[str]:
    found = []
    base = page.get("url")
    if isinstance(base, str) and re.match(r"^https?://[^\s/?#.]\S*$", base):
        found.append(f"{base.rstrip('/')}/incidents/{incident['id']}")
    link = incident.get("shortlink")
    if isinstance(link, str) and re.match(r"^https?://[^\s/?#.]\S*$", link.strip()):
        found.append(link.strip())
    return found


def _events(updates: list[Update], page: dict[str, Any]) -> list[dict[str, str]]:
    source = f"{page['name']} status page" if page.get("name") else "status page"
    events = []
    for update in updates:
        if update.entries:
            for at, text in update.entries:
                events.append({"timestamp": stamp(at), **_text(text), "source": source})
            continue
        if update.at is None:
            continue
        status = update.status.replace("_", " ").capitalize()
        event = {"timestamp": stamp(update.at)}
        event.update(_text(update.body, status))
        event["source"] = source
        hurt = [
            f"{name}: {state.replace('_', ' ')}"
            for name, state in update.components
            if state and state != "operational"
        ]
        if hurt:
            event["impact"] = "; ".join(hurt)
        events.append(event)
    events.sort(key=lambda e: e["timestamp"])
    return events


def _text(body: str, status: str | None = None) -> dict[str, str]:
    line = " ".join(body.split())
    label = f"{status}: " if status and line else (status or "")
    if len(line) <= EVENT_LIMIT:
        return {"event": (label + line) or "Update"}
    return {
        "event": label + first_sentence(line, EVENT_LIMIT - len(label)),
        "details": body,
    }
