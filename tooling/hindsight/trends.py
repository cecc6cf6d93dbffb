"""Trends: what the incidents of a period have in common, and how it moves.

A *trend report* covers the incidents whose ``start_time`` falls in a
period of whole UTC days. It counts them by severity, service, root-cause
category and month; gives the time to detect, acknowledge, mitigate and
resolve as ``{n, median, p90, mean}`` (durations are skewed, so the median
and the 90th percentile say more than the mean); sums up their action
items; compares every headline figure with the period before; and turns
the taxonomy's recommendation rules into advice.

Near misses (``kind: near_miss``) had no customer impact: they are counted
on their own and left out of every incident figure (counts, distributions,
durations); their action items count with the rest, since the work is the
same. A figure resting on fewer incidents than ``trends.small_sample`` is
marked, so nobody reads a trend into three data points.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from . import mdtext
from .model import Incident, minutes_between, parse_date
from .taxonomy import Taxonomy, load_taxonomy

DEFAULT_DAYS = 90
TOP_SERVICES = 5
METRICS = (
    "duration_minutes",
    "time_to_detect_minutes",
    "time_to_acknowledge_minutes",
    "time_to_mitigate_minutes",
)
ITEM_STATES = ("open", "in_progress", "completed", "cancelled")
UNFINISHED = ("open", "in_progress")


class TrendError(ValueError):
    """A period or a recommendation rule that cannot be used."""


# The period --------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole UTC days from ``start`` to ``end``, both included.

    An incident is in the period when the UTC date of its ``start_time``
    is between ``start`` and ``end``. ``as_of`` is the day against which
    action items are overdue and follow-ups have passed.
    """

    start: date
    end: date
    as_of: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment.astimezone(UTC).date() <= self.end

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one."""
        length = timedelta(days=self.days)
        return Period(self.start - length, self.start - timedelta(days=1), self.as_of)

    def to_dict(self) -> dict[str, str]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
        }


def period_for(
    as_of: date | str | None = None,
    days: int | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
) -> Period:
    """The period of ``--days N`` up to ``--as-of``, or of ``--from``/``--to``.

    With ``days`` (default 90): the N whole UTC days that end with the
    as-of day (default today, UTC), i.e. an incident counts when
    ``as_of - N days < start date (UTC) <= as_of``. With ``start`` (and
    ``end``, default the as-of day): every day from ``start`` to ``end``,
    both included. ``as_of`` stays the day overdue items are judged by.
    """
    as_of_day = _day(as_of) if as_of is not None else datetime.now(UTC).date()
    if start is None and end is None:
        count = DEFAULT_DAYS if days is None else int(days)
        if count < 1:
            raise TrendError(f"--days must be at least 1, not {count}")
        return Period(as_of_day - timedelta(days=count - 1), as_of_day, as_of_day)
    if days is not None:
        raise TrendError("give either --days or --from/--to, not both")
    if start is None:
        raise TrendError("--to needs --from")
    first, last = _day(start), _day(end) if end is not None else as_of_day
    if first > last:
        raise TrendError(f"--from {first} is after --to {last}")
    return Period(first, last, as_of_day)


def _day(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value))
    except ValueError:
        raise TrendError(f"{value!r} is not a date (YYYY-MM-DD)") from None


# Figures -------------------------------------------------------------------------


def summary(values: list[int | float]) -> dict[str, Any]:
    """``{n, median, p90, mean}``; p90 interpolates between closest ranks."""
    if not values:
        return {"n": 0, "median": None, "p90": None, "mean": None}
    if len(values) == 1:
        p90 = values[0]
    else:
        p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p90": p90,
        "mean": statistics.mean(values),
    }


def metric_values(incident: Incident) -> dict[str, int]:
    """The minutes of each metric this incident has the times for."""
    start, end = incident.start_time, incident.end_time
    detected = incident.detected_time
    acknowledged = incident.acknowledged_time
    mitigated = incident.mitigated_time
    values = {"duration_minutes": minutes_between(start, end)}
    if detected is not None:
        values["time_to_detect_minutes"] = minutes_between(start, detected)
    if detected is not None and acknowledged is not None:
        values["time_to_acknowledge_minutes"] = minutes_between(detected, acknowledged)
    if mitigated is not None:
        values["time_to_mitigate_minutes"] = minutes_between(start, mitigated)
    return values


def action_item_counts(records: list[Any], as_of: date) -> dict[str, Any]:
    """Action items by status, overdue ones, and the completion rate.

    The rate is completed / (total - cancelled); None when nothing is left
    once cancelled items are taken out.
    """
    items = [item for r in records for item in r.incident.action_items or []]
    counts: dict[str, Any] = {"total": len(items)}
    states = Counter(item.status for item in items)
    counts.update({state: states.get(state, 0) for state in ITEM_STATES})
    counts["overdue"] = sum(1 for item in items if is_overdue(item, as_of))
    live = counts["total"] - counts["cancelled"]
    counts["completion_rate"] = counts["completed"] / live if live else None
    return counts


def is_overdue(item: Any, as_of: date) -> bool:
    """Open or in progress, with a due date before the as-of day."""
    due = item.due_date
    return item.status in UNFINISHED and due is not None and due < as_of


def _ranked(counter: Counter[str], limit: int | None = None) -> dict[str, int]:
    """Most first; ties by name, so the same input gives the same order."""
    ordered = sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))
    return dict(ordered[:limit] if limit else ordered)


def figures(
    records: list[Any], period: Period, severities: list[str]
) -> dict[str, Any]:
    """Every figure of one period, keyed as in the trend report's JSON."""
    chosen = [r for r in records if period.contains(r.incident.start_time)]
    incidents = [r for r in chosen if not r.incident.is_near_miss]
    metrics: dict[str, list[int]] = {name: [] for name in METRICS}
    for record in incidents:
        for name, value in metric_values(record.incident).items():
            metrics[name].append(value)
    severity = Counter(r.incident.severity for r in incidents)
    order = {name: index for index, name in enumerate(severities)}
    services = Counter(
        s for r in incidents for s in dict.fromkeys(r.incident.services_affected)
    )
    causes = Counter(c.category for r in incidents for c in r.analysis.counted_causes())
    months = Counter(
        r.incident.start_time.astimezone(UTC).strftime("%Y-%m") for r in incidents
    )
    durations = metrics["duration_minutes"]
    return {
        "analysis_period_days": period.days,
        "total_incidents": len(incidents),
        "average_duration_minutes": statistics.mean(durations) if durations else None,
        "severity_distribution": {
            name: severity[name]
            for name in sorted(severity, key=lambda s: (order.get(s, len(order)), s))
        },
        "most_affected_services": _ranked(services, TOP_SERVICES),
        "root_cause_distribution": _ranked(causes),
        **{name: summary(values) for name, values in metrics.items()},
        "action_items": action_item_counts(chosen, period.as_of),
        "by_month": dict(sorted(months.items())),
        "period": period.to_dict(),
        "near_misses": len(chosen) - len(incidents),
    }


