"""Recommendation rules: the taxonomy's advice, given where the figures call for it.

A rule of ``trends.recommendations`` names one figure of the period, a
threshold (``above: N``) or a value (``equals: X``), and a message; it
*fires* when the figure is known and is above the threshold or equals the
value. The message may name the top service, the top root-cause category
and the figure's value as ``{service}``, ``{category}`` and ``{value}``.
Rules are data, so a repository tunes its advice in its own taxonomy
without touching code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .trends_figures import TrendError, number_text

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
        """The recommendation as in ``recommendation_details``, in field order."""
        return asdict(self)


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
