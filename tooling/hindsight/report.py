"""Reports of one incident: the analysis summary and the exported report.

:func:`analysis_markdown` is the analysis as Markdown, reused by the
pull-request summary; :func:`export_json` and :func:`export_markdown` give
the whole post-incident report as one document. Every value taken from an
incident file goes through :mod:`hindsight.mdtext`.
"""

from __future__ import annotations

from typing import Any

from . import mdtext
from .analyze import IncidentAnalysis
from .model import Incident, minutes_between

METRICS = (
    ("time_to_detect_minutes", "start_time", "detected_time"),
    ("time_to_acknowledge_minutes", "detected_time", "acknowledged_time"),
    ("time_to_mitigate_minutes", "start_time", "mitigated_time"),
    ("duration_minutes", "start_time", "end_time"),
)


def incident_metrics(incident: Incident) -> dict[str, int | None]:
    """Time to detect, acknowledge, mitigate and resolve, in minutes."""
    figures: dict[str, int | None] = {}
    for name, start, end in METRICS:
        first, last = getattr(incident, start), getattr(incident, end)
        figures[name] = minutes_between(first, last) if first and last else None
    return figures


def export_json(
    data: dict[str, Any], incident: Incident, analysis: IncidentAnalysis
) -> dict[str, Any]:
    """The incident as written, with its metrics and its analysis."""
    return {
        "incident": data,
        "metrics": incident_metrics(incident),
        "analysis": analysis.to_dict(),
    }


def _minutes(value: int | None) -> str:
    if value is None:
        return "—"
    hours, minutes = divmod(value, 60)
    return f"{value} min" if not hours else f"{value} min ({hours} h {minutes:02d} min)"


def analysis_markdown(analysis: IncidentAnalysis, heading: str = "##") -> str:
    """The analysis of one incident as Markdown sections."""
    lines = [f"{heading} Root causes", ""]
    if analysis.root_causes:
        lines += ["| Source | Category | Root cause |", "|---|---|---|"]
        for cause in analysis.root_causes:
            category = mdtext.cell(cause.category) + (
                " (guessed)" if cause.guessed else ""
            )
            lines.append(
                f"| {cause.source} | {category} | {mdtext.cell(cause.description)} |"
            )
    else:
        lines.append("No root cause recorded yet.")
    tree = analysis.fault_tree
    if tree.get("minimal_cut_sets"):
        lines += ["", f"{heading} Fault tree", ""]
        probability = tree.get("top_event_probability")
        if probability is not None:
            lines.append(f"Top-event probability: **{probability:.6g}**")
            lines.append("")
        lines.append("Minimal cut sets:")
        lines.append("")
        for cut in tree["minimal_cut_sets"]:
            lines.append("- " + " AND ".join(f"`{mdtext.text(e)}`" for e in cut))
    if analysis.uncovered_root_causes:
        lines += ["", f"{heading} Root causes without an action item", ""]
        lines += [f"- {mdtext.text(i)}" for i in analysis.uncovered_root_causes]
    lines += ["", f"{heading} Readiness", ""]
    readiness = analysis.readiness
    state = "ready" if readiness.ready else "not ready"
    lines.append(f"Status `{readiness.status}`: {state}.")
    lines += [f"- missing: {mdtext.message(m)}" for m in readiness.missing]
    if readiness.next_status:
        lines.append("")
        lines.append(f"To move to `{readiness.next_status}`:")
        todo = readiness.missing_for_next or ["nothing more is needed"]
        lines += [f"- {mdtext.message(m)}" for m in todo]
    if analysis.warnings:
        lines += ["", f"{heading} Warnings", ""]
        lines += [f"- {mdtext.message(w)}" for w in analysis.warnings]
    return "\n".join(lines) + "\n"


def export_markdown(incident: Incident, analysis: IncidentAnalysis) -> str:
    """The post-incident report as one Markdown document."""
    sections = [
        [f"# Post-incident report: {mdtext.text(incident.title)}"],
        _summary(incident),
        ["## Impact description", "", mdtext.text(incident.impact_description)],
        _timeline(incident),
        [analysis_markdown(analysis).rstrip("\n")],
        _action_items(incident),
        _lessons(incident),
        _review(analysis.review_summary),
        _references(incident),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _summary(incident: Incident) -> list[str]:
    t = mdtext.text
    metrics = {k: _minutes(v) for k, v in incident_metrics(incident).items()}
    services = ", ".join(t(s) for s in incident.services_affected)
    return [
        "## Incident summary",
        "",
        f"- **Incident ID**: {t(incident.incident_id)}",
        f"- **Severity**: {t(incident.severity)}",
        f"- **Status**: {t(incident.status)}",
        f"- **Start time**: {incident.start_time.isoformat()}",
        f"- **End time**: {incident.end_time.isoformat()}",
        f"- **Duration**: {metrics['duration_minutes']}",
        f"- **Time to detect**: {metrics['time_to_detect_minutes']}",
        f"- **Time to acknowledge**: {metrics['time_to_acknowledge_minutes']}",
        f"- **Time to mitigate**: {metrics['time_to_mitigate_minutes']}",
        f"- **Services affected**: {services}",
    ]


def _timeline(incident: Incident) -> list[str]:
    events = sorted(incident.timeline_events or [], key=lambda e: e.timestamp)
    lines = [f"- **{e.timestamp.isoformat()}**: {mdtext.text(e.event)}" for e in events]
    return ["## Timeline", "", *(lines or ["No timeline events recorded."])]


def _action_items(incident: Incident) -> list[str]:
    t = mdtext.text
    lines = ["## Action items", ""]
    for number, item in enumerate(incident.action_items or [], 1):
        due = item.due_date.isoformat() if item.due_date else "no due date"
        owner = t(item.owner) if item.owner else "unowned"
        lines.append(
            f"{number}. **{t(item.title)}** ({item.status}; owner: {owner}; due: {due})"
        )
        if item.description:
            lines.append(f"    - {t(item.description)}")
        if item.tracking_url:
            lines.append(f"    - {mdtext.link('tracking', item.tracking_url)}")
    if not incident.action_items:
        lines.append("No action items.")
    return lines


def _lessons(incident: Incident) -> list[str]:
    lessons = incident.lessons_learned or []
    lines = [f"{n}. {mdtext.text(lesson)}" for n, lesson in enumerate(lessons, 1)]
    return ["## Lessons learned", "", *(lines or ["None recorded yet."])]


def _review(summary: dict[str, Any]) -> list[str]:
    if not summary["review_date"]:
        return []
    t = mdtext.text
    follow = "yes" if summary["follow_up_required"] else "no"
    lines = [
        "## Review",
        "",
        f"- **Date**: {t(summary['review_date'])}",
        f"- **Attendees**: {', '.join(t(a) for a in summary['attendees'])}",
        f"- **Follow-up required**: {follow}",
    ]
    if summary["next_review_date"]:
        lines.append(f"- **Next review**: {t(summary['next_review_date'])}")
    return lines


def _references(incident: Incident) -> list[str]:
    if not incident.references:
        return []
    links = [f"- {mdtext.link(url, url)}" for url in incident.references]
    return ["## References", "", *links]