def headline(figs: dict[str, Any]) -> dict[str, Any]:
    """The figures compared between periods: counts and medians before means."""
    items = figs["action_items"]
    return {
        "total_incidents": figs["total_incidents"],
        "near_misses": figs["near_misses"],
        "median_duration_minutes": figs["duration_minutes"]["median"],
        "p90_duration_minutes": figs["duration_minutes"]["p90"],
        "median_time_to_detect_minutes": figs["time_to_detect_minutes"]["median"],
        "median_time_to_acknowledge_minutes": figs["time_to_acknowledge_minutes"][
            "median"
        ],
        "median_time_to_mitigate_minutes": figs["time_to_mitigate_minutes"]["median"],
        "average_duration_minutes": figs["average_duration_minutes"],
        "open_action_items": items["open"] + items["in_progress"],
        "overdue_action_items": items["overdue"],
        "completion_rate": items["completion_rate"],
    }


def change(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """Each headline figure now, before, and the difference (None if unknown)."""
    now, before = headline(current), headline(previous)
    return {
        name: {
            "current": now[name],
            "previous": before[name],
            "difference": None
            if now[name] is None or before[name] is None
            else now[name] - before[name],
        }
        for name in now
    }


def small_sample_flags(figs: dict[str, Any], threshold: int) -> dict[str, bool]:
    """Which figures rest on fewer than ``threshold`` incidents."""
    total = figs["total_incidents"]
    flags = {
        "average_duration_minutes": figs["duration_minutes"]["n"] < threshold,
        "severity_distribution": total < threshold,
        "most_affected_services": total < threshold,
        "root_cause_distribution": total < threshold,
        "by_month": total < threshold,
    }
    flags.update({name: figs[name]["n"] < threshold for name in METRICS})
    return flags


# Recommendations -----------------------------------------------------------------

RULE_FIGURES = (
    "critical_incidents",
    "top_service_incidents",
    "top_root_cause",
    "median_duration_minutes",
    "p90_duration_minutes",
    "mean_duration_minutes",
    "overdue_action_items",
)


@dataclass(frozen=True)
class Recommendation:
    """Advice that a rule gave, with the figure and threshold that fired it."""

    id: str
    message: str
    figure: str
    value: Any
    threshold: Any
    comparison: str  # "above" or "equals"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "message": self.message,
            "figure": self.figure,
            "value": self.value,
            "threshold": self.threshold,
            "comparison": self.comparison,
        }


