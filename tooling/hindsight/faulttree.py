"""Fault-tree checks and analysis: minimal cut sets, exact probability, importance.

A fault tree explains a top event (what went wrong) as gates over basic
events. An `and` gate happens when all of its children happen, an `or` gate
when any child does. A basic event is a leaf; it is named by its `id`, or by
its event text when it has none, and the same name anywhere in the tree is
one event (a repeated event).

A minimal cut set is a smallest set of basic events whose joint occurrence
causes the top event: no event can be left out of it. The top-event
probability assumes independent basic events and is exact also for repeated
events, because the tree is first turned into a reduced ordered binary
decision diagram (BDD), where each basic event is decided once on every path.
The minimal cut sets are built gate by gate as a zero-suppressed diagram
(ZDD) of sets with absorption at each step, so they are exact with repeated
events too, and their number is known before any is listed.

This module is a leaf: it uses the standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import partial

from .decision_diagrams import ABSORBING, Bdd, Overflow, Zdd, recursion_room
from .faulttree_rules import (
    GATES,
    MAX_DEPTH,
    NODE_KEYS,
    Path,
    TreeProblem,
    check_structure,
)

__all__ = [
    "EventImportance",
    "FaultTreeResult",
    "TreeProblem",
    "analyze_fault_tree",
    "check_structure",
    "GATES",
    "NODE_KEYS",
    "MAX_DEPTH",
    "Path",
]

MAX_CUT_SETS = 10_000
WORK_BUDGET = 100_000
RETRY_BUDGET = 50_000


# --------------------------------------------------------------------------
# Analysis


@dataclass(frozen=True)
class EventImportance:
    """How much one basic event matters to the top event.

    Birnbaum: P(top | event) - P(top | no event), how strongly the top event
    depends on it. Fussell-Vesely: 1 - P(top | no event) / P(top), the share
    of the risk that goes away if the event is made impossible.
    """

    event_id: str
    event: str
    probability: float | None
    birnbaum: float | None
    fussell_vesely: float | None


@dataclass(frozen=True)
class FaultTreeResult:
    """The analysis of one fault tree.

    Limits, so that no tree makes the analysis hang:
    - `minimal_cut_sets` lists at most MAX_CUT_SETS (10,000) sets, smallest
      first. `cut_set_count` is the exact number of minimal cut sets. When
      even counting them takes more than WORK_BUDGET (100,000) diagram
      steps, the list holds every minimal cut set of up to some number of
      events that RETRY_BUDGET (50,000) more steps reach, and
      `cut_set_count` is None. `cut_sets_truncated` is True in both cases.
    - The exact top-event probability takes at most WORK_BUDGET steps (a
      fraction of a second); past that, `probability_skipped` is True and
      the probability and the importance figures are None.
    """

    top_event: str
    basic_events: dict[str, str]
    minimal_cut_sets: list[list[str]]
    cut_sets_truncated: bool
    top_event_probability: float | None
    importance: list[EventImportance]
    cut_set_count: int | None = None
    probability_skipped: bool = False

    def to_dict(self) -> dict:
        """A JSON-ready mapping; figures rounded to 12 significant digits."""
        data = asdict(self)
        data["top_event_probability"] = _rounded(self.top_event_probability)
        for entry in data["importance"]:
            for name in ("probability", "birnbaum", "fussell_vesely"):
                entry[name] = _rounded(entry[name])
        return data


def analyze_fault_tree(tree: dict) -> FaultTreeResult:
    """Analyze a fault tree that check_structure accepts (no errors).

    Raises ValueError for a tree with structure errors.
    """
    errors = [p for p in check_structure(tree) if p.severity == "error"]
    if errors:
        raise ValueError(
            f"the fault tree has {len(errors)} error(s); first: {errors[0].message}"
        )
    events: dict[str, str] = {}
    probabilities: dict[str, float] = {}
    _collect(tree, events, probabilities)
    shape = _shape(tree)
    order = list(dict.fromkeys(_keys(shape)))
    index = {key: number for number, key in enumerate(order)}
    chances = [probabilities.get(key) for key in order]
    with recursion_room(4 * len(order) + 3 * MAX_DEPTH):
        zdd, family, complete = _cut_set_family(shape, index)
        cut_sets, count = _list_cut_sets(zdd, family, order)
        figures = None
        if None not in chances:
            figures = _probability_figures(shape, index, chances)
    importance = _importance(order, events, chances, figures, cut_sets)
    return FaultTreeResult(
        top_event=tree["event"].strip(),
        basic_events=events,
        minimal_cut_sets=cut_sets,
        cut_sets_truncated=not complete or count > len(cut_sets),
        top_event_probability=figures[0] if figures else None,
        importance=importance,
        cut_set_count=count if complete else None,
        probability_skipped=None not in chances and figures is None,
    )


def _collect(node: dict, events: dict, probabilities: dict) -> None:
    """Basic events as written, in order of first appearance, depth first."""
    if "children" in node:
        for child in node["children"]:
            _collect(child, events, probabilities)
        return
    key = _key(node)
    events.setdefault(key, node["event"].strip())
    if "probability" in node:
        probabilities.setdefault(key, float(node["probability"]))


def _key(node: dict) -> str:
    return node["id"].strip() if "id" in node else node["event"].strip()


# A shape is the tree as the diagrams see it: a basic event's key, or a pair
# of a gate and its parts.
Shape = str | tuple[str, list]


def _shape(node: dict) -> Shape:
    """The tree with gates of one kind under each other merged, one-child
    gates dropped, and parts that share basic events put side by side.

    None of this changes which sets of events cause the top event. It puts
    related events close together in the variable order (first appearance,
    depth first), which keeps the decision diagrams small.
    """
    if "children" not in node:
        return _key(node)
    kind, parts = node["gate"], []
    for child in node["children"]:
        part = _shape(child)
        if isinstance(part, tuple) and part[0] == kind:
            parts.extend(part[1])
        else:
            parts.append(part)
    return parts[0] if len(parts) == 1 else (kind, _side_by_side(parts))


def _side_by_side(parts: list[Shape]) -> list[Shape]:
    """Parts linked by shared events (directly or through others) next to
    each other, each group where its first part was; else as written."""
    group = list(range(len(parts)))

    def first(number: int) -> int:
        while group[number] != number:
            number = group[number] = group[group[number]]
        return number

    owner: dict[str, int] = {}
    for number, part in enumerate(parts):
        for key in _keys(part):
            a, b = first(number), first(owner.setdefault(key, number))
            group[max(a, b)] = min(a, b)
    return [parts[number] for number in sorted(range(len(parts)), key=first)]


def _keys(shape: Shape) -> Iterator[str]:
    if isinstance(shape, str):
        yield shape
        return
    for part in shape[1]:
        yield from _keys(part)


def _fold(shape: Shape, leaf, gate) -> int:
    """Turn a shape into a diagram bottom-up: leaves first, then each gate."""
    if isinstance(shape, str):
        return leaf(shape)
    kind, parts = shape
    return gate(kind, [_fold(part, leaf, gate) for part in parts])


def _pairwise(combine, parts: list[int]) -> int:
    """Combine neighbours, then neighbours of the results, and so on.

    Each step joins diagrams of about the same size, which costs far less
    than adding one child at a time to an ever larger diagram.
    """
    while len(parts) > 1:
        pairs = zip(parts[::2], parts[1::2], strict=False)
        joined = [combine(a, b) for a, b in pairs]
        parts = joined + parts[len(joined) * 2 :]
    return parts[0]


def _cut_set_family(shape: Shape, index: dict) -> tuple[Zdd, int, bool]:
    """The minimal cut sets as a ZDD, and whether they are all there.

    All of them within WORK_BUDGET steps; past that, all those of at most
    1, 2, 3, ... events, for as long as RETRY_BUDGET steps in all allow and
    the list is below its cap.
    """
    try:
        builder = _CutSets(WORK_BUDGET, index, None)
        return builder.zdd, _fold(shape, builder.leaf, builder.gate), True
    except Overflow:
        pass
    best, budget = (Zdd(0), 0), RETRY_BUDGET
    for limit in range(1, len(index) + 1):
        builder = _CutSets(budget, index, limit)
        try:
            family = _fold(shape, builder.leaf, builder.gate)
        except Overflow:
            break
        if not builder.cut:
            return builder.zdd, family, True
        best, budget = (builder.zdd, family), budget - builder.zdd.work
        if sum(builder.zdd.sizes(family)[family].values()) >= MAX_CUT_SETS:
            break
    return (*best, False)


class _CutSets:
    """Builds the minimal cut sets of a shape, gate by gate, as a ZDD.

    With a limit, every family keeps only its sets of at most `limit`
    events; that is exact for those sets, since a smaller cut set is made of
    smaller parts. `cut` says whether the limit removed anything.
    """

    def __init__(self, budget: int, index: dict, limit: int | None) -> None:
        self.zdd = Zdd(budget)
        self.index = index
        self.limit = limit
        self.cut = False

    def leaf(self, key: str) -> int:
        return self.zdd.node(self.index[key], 0, 1)

    def gate(self, kind: str, parts: list[int]) -> int:
        if kind == "or":
            return self.zdd.minimal(_pairwise(self.zdd.union, parts))
        return _pairwise(self._product, parts)

    def _product(self, a: int, b: int) -> int:
        family = self.zdd.product(a, b)
        if self.limit is not None:
            kept = self.zdd.up_to(family, self.limit)
            self.cut = self.cut or kept != family
            family = kept
        return self.zdd.minimal(family)


def _list_cut_sets(zdd: Zdd, root: int, order: list[str]) -> tuple[list, int]:
    """Up to MAX_CUT_SETS minimal cut sets, by size, and how many there are.

    When the cap is hit, all sets of the smaller sizes are listed and the
    rest is a fixed selection of the size where the cap fell.
    """
    counts = zdd.sizes(root)
    listed: list[list[str]] = []
    for size in sorted(counts[root]):
        room = MAX_CUT_SETS - len(listed)
        if room <= 0:
            break
        batch = []
        for found in zdd.sets_of_size(root, size, counts):
            batch.append(sorted(order[var] for var in found))
            if len(batch) == room:
                break
        listed.extend(sorted(batch))
    return listed, sum(counts[root].values())


def _probability_figures(shape: Shape, index: dict, chances: list[float]):
    """P(top) and each event's (Birnbaum, Fussell-Vesely), or None past budget.

    One pass up the BDD gives P(top). One pass down gives every Birnbaum
    figure at once: the sum, over the event's decision nodes, of the chance
    of reaching the node times P(high branch) - P(low branch).
    """
    bdd = Bdd(WORK_BUDGET)
    try:
        root = _fold(
            shape,
            lambda key: bdd.node(index[key], 0, 1),
            lambda gate, parts: _pairwise(partial(bdd.apply, ABSORBING[gate]), parts),
        )
    except Overflow:
        return None
    nodes = bdd.reachable(root)
    prob = {0: 0.0, 1: 1.0}
    for node in nodes:
        p = chances[bdd.var[node]]
        prob[node] = (1 - p) * prob[bdd.low[node]] + p * prob[bdd.high[node]]
    top = prob[root]

    reach = dict.fromkeys([0, 1, *nodes], 0.0)
    reach[root] = 1.0
    birnbaum = [0.0] * len(chances)
    for node in reversed(nodes):
        var, low, high = bdd.var[node], bdd.low[node], bdd.high[node]
        birnbaum[var] += reach[node] * (prob[high] - prob[low])
        reach[low] += reach[node] * (1 - chances[var])
        reach[high] += reach[node] * chances[var]

    figures = []
    for var, p in enumerate(chances):
        b = max(0.0, birnbaum[var])
        figures.append((b, None if top == 0 else min(1.0, p * b / top)))
    return top, figures


def _importance(order, events, chances, figures, cut_sets) -> list[EventImportance]:
    """Each event's importance, the one whose removal cuts most risk first.

    Without probabilities, events in the smallest cut sets come first.
    """
    first_cut: dict[str, int] = {}
    for rank, cut_set in enumerate(cut_sets):
        for key in cut_set:
            first_cut.setdefault(key, rank)
    entries = []
    for var, key in enumerate(order):
        birnbaum, fv = figures[1][var] if figures else (None, None)
        entries.append(EventImportance(key, events[key], chances[var], birnbaum, fv))

    def rank(entry: EventImportance) -> tuple:
        # Rounded, so that figures equal but for float noise tie; a missing
        # figure ranks below every known one.
        fv, birnbaum = _rounded(entry.fussell_vesely), _rounded(entry.birnbaum)
        return (
            1.0 if fv is None else -fv,
            1.0 if birnbaum is None else -birnbaum,
            first_cut.get(entry.event_id, len(cut_sets)),
            entry.event_id,
        )

    return sorted(entries, key=rank)


def _rounded(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.12g}")
