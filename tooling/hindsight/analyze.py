"""Analyze one incident: root causes from every method, coverage, readiness.

Each root-cause method is an *analyzer* registered in :data:`ANALYZERS` with
an id, the options it reads from the taxonomy's ``analyzers:`` section, and
a docstring that the documentation shows. The site, trends, the
pull-request summary and the SNS summary all read an incident's analysis
from :func:`analyze_incident`, so they agree on what was found.

A *derived* root cause is one an analyzer finds in the ``analysis`` block;
an *explicit* one is an entry of ``root_causes``. Derived causes are
categorised by the taxonomy's keyword rules (whole words); a cause that no
rule matches gets the default category and is marked ``guessed``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .faulttree import analyze_fault_tree, check_structure
from .readiness import Readiness, evaluate
from .taxonomy import Taxonomy


@dataclass(frozen=True)
class Categorised:
    """A category and how it was chosen."""

    category: str
    guessed: bool
    matched: str | None = None  # the keyword, or the fishbone category


@dataclass
class FoundCause:
    """A root cause as one method found it."""

    description: str
    source: str  # explicit, five_whys, fishbone or fault_tree
    category: str
    guessed: bool = False
    id: str | None = None
    contributing_factors: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "source": self.source,
            "category": self.category,
            "category_guessed": self.guessed,
            "contributing_factors": self.contributing_factors,
            "evidence": self.evidence,
        }


@lru_cache(maxsize=64)
def _keyword_patterns(rules: tuple[tuple[str, tuple[str, ...]], ...]):
    compiled = []
    for category, words in rules:
        if words:
            alternatives = "|".join(re.escape(w) for w in sorted(words, key=len)[::-1])
            compiled.append((category, re.compile(rf"\b(?:{alternatives})\b", re.I)))
    return compiled


def categorise(text: str, taxonomy: Taxonomy) -> Categorised:
    """The category of a cause by the taxonomy's keyword rules.

    Categories are tried in the taxonomy's order; the first whose keyword
    occurs as a whole word wins. No match gives the default category,
    marked as guessed.
    """
    rules = tuple(
        (name, tuple(spec.get("keywords") or ()))
        for name, spec in taxonomy.categories.items()
    )
    for category, pattern in _keyword_patterns(rules):
        match = pattern.search(text)
        if match:
            return Categorised(category, False, match.group(0).lower())
    return Categorised(taxonomy.default_category, True)


# The analyzers ---------------------------------------------------------------

Analyzer = Callable[[dict[str, Any], Taxonomy, dict[str, Any]], "MethodResult"]


@dataclass
class MethodResult:
    """What one analyzer found: causes, warnings and method-specific detail."""

    causes: list[FoundCause] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalyzerSpec:
    id: str
    run: Analyzer
    options: dict[str, Any]

    @property
    def doc(self) -> str:
        return (self.run.__doc__ or "").strip()


ANALYZERS: dict[str, AnalyzerSpec] = {}


def analyzer(analyzer_id: str, **options: Any):
    """Register an analyzer with its id and the defaults of its options."""

    def register(run: Analyzer) -> Analyzer:
        ANALYZERS[analyzer_id] = AnalyzerSpec(analyzer_id, run, options)
        return run

    return register


def whys_steps(chain: list[Any]) -> list[tuple[str, str]]:
    """A five-whys chain as (question, answer) pairs, from either form."""
    if chain and all(isinstance(step, str) for step in chain):
        return [(chain[i], chain[i + 1]) for i in range(0, len(chain) - 1, 2)]
    return [
        (str(step.get("question", "")), str(step.get("answer", "")))
        for step in chain
        if isinstance(step, dict)
    ]


@analyzer("explicit")
def _explicit(data: dict[str, Any], taxonomy: Taxonomy, _o: dict) -> MethodResult:
    """The root causes the review wrote under `root_causes`, as written.

    Their `category` is the reviewers' choice and always wins.
    """
    result = MethodResult()
    for entry in data.get("root_causes") or []:
        result.causes.append(
            FoundCause(
                description=entry["description"],
                source="explicit",
                category=entry["category"],
                id=entry["id"],
                contributing_factors=list(entry.get("contributing_factors") or []),
                evidence=list(entry.get("evidence") or []),
            )
        )
    return result


@analyzer("five_whys", min_depth=5)
def _five_whys(data: dict[str, Any], taxonomy: Taxonomy, options: dict) -> MethodResult:
    """Five whys: the final answer of the chain is its root cause.

    The answers before it are the cause's contributing factors. Both forms
    are read: a list of `{question, answer}` and the list of plain strings
    alternating question and answer. A chain shorter than `min_depth` whys
    (default 5) is a warning with the depth reached.
    """
    chain = (data.get("analysis") or {}).get("five_whys") or []
    steps = whys_steps(chain)
    result = MethodResult(
        detail={
            "depth": len(steps),
            "steps": [{"question": q, "answer": a} for q, a in steps],
        }
    )
    if not steps:
        return result
    minimum = int(options["min_depth"])
    if len(steps) < minimum:
        result.warnings.append(
            f"the five-whys chain stops at {len(steps)} why(s) of {minimum}"
        )
    final = steps[-1][1]
    found = categorise(final, taxonomy)
    result.causes.append(
        FoundCause(
            description=final,
            source="five_whys",
            category=found.category,
            guessed=found.guessed,
            contributing_factors=[answer for _q, answer in steps[:-1]],
        )
    )
    result.detail["root_cause"] = final
    return result


@analyzer("fishbone")
def _fishbone(data: dict[str, Any], taxonomy: Taxonomy, _o: dict) -> MethodResult:
    """Fishbone (Ishikawa): every cause, under its fishbone category.

    Each fishbone category maps to a root-cause category through the
    taxonomy's `fishbone_categories`.
    """
    fishbone = (data.get("analysis") or {}).get("fishbone") or {}
    mapping = taxonomy.fishbone_categories
    result = MethodResult(detail={"categories": {}})
    for branch, causes in fishbone.items():
        result.detail["categories"][branch] = list(causes or [])
        for cause in causes or []:
            result.causes.append(
                FoundCause(
                    description=cause,
                    source="fishbone",
                    category=mapping.get(branch, taxonomy.default_category),
                    guessed=branch not in mapping,
                    evidence=[f"fishbone: {branch}"],
                )
            )
    return result


@analyzer("fault_tree", max_cut_sets=10_000)
def _fault_tree(data: dict[str, Any], taxonomy: Taxonomy, _o: dict) -> MethodResult:
    """Fault tree: minimal cut sets, exact top-event probability, importance.

    The basic events of the minimal cut sets are the tree's root causes; the
    top-event probability is exact for independent basic events, also when
    an event appears under several gates; importance (Birnbaum and
    Fussell-Vesely) shows which fix removes the most risk.
    """
    tree = (data.get("analysis") or {}).get("fault_tree")
    result = MethodResult()
    if not tree or any(p.severity == "error" for p in check_structure(tree)):
        return result
    analysis = analyze_fault_tree(tree)
    result.detail = analysis.to_dict()
    in_cut_sets = {event for cut in analysis.minimal_cut_sets for event in cut}
    for key, text in analysis.basic_events.items():
        if key not in in_cut_sets:
            continue
        found = categorise(text, taxonomy)
        result.causes.append(
            FoundCause(
                description=text,
                source="fault_tree",
                category=found.category,
                guessed=found.guessed,
                id=key,
                evidence=[f"fault tree: {analysis.top_event}"],
            )
        )
    if analysis.cut_sets_truncated:
        result.warnings.append("the fault tree has more minimal cut sets than listed")
    return result


# The analysis of one incident ------------------------------------------------


@dataclass
class IncidentAnalysis:
    """Everything the analyzers found in one incident."""

    incident_id: str
    root_causes: list[FoundCause]
    methods: dict[str, MethodResult]
    uncovered_root_causes: list[str]
    readiness: Readiness
    review_summary: dict[str, Any]

    @property
    def warnings(self) -> list[str]:
        return [w for method in self.methods.values() for w in method.warnings]

    @property
    def fault_tree(self) -> dict[str, Any]:
        detail = self.methods["fault_tree"].detail
        return {
            "minimal_cut_sets": detail.get("minimal_cut_sets", []),
            "top_event_probability": detail.get("top_event_probability"),
            **{
                k: v
                for k, v in detail.items()
                if k not in ("minimal_cut_sets", "top_event_probability")
            },
        }

    def counted_causes(self) -> list[FoundCause]:
        """The causes that count once per incident: explicit, else derived."""
        explicit = [c for c in self.root_causes if c.source == "explicit"]
        return explicit or [c for c in self.root_causes if c.source != "explicit"]

    def to_dict(self) -> dict[str, Any]:
        """The analysis as JSON: the contract's keys first, exactly as defined
        (``fault_tree`` holds the cut sets and the probability, ``readiness``
        the status, whether it is met and what is missing), then the rest."""
        tree = self.fault_tree
        readiness = self.readiness
        return {
            "incident_id": self.incident_id,
            "root_causes": [c.to_dict() for c in self.root_causes],
            "fault_tree": {
                "minimal_cut_sets": tree["minimal_cut_sets"],
                "top_event_probability": tree["top_event_probability"],
            },
            "uncovered_root_causes": self.uncovered_root_causes,
            "readiness": {
                "status": readiness.status,
                "ready": readiness.ready,
                "missing": readiness.missing,
            },
            "next_readiness": {
                "status": readiness.next_status,
                "missing": readiness.missing_for_next,
            },
            "fault_tree_details": {
                k: v
                for k, v in tree.items()
                if k not in ("minimal_cut_sets", "top_event_probability")
            },
            "five_whys": self.methods["five_whys"].detail,
            "fishbone": self.methods["fishbone"].detail.get("categories", {}),
            "review_summary": self.review_summary,
            "warnings": self.warnings,
        }


def analyze_incident(data: dict[str, Any], taxonomy: Taxonomy) -> IncidentAnalysis:
    """Run every registered analyzer over one validated incident."""
    methods: dict[str, MethodResult] = {}
    for spec in ANALYZERS.values():
        options = {**spec.options, **taxonomy.analyzer_options(spec.id)}
        methods[spec.id] = spec.run(data, taxonomy, options)
    causes = [cause for method in methods.values() for cause in method.causes]
    return IncidentAnalysis(
        incident_id=data["incident_id"],
        root_causes=causes,
        methods=methods,
        uncovered_root_causes=uncovered_root_causes(data),
        readiness=evaluate(data, taxonomy),
        review_summary=review_summary(data, len(causes)),
    )


def uncovered_root_causes(data: dict[str, Any]) -> list[str]:
    """Ids of the explicit root causes that no action item names."""
    named = {
        ident
        for item in data.get("action_items") or []
        for ident in item.get("related_root_causes") or []
    }
    return [c["id"] for c in data.get("root_causes") or [] if c["id"] not in named]


def review_summary(data: dict[str, Any], causes_found: int) -> dict[str, Any]:
    """The blameless review's summary: counts, follow-up, the next review."""
    review = data.get("review") or {}
    items = data.get("action_items") or []
    unfinished = [i for i in items if i.get("status") in ("open", "in_progress")]
    return {
        "incident_title": data.get("title"),
        "review_date": review.get("date"),
        "attendees": list(review.get("attendees") or []),
        "duration_minutes": review.get("duration_minutes"),
        "key_findings": {
            "root_causes_identified": causes_found,
            "action_items_created": len(items),
            "lessons_learned": len(data.get("lessons_learned") or []),
        },
        "follow_up_required": bool(unfinished),
        "next_review_date": review.get("follow_up_date"),
    }
