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

The report is put together here from its parts: the period and the figures
(:mod:`hindsight.trends_figures`), the recommendation rules
(:mod:`hindsight.trends_rules`), and the text and Markdown forms
(:mod:`hindsight.trends_text`). Every public name of those modules can be
imported from this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .taxonomy import Taxonomy, load_taxonomy
from .trends_figures import (
    DEFAULT_DAYS,
    ITEM_STATES,
    METRICS,
    TOP_SERVICES,
    UNFINISHED,
    Period,
    TrendError,
    action_item_counts,
    change,
    day_of,
    figures,
    headline,
    is_overdue,
    metric_values,
    number_text,
    period_for,
    small_sample_flags,
    summary,
)
from .trends_rules import RULE_FIGURES, Recommendation, recommend, rule_values
from .trends_text import (
    CHART_TITLES,
    HEADLINE_LABELS,
    METRIC_LABELS,
    trends_markdown,
    trends_text,
)

__all__ = [
    "CHART_TITLES",
    "DEFAULT_DAYS",
    "HEADLINE_LABELS",
    "ITEM_STATES",
    "METRICS",
    "METRIC_LABELS",
    "RULE_FIGURES",
    "TOP_SERVICES",
    "UNFINISHED",
    "Period",
    "Recommendation",
    "TrendError",
    "TrendReport",
    "action_item_counts",
    "change",
    "day_of",
    "figures",
    "headline",
    "is_overdue",
    "metric_values",
    "number_text",
    "period_for",
    "recommend",
    "rule_values",
    "settings",
    "small_sample_flags",
    "summary",
    "trend_report",
    "trends_markdown",
    "trends_text",
]


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
        period = Period(period.start, period.end, day_of(as_of))
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