def rule_values(figs: dict[str, Any], severities: list[str]) -> dict[str, Any]:
    """The value of every figure a rule may name, and the names it fills in."""
    services = figs["most_affected_services"]
    causes = figs["root_cause_distribution"]
    top_service = next(iter(services), None)
    durations = figs["duration_minutes"]
    return {
        "critical_incidents": figs["severity_distribution"].get(severities[0], 0),
        "top_service_incidents": services[top_service] if top_service else None,
        "top_root_cause": next(iter(causes), None),
        "median_duration_minutes": durations["median"],
        "p90_duration_minutes": durations["p90"],
        "mean_duration_minutes": durations["mean"],
        "overdue_action_items": figs["action_items"]["overdue"],
        "_service": top_service,
        "_category": next(iter(causes), None),
    }


def recommend(
    figs: dict[str, Any], rules: list[dict[str, Any]], severities: list[str]
) -> list[Recommendation]:
    """The recommendations whose rule fires on these figures, in rule order.

    A rule fires when its figure is known and is above the rule's ``above``
    threshold, or equals its ``equals`` value.
    """
    values = rule_values(figs, severities)
    fired = []
    for number, rule in enumerate(rules, 1):
        figure, comparison, threshold = _rule_parts(rule, number)
        value = values[figure]
        if value is None:
            continue
        hit = value > threshold if comparison == "above" else value == threshold
        if not hit:
            continue
        message = _message(rule, number, values, value)
        ident = str(rule.get("id") or f"rule-{number}")
        fired.append(
            Recommendation(ident, message, figure, value, threshold, comparison)
        )
    return fired


def _rule_parts(rule: Any, number: int) -> tuple[str, str, Any]:
    where = f"trends.recommendations rule {number}"
    if not isinstance(rule, dict) or not isinstance(rule.get("message"), str):
        raise TrendError(f"{where} needs `figure`, `above` or `equals`, and `message`")
    figure = rule.get("figure")
    if figure not in RULE_FIGURES:
        raise TrendError(
            f"{where}: unknown figure `{figure}`; known: {', '.join(RULE_FIGURES)}"
        )
    if ("above" in rule) == ("equals" in rule):
        raise TrendError(f"{where}: give exactly one of `above` and `equals`")
    if "above" in rule:
        threshold = rule["above"]
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise TrendError(f"{where}: `above` must be a number")
        return figure, "above", threshold
    return figure, "equals", rule["equals"]


def _message(
    rule: dict[str, Any], number: int, values: dict[str, Any], value: Any
) -> str:
    names = {
        "service": values["_service"] or "",
        "category": values["_category"] or "",
        "value": number_text(value),
    }
    try:
        return rule["message"].format_map(names)
    except (KeyError, IndexError, ValueError) as error:
        raise TrendError(
            f"trends.recommendations rule {number}: the message has a placeholder "
            f"other than {{service}}, {{category}} and {{value}} ({error})"
        ) from None


