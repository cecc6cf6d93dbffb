"""The trend report as text for a terminal and as Markdown for the site.

Both forms give counts and medians first and means after, mark every
figure that rests on fewer incidents than ``trends.small_sample``, compare
the headline figures with the period before, and end with the
recommendations. In Markdown, every name taken from incident files
(services, categories, severities) and every recommendation goes through
:mod:`hindsight.mdtext`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import mdtext
from .trends_figures import ITEM_STATES, Period, change, number_text
from .trends_rules import Recommendation

if TYPE_CHECKING:
    from .trends import TrendReport

METRIC_LABELS = {
    "time_to_detect_minutes": "time to detect",
    "time_to_acknowledge_minutes": "time to acknowledge",
    "time_to_mitigate_minutes": "time to mitigate",
    "duration_minutes": "duration (to resolve)",
}
HEADLINE_LABELS = {
    "total_incidents": "incidents",
    "near_misses": "near misses",
    "median_duration_minutes": "median duration",
    "p90_duration_minutes": "p90 duration",
    "median_time_to_detect_minutes": "median time to detect",
    "median_time_to_acknowledge_minutes": "median time to acknowledge",
    "median_time_to_mitigate_minutes": "median time to mitigate",
    "average_duration_minutes": "mean duration",
    "open_action_items": "open action items",
    "overdue_action_items": "overdue action items",
    "completion_rate": "completion rate",
}
CHART_TITLES = {
    "incidents_by_month": "Incidents per month by severity",
    "duration_distribution": "Distribution of incident durations",
    "root_causes": "Root-cause categories",
    "services": "Most affected services",
    "action_items": "Action items: completed versus open and due",
}
"""The charts of a trend report, by name; the site shows them by these titles."""


# Text --------------------------------------------------------------------------


def trends_text(report: TrendReport) -> str:
    """The trend report for a terminal: counts and medians first, means after."""
    period = report.period
    lines = [
        f"Trends from {period.start} to {period.end} ({period.days} days, "
        f"as of {period.as_of})",
        "",
    ]
    if report.empty:
        lines += [_empty_message(period), ""]
    lines += _text_counts(report)
    lines += ["", *_text_minutes(report)]
    lines += ["", "Action items: " + _items_line(report.figures["action_items"]), ""]
    lines += _text_comparison(report)
    lines += [
        "",
        "Recommendations:" if report.recommendations else "Recommendations: none",
    ]
    lines += [f"  - {r.message} ({_rule_text(r)})" for r in report.recommendations]
    return "\n".join(lines) + "\n"


def _text_counts(report: TrendReport) -> list[str]:
    figs = report.figures
    total = figs["total_incidents"]
    lines = [
        f"Incidents: {total}{_note(total, report.small_sample)}; near misses: "
        f"{figs['near_misses']}"
    ]
    for label, key in (
        ("By severity", "severity_distribution"),
        ("Most affected services", "most_affected_services"),
        ("Root-cause categories", "root_cause_distribution"),
        ("By month", "by_month"),
    ):
        pairs = ", ".join(f"{name} {count}" for name, count in figs[key].items())
        lines.append(f"{label}: {pairs or 'none'}")
    return lines


def _text_minutes(report: TrendReport) -> list[str]:
    lines = [f"{'Minutes':<24}{'n':>4}{'median':>9}{'p90':>9}{'mean':>9}"]
    for name, label in METRIC_LABELS.items():
        stats = report.figures[name]
        lines.append(
            f"{label:<24}{stats['n']:>4}{number_text(stats['median']):>9}"
            f"{number_text(stats['p90']):>9}{number_text(stats['mean']):>9}"
            f"{_note(stats['n'], report.small_sample)}"
        )
    return lines


def _text_comparison(report: TrendReport) -> list[str]:
    before = report.period.previous()
    lines = [f"Compared with {before.start} to {before.end}:"]
    for name, entry in change(report.figures, report.previous).items():
        now, was, delta = _shown_change(name, entry)
        lines.append(f"  {HEADLINE_LABELS[name]}: {now} (was {was}, {delta})")
    return lines


# Markdown ----------------------------------------------------------------------


def trends_markdown(
    report: TrendReport, chart_paths: dict[str, str] | None = None
) -> str:
    """The trend report as a Markdown page body for the site.

    Every name taken from incident files (services, categories, severities)
    and every recommendation goes through :mod:`hindsight.mdtext`.
    ``chart_paths`` maps chart names (:data:`CHART_TITLES`) to image paths
    relative to the page.
    """
    lines = _md_overview(report)
    lines += _md_minutes(report)
    lines += _chart("duration_distribution", chart_paths)
    lines += _md_distributions(report, chart_paths)
    lines += _md_action_items(report.figures["action_items"])
    lines += _chart("action_items", chart_paths)
    lines += _md_comparison(report)
    lines += _md_recommendations(report.recommendations)
    return "\n".join(lines) + "\n"


def _md_overview(report: TrendReport) -> list[str]:
    figs, period = report.figures, report.period
    total = figs["total_incidents"]
    lines = [
        f"Incidents that started from {period.start} to {period.end} "
        f"({period.days} days), action items as of {period.as_of}.",
        "",
    ]
    if report.empty:
        lines += [f"**{_empty_message(period)}**", ""]
    rows = [
        ("Incidents", f"{total}{_note(total, report.small_sample)}"),
        ("Near misses", str(figs["near_misses"])),
        ("Action items", _items_line(figs["action_items"])),
    ]
    return lines + _table(("Figure", "Value"), rows)


def _md_minutes(report: TrendReport) -> list[str]:
    figs = report.figures
    rows = [
        (
            label + _note(figs[name]["n"], report.small_sample),
            str(figs[name]["n"]),
            number_text(figs[name]["median"]),
            number_text(figs[name]["p90"]),
            number_text(figs[name]["mean"]),
        )
        for name, label in METRIC_LABELS.items()
    ]
    title = "## Time to detect, acknowledge, mitigate and resolve"
    return ["", title, ""] + _table(("Minutes", "n", "Median", "p90", "Mean"), rows)


def _md_distributions(
    report: TrendReport, chart_paths: dict[str, str] | None
) -> list[str]:
    """One table a distribution, each with its chart when there is one."""
    figs = report.figures
    note = _note(figs["total_incidents"], report.small_sample)
    incidents = f"Incidents{note}"
    sections = (
        ("Incidents per month", "Month", "by_month", incidents, "incidents_by_month"),
        ("Severity", "Severity", "severity_distribution", incidents, None),
        (
            "Most affected services",
            "Service",
            "most_affected_services",
            incidents,
            "services",
        ),
        (
            "Root-cause categories",
            "Category",
            "root_cause_distribution",
            f"Root causes{note}",
            "root_causes",
        ),
    )
    lines: list[str] = []
    for title, label, key, counted, chart in sections:
        lines += _distribution(title, label, figs[key], counted)
        lines += _chart(chart, chart_paths) if chart else []
    return lines


def _md_action_items(items: dict[str, Any]) -> list[str]:
    rows = [(state.replace("_", " "), str(items[state])) for state in ITEM_STATES]
    rows += [
        ("overdue", str(items["overdue"])),
        ("completion rate", _rate(items["completion_rate"])),
    ]
    return ["", "## Action items", ""] + _table(("Status", "Items"), rows)


def _md_comparison(report: TrendReport) -> list[str]:
    before = report.period.previous()
    rows = [
        (HEADLINE_LABELS[name], *_shown_change(name, entry))
        for name, entry in change(report.figures, report.previous).items()
    ]
    return [
        "",
        "## Compared with the previous period",
        "",
        f"The previous period runs from {before.start} to {before.end}.",
        "",
    ] + _table(("Figure", "Now", "Before", "Change"), rows)


def _md_recommendations(recommendations: list[Recommendation]) -> list[str]:
    lines = ["", "## Recommendations", ""]
    if not recommendations:
        lines.append("No rule fired in this period.")
    lines += [
        f"- {mdtext.text(rec.message)} ({mdtext.cell(_rule_text(rec))})"
        for rec in recommendations
    ]
    return lines


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _chart(name: str, chart_paths: dict[str, str] | None) -> list[str]:
    if not chart_paths or name not in chart_paths:
        return []
    target = str(chart_paths[name])
    target = f"<{target}>" if " " in target else target
    return ["", f"![{CHART_TITLES[name]}]({target})"]


def _distribution(
    title: str, label: str, counts: dict[str, int], counted: str
) -> list[str]:
    lines = ["", f"## {title}", ""]
    if not counts:
        return lines + ["None in this period."]
    rows = [(mdtext.cell(name), str(count)) for name, count in counts.items()]
    return lines + _table((label, counted), rows)


# Shared pieces -----------------------------------------------------------------


def _note(n: int, threshold: int) -> str:
    """The mark of a figure that rests on too few incidents (none: n/a says it)."""
    return f" (small sample: n={n})" if 0 < n < threshold else ""


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _shown_change(name: str, entry: dict[str, Any]) -> tuple[str, str, str]:
    """Now, before and the change of one headline figure, as text."""
    if name == "completion_rate":
        diff = entry["difference"]
        delta = "n/a" if diff is None else f"{diff * 100:+.0f} pp"
        return _rate(entry["current"]), _rate(entry["previous"]), delta
    diff = entry["difference"]
    delta = "n/a" if diff is None else ("+" if diff > 0 else "") + number_text(diff)
    return number_text(entry["current"]), number_text(entry["previous"]), delta


def _items_line(items: dict[str, Any]) -> str:
    return (
        f"{items['total']} (open {items['open']}, in progress "
        f"{items['in_progress']}, completed {items['completed']}, cancelled "
        f"{items['cancelled']}); overdue {items['overdue']}; completion rate "
        f"{_rate(items['completion_rate'])}"
    )


def _rule_text(rec: Recommendation) -> str:
    sign = ">" if rec.comparison == "above" else "="
    return f"{rec.figure} {number_text(rec.value)} {sign} {number_text(rec.threshold)}"


def _empty_message(period: Period) -> str:
    return (
        f"No incidents started between {period.start} and {period.end}; "
        "every figure is zero or n/a."
    )