# The report ----------------------------------------------------------------------


@dataclass
class TrendReport:
    """The trend report of one period, compared with the period before."""

    period: Period
    incidents: list[Any]
    near_misses: list[Any]
    figures: dict[str, Any]
    previous: dict[str, Any]
    recommendations: list[Recommendation] = field(default_factory=list)
    small_sample: int = 10
    severities: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.incidents and not self.near_misses

    def to_dict(self) -> dict[str, Any]:
        figs = self.figures
        core = {key: figs[key] for key in _CORE_KEYS}
        core["recommendations"] = [r.message for r in self.recommendations]
        ordered = {key: core[key] for key in _JSON_ORDER}
        ordered.update(
            {
                "period": figs["period"],
                "near_misses": figs["near_misses"],
                "small_sample": {
                    "threshold": self.small_sample,
                    "figures": small_sample_flags(figs, self.small_sample),
                },
                "recommendation_details": [r.to_dict() for r in self.recommendations],
                "previous_period": self.previous,
                "change": change(figs, self.previous),
            }
        )
        return ordered


_JSON_ORDER = (
    "analysis_period_days",
    "total_incidents",
    "average_duration_minutes",
    "severity_distribution",
    "most_affected_services",
    "root_cause_distribution",
    "recommendations",
    *METRICS,
    "action_items",
    "by_month",
)
_CORE_KEYS = tuple(key for key in _JSON_ORDER if key != "recommendations")


def settings(taxonomy: Taxonomy) -> dict[str, Any]:
    """The taxonomy's ``trends`` section over the packaged defaults."""
    defaults = load_taxonomy(None).section("trends") or {}
    return {**defaults, **(taxonomy.section("trends") or {})}


def trend_report(
    records: list[Any],
    taxonomy: Taxonomy,
    period: Period,
    as_of: date | None = None,
) -> TrendReport:
    """The trend report of ``records`` over ``period``.

    ``as_of``, when given, replaces the period's as-of day (the day
    action items are judged overdue by).
    """
    if as_of is not None and as_of != period.as_of:
        period = Period(period.start, period.end, _day(as_of))
    options = settings(taxonomy)
    rules = options.get("recommendations") or []
    if not isinstance(rules, list):
        raise TrendError("trends.recommendations must be a list of rules")
    threshold = options.get("small_sample", 10)
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise TrendError("trends.small_sample must be a whole number of incidents")
    severities = taxonomy.severities
    figs = figures(records, period, severities)
    chosen = [r for r in records if period.contains(r.incident.start_time)]
    return TrendReport(
        period=period,
        incidents=[r for r in chosen if not r.incident.is_near_miss],
        near_misses=[r for r in chosen if r.incident.is_near_miss],
        figures=figs,
        previous=figures(records, period.previous(), severities),
        recommendations=recommend(figs, rules, severities),
        small_sample=threshold,
        severities=severities,
    )


def number_text(value: Any) -> str:
    """A figure as people read it: 135, 67.5, 0.4; "n/a" when unknown."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}"
    return str(value)


# Text and Markdown ---------------------------------------------------------------

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


def _note(n: int, threshold: int) -> str:
    """The mark of a figure that rests on too few incidents (none: n/a says it)."""
    return f" (small sample: n={n})" if 0 < n < threshold else ""


def _rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _shown_change(name: str, entry: dict[str, Any]) -> tuple[str, str, str]:
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


def trends_text(report: TrendReport) -> str:
    """The trend report for a terminal: counts and medians first, means after."""
    figs, threshold, period = report.figures, report.small_sample, report.period
    total = figs["total_incidents"]
    lines = [
        f"Trends from {period.start} to {period.end} ({period.days} days, "
        f"as of {period.as_of})",
        "",
    ]
    if report.empty:
        lines += [_empty_message(period), ""]
    lines.append(
        f"Incidents: {total}{_note(total, threshold)}; near misses: "
        f"{figs['near_misses']}"
    )
    for label, key in (
        ("By severity", "severity_distribution"),
        ("Most affected services", "most_affected_services"),
        ("Root-cause categories", "root_cause_distribution"),
        ("By month", "by_month"),
    ):
        pairs = ", ".join(f"{name} {count}" for name, count in figs[key].items())
        lines.append(f"{label}: {pairs or 'none'}")
    lines += ["", f"{'Minutes':<24}{'n':>4}{'median':>9}{'p90':>9}{'mean':>9}"]
    for name, label in METRIC_LABELS.items():
        stats = figs[name]
        lines.append(
            f"{label:<24}{stats['n']:>4}{number_text(stats['median']):>9}"
            f"{number_text(stats['p90']):>9}{number_text(stats['mean']):>9}"
            f"{_note(stats['n'], threshold)}"
        )
    lines += ["", "Action items: " + _items_line(figs["action_items"]), ""]
    before = report.period.previous()
    lines.append(f"Compared with {before.start} to {before.end}:")
    for name, entry in change(figs, report.previous).items():
        now, was, delta = _shown_change(name, entry)
        lines.append(f"  {HEADLINE_LABELS[name]}: {now} (was {was}, {delta})")
    lines += [
        "",
        "Recommendations:" if report.recommendations else "Recommendations: none",
    ]
    lines += [f"  - {r.message} ({_rule_text(r)})" for r in report.recommendations]
    return "\n".join(lines) + "\n"


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


def trends_markdown(
    report: TrendReport, chart_paths: dict[str, str] | None = None
) -> str:
    """The trend report as a Markdown page body for the site.

    Every name taken from incident files (services, categories, severities)
    and every recommendation goes through :mod:`hindsight.mdtext`.
    ``chart_paths`` maps chart names (:data:`CHART_TITLES`) to image paths
    relative to the page.
    """
    figs, threshold, period = report.figures, report.small_sample, report.period
    total = figs["total_incidents"]
    note = _note(total, threshold)
    lines = [
        f"Incidents that started from {period.start} to {period.end} "
        f"({period.days} days), action items as of {period.as_of}.",
        "",
    ]
    if report.empty:
        lines += [f"**{_empty_message(period)}**", ""]
    lines += _table(
        ("Figure", "Value"),
        [
            ("Incidents", f"{total}{note}"),
            ("Near misses", str(figs["near_misses"])),
            ("Action items", _items_line(figs["action_items"])),
        ],
    )
    lines += ["", "## Time to detect, acknowledge, mitigate and resolve", ""]
    rows = [
        (
            label + _note(figs[name]["n"], threshold),
            str(figs[name]["n"]),
            number_text(figs[name]["median"]),
            number_text(figs[name]["p90"]),
            number_text(figs[name]["mean"]),
        )
        for name, label in METRIC_LABELS.items()
    ]
    lines += _table(("Minutes", "n", "Median", "p90", "Mean"), rows)
    lines += _chart("duration_distribution", chart_paths)
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
    for title, label, key, counted, chart in sections:
        lines += _distribution(title, label, figs[key], counted)
        lines += _chart(chart, chart_paths) if chart else []
    lines += ["", "## Action items", ""]
    items = figs["action_items"]
    lines += _table(
        ("Status", "Items"),
        [(state.replace("_", " "), str(items[state])) for state in ITEM_STATES]
        + [
            ("overdue", str(items["overdue"])),
            ("completion rate", _rate(items["completion_rate"])),
        ],
    )
    lines += _chart("action_items", chart_paths)
    before = period.previous()
    lines += [
        "",
        "## Compared with the previous period",
        "",
        f"The previous period runs from {before.start} to {before.end}.",
        "",
    ]
    rows = [
        (HEADLINE_LABELS[name], *_shown_change(name, entry))
        for name, entry in change(figs, report.previous).items()
    ]
    lines += _table(("Figure", "Now", "Before", "Change"), rows)
    lines += ["", "## Recommendations", ""]
    if not report.recommendations:
        lines.append("No rule fired in this period.")
    for rec in report.recommendations:
        lines.append(f"- {mdtext.text(rec.message)} ({mdtext.cell(_rule_text(rec))})")
    return "\n".join(lines) + "\n"
