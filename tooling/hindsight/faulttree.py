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
The minimal cut sets are read off that diagram as a zero-suppressed diagram
(ZDD), so absorption is exact and their number is known before any is listed.

This module is a leaf: it uses the standard library only.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

NODE_KEYS = ("event", "gate", "children", "id", "probability")
GATES = ("and", "or")
MAX_DEPTH = 200
MAX_CUT_SETS = 10_000

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class TreeProblem:
    """One problem in a fault tree, at a path inside `analysis.fault_tree`."""

    path: Path
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class _Leaf:
    """One occurrence of a basic event, as written in the tree."""

    key: str
    event: str
    probability: float | None
    path: Path
    has_id: bool
    has_probability: bool


# --------------------------------------------------------------------------
# Structure checks


def check_structure(tree: object) -> list[TreeProblem]:
    """Return every problem of a fault tree, in tree order.

    Errors make the tree unusable for analysis; warnings point at results
    that will be less than a reviewer expects (no probability, for example).
    """
    problems: list[TreeProblem] = []
    leaves: list[_Leaf] = []
    _check_node(tree, (), 0, None, problems, leaves)
    problems.extend(_check_repeats(leaves))
    problems.extend(_check_missing_probabilities(leaves))
    return problems


def _check_node(node, path, depth, parent, problems, leaves) -> None:
    if not isinstance(node, dict):
        problems.append(TreeProblem(path, _not_a_node(node, path, parent)))
        return
    name = _name(node, path)
    if depth > MAX_DEPTH:
        problems.append(TreeProblem(path, _too_deep(name)))
        return
    problems.extend(_check_event(node, path, parent))
    problems.extend(_check_keys(node, path, name))
    if "children" in node:
        problems.extend(_check_gate_node(node, path, name))
        children = node["children"]
        if isinstance(children, list):
            for index, child in enumerate(children):
                child_path = (*path, "children", index)
                _check_node(child, child_path, depth + 1, name, problems, leaves)
    else:
        leaf_problems = _check_leaf(node, path, name)
        problems.extend(leaf_problems)
        leaf = _leaf_record(node, path, leaf_problems)
        if leaf is not None:
            leaves.append(leaf)


def _not_a_node(node: object, path: Path, parent: str | None) -> str:
    if parent is None:
        return (
            "The fault tree must be a mapping with an `event` (the top event), "
            f"not {_kind(node)}."
        )
    position = f"Child {path[-1] + 1} of {parent}"
    if isinstance(node, str):
        return (
            f"{position} is the plain text {node!r}, not a node; "
            f"write it as `- event: {node}`."
        )
    return f"{position} is {_kind(node)}, not a node; write it as `- event: ...`."


def _too_deep(name: str) -> str:
    return (
        f"{_cap(name)} is more than {MAX_DEPTH} levels below the top event; "
        "flatten the tree (nothing below it was checked)."
    )


def _check_event(node: dict, path: Path, parent: str | None) -> list[TreeProblem]:
    where = "The top event" if parent is None else f"A child of {parent}"
    if "event" not in node:
        message = f"{where} has no `event`; add a short text saying what happened."
        return [TreeProblem(path, message)]
    text = node["event"]
    if not isinstance(text, str) or not text.strip():
        message = (
            f"{where} has an empty or non-text `event` ({text!r}); "
            "write what happened as text."
        )
        return [TreeProblem((*path, "event"), message)]
    return []


def _check_keys(node: dict, path: Path, name: str) -> list[TreeProblem]:
    problems = []
    for key in node:
        if key in NODE_KEYS:
            continue
        hint = _closest(str(key), NODE_KEYS)
        advice = (
            f"did you mean {hint!r}?"
            if hint
            else "the keys of a node are " + ", ".join(NODE_KEYS) + "."
        )
        message = f"{_cap(name)} has an unknown key {key!r}; {advice}"
        problems.append(TreeProblem((*path, key), message))
    return problems


def _check_gate_node(node: dict, path: Path, name: str) -> list[TreeProblem]:
    problems = []
    if "gate" not in node:
        message = (
            f"{_cap(name)} has children but no gate; add `gate: and` (all "
            "children needed) or `gate: or` (any child is enough)."
        )
        problems.append(TreeProblem(path, message))
    elif node["gate"] not in GATES:
        problems.append(TreeProblem((*path, "gate"), _bad_gate(name, node["gate"])))
    children = node["children"]
    if not isinstance(children, list) or not children:
        message = (
            f"{_cap(name)} has `children` that is not a non-empty list "
            f"({children!r}); list at least one child event."
        )
        problems.append(TreeProblem((*path, "children"), message))
    if "probability" in node:
        message = (
            f"{_cap(name)} is a gate and has a probability; put probabilities "
            "on its basic events, the gate's follows from them."
        )
        problems.append(TreeProblem((*path, "probability"), message))
    if "id" in node:
        message = (
            f"{_cap(name)} is a gate and has id {node['id']!r}; ids name basic "
            "events (leaves), so remove it or move it to a leaf."
        )
        problems.append(TreeProblem((*path, "id"), message))
    return problems


def _bad_gate(name: str, gate: object) -> str:
    hint = _closest(gate.lower(), GATES) if isinstance(gate, str) else None
    advice = f"did you mean {hint!r}?" if hint else "use `and` or `or`."
    return f"{_cap(name)} has gate {gate!r}, which is not `and` or `or`; {advice}"


def _check_leaf(node: dict, path: Path, name: str) -> list[TreeProblem]:
    problems = []
    if "gate" in node:
        message = (
            f"{_cap(name)} has gate {node['gate']!r} but no children; list its "
            "children or remove the gate."
        )
        problems.append(TreeProblem((*path, "gate"), message))
    if "id" in node:
        ident = node["id"]
        if not isinstance(ident, str) or not ident.strip():
            message = (
                f"The id of {name} must be non-empty text, got {ident!r}; "
                "quote it in YAML if it looks like a number."
            )
            problems.append(TreeProblem((*path, "id"), message))
    if "probability" in node and _probability(node["probability"]) is None:
        message = (
            f"The probability of {name} must be a number from 0 to 1, "
            f"got {node['probability']!r}."
        )
        problems.append(TreeProblem((*path, "probability"), message))
    return problems


def _leaf_record(node: dict, path: Path, problems: list) -> _Leaf | None:
    """Record a leaf for the repeat checks, unless its own checks failed."""
    bad = {problem.path[len(path) :][:1] for problem in problems}
    text = node.get("event")
    if not isinstance(text, str) or not text.strip() or ("id",) in bad:
        return None
    has_id = "id" in node
    key = node["id"].strip() if has_id else text.strip()
    probability = None if ("probability",) in bad else node.get("probability")
    has_probability = "probability" in node
    return _Leaf(key, text.strip(), probability, path, has_id, has_probability)


def _check_repeats(leaves: list[_Leaf]) -> Iterator[TreeProblem]:
    """One key is one basic event: same text and same probability everywhere."""
    first: dict[str, _Leaf] = {}
    first_probability: dict[str, _Leaf] = {}
    for leaf in leaves:
        earlier = first.setdefault(leaf.key, leaf)
        if earlier.event != leaf.event:
            yield TreeProblem((*leaf.path, "event"), _text_clash(leaf, earlier))
            continue
        if leaf.probability is None:
            continue
        given = first_probability.setdefault(leaf.key, leaf)
        if given.probability != leaf.probability:
            message = _probability_clash(leaf, given)
            yield TreeProblem((*leaf.path, "probability"), message)
    yield from _check_id_and_text_mix(leaves)


def _text_clash(leaf: _Leaf, earlier: _Leaf) -> str:
    label = f"Id {leaf.key!r}" if leaf.has_id else f"The name {leaf.key!r}"
    return (
        f"{label} stands for {leaf.event!r} here but for {earlier.event!r} at "
        f"{_where(earlier.path)}; one id (or event text without an id) must "
        "name one basic event."
    )


def _probability_clash(leaf: _Leaf, given: _Leaf) -> str:
    label = f"id {leaf.key!r} ({leaf.event!r})" if leaf.has_id else repr(leaf.event)
    return (
        f"Basic event {label} has probability {leaf.probability!r} here but "
        f"{given.probability!r} at {_where(given.path)}; a repeated event has "
        "one probability, so give the same value or leave it out on repeats."
    )


def _check_id_and_text_mix(leaves: list[_Leaf]) -> Iterator[TreeProblem]:
    ids_by_text = {leaf.event: leaf.key for leaf in leaves if leaf.has_id}
    for leaf in leaves:
        if not leaf.has_id and leaf.event in ids_by_text:
            ident = ids_by_text[leaf.event]
            message = (
                f"{leaf.event!r} appears here without an id and elsewhere with "
                f"id {ident!r}, so they count as two basic events; add "
                f"`id: {ident}` here if they are one."
            )
            yield TreeProblem(leaf.path, message, "warning")


def _check_missing_probabilities(leaves: list[_Leaf]) -> Iterator[TreeProblem]:
    given = {leaf.key for leaf in leaves if leaf.has_probability}
    if not given:
        return
    reported = set()
    for leaf in leaves:
        if leaf.key in given or leaf.key in reported:
            continue
        reported.add(leaf.key)
        message = (
            f"Basic event {leaf.event!r} has no probability while others have "
            "one, so no top-event probability can be computed; add one."
        )
        yield TreeProblem(leaf.path, message, "warning")


def _probability(value: object) -> float | None:
    """The value as a probability, or None if it is not a number in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0 <= value <= 1 else None


def _name(node: dict, path: Path) -> str:
    text = node.get("event")
    if isinstance(text, str) and text.strip():
        return repr(text.strip())
    return "the top event" if not path else f"the node at {_where(path)}"


def _where(path: Path) -> str:
    if not path:
        return "the top"
    parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in path]
    return "".join(parts).lstrip(".")


def _kind(value: object) -> str:
    names = {list: "a list", str: "text", bool: "true or false", int: "a number"}
    names |= {float: "a number", type(None): "empty"}
    return names.get(type(value), f"a value of type {type(value).__name__}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _closest(word: str, choices: tuple[str, ...]) -> str | None:
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


# --------------------------------------------------------------------------
# Decision diagrams


class _Bdd:
    """A reduced ordered BDD; node 0 is false, node 1 is true.

    Variables are numbered in the order of analysis; a node's children are
    always created before it, so node numbers order the diagram bottom-up.
    """

    def __init__(self, variables: int) -> None:
        self.var = [variables, variables]
        self.low = [0, 1]
        self.high = [0, 1]
        self._unique: dict[tuple[int, int, int], int] = {}
        self._memo: dict[tuple[str, int, int], int] = {}

    def node(self, var: int, low: int, high: int) -> int:
        if low == high:
            return low
        key = (var, low, high)
        found = self._unique.get(key)
        if found is None:
            found = self._unique[key] = len(self.var)
            self.var.append(var)
            self.low.append(low)
            self.high.append(high)
        return found

    def apply(self, gate: str, a: int, b: int) -> int:
        """The gate over two diagrams (Shannon decomposition, memoised)."""
        if a > b:
            a, b = b, a
        done = _gate_shortcut(gate, a, b)
        if done is not None:
            return done
        key = (gate, a, b)
        found = self._memo.get(key)
        if found is None:
            top = min(self.var[a], self.var[b])
            a0, a1 = self._cofactors(a, top)
            b0, b1 = self._cofactors(b, top)
            low = self.apply(gate, a0, b0)
            found = self.node(top, low, self.apply(gate, a1, b1))
            self._memo[key] = found
        return found

    def _cofactors(self, node: int, var: int) -> tuple[int, int]:
        if self.var[node] != var:
            return node, node
        return self.low[node], self.high[node]

    def reachable(self, root: int) -> list[int]:
        """Inner nodes under root, bottom-up."""
        seen, stack = set(), [root]
        while stack:
            node = stack.pop()
            if node > 1 and node not in seen:
                seen.add(node)
                stack += (self.low[node], self.high[node])
        return sorted(seen)


def _gate_shortcut(gate: str, a: int, b: int) -> int | None:
    """The result when it needs no decomposition (a <= b)."""
    if a == b:
        return a
    if gate == "and":
        return 0 if a == 0 else (b if a == 1 else None)
    return b if a == 0 else (1 if a == 1 else None)


class _Zdd:
    """A zero-suppressed diagram of a family of sets; 0 is {}, 1 is {{}}."""

    def __init__(self) -> None:
        self.var = [sys.maxsize, sys.maxsize]
        self.low = [0, 1]
        self.high = [0, 1]
        self._unique: dict[tuple[int, int, int], int] = {}
        self._memo: dict[tuple[int, int], int] = {}

    def node(self, var: int, low: int, high: int) -> int:
        """The family low + {s | {var} : s in high}."""
        if high == 0:
            return low
        key = (var, low, high)
        found = self._unique.get(key)
        if found is None:
            found = self._unique[key] = len(self.var)
            self.var.append(var)
            self.low.append(low)
            self.high.append(high)
        return found

    def without(self, p: int, q: int) -> int:
        """The sets of p that have no subset in q."""
        if p == 0 or q == 1 or p == q:
            return 0
        if q == 0:
            return p
        if p == 1:
            return 0 if self._has_empty_set(q) else 1
        key = (p, q)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._without_step(p, q)
        return found

    def _without_step(self, p: int, q: int) -> int:
        vp, vq = self.var[p], self.var[q]
        if vq < vp:
            return self.without(p, self.low[q])
        low = self.without(self.low[p], q if vp < vq else self.low[q])
        high = self.without(self.high[p], q if vp < vq else self.low[q])
        if vp == vq:
            high = self.without(high, self.high[q])
        return self.node(vp, low, high)

    def _has_empty_set(self, q: int) -> bool:
        while q > 1:
            q = self.low[q]
        return q == 1

    def sizes(self, root: int) -> list[dict[int, int]]:
        """For each node, how many of its sets there are of each size."""
        counts: list[dict[int, int]] = [{}, {0: 1}]
        for node in range(2, root + 1):
            merged = dict(counts[self.low[node]])
            for size, count in counts[self.high[node]].items():
                merged[size + 1] = merged.get(size + 1, 0) + count
            counts.append(merged)
        return counts

    def sets_of_size(self, root: int, size: int, counts: list) -> Iterator[tuple]:
        """The sets of one size, each found without a dead end."""
        stack = [(root, size, ())]
        while stack:
            node, need, chosen = stack.pop()
            if node <= 1:
                yield chosen
                continue
            if counts[self.low[node]].get(need):
                stack.append((self.low[node], need, chosen))
            if need and counts[self.high[node]].get(need - 1):
                chosen_here = (*chosen, self.var[node])
                stack.append((self.high[node], need - 1, chosen_here))


def _minimal_solutions(bdd: _Bdd, root: int, zdd: _Zdd) -> int:
    """The minimal cut sets of a monotone function, as a ZDD."""
    family = {0: 0, 1: 1}
    for node in bdd.reachable(root):
        low = family[bdd.low[node]]
        high = zdd.without(family[bdd.high[node]], low)
        family[node] = zdd.node(bdd.var[node], low, high)
    return family[root]


@contextmanager
def _recursion_room(frames: int) -> Iterator[None]:
    """Allow the diagram operations to recurse once per variable.

    Their depth grows with the number of basic events, not with the size of
    the diagram; in Python 3.11 such calls do not grow the C stack.
    """
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, before + frames))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


# --------------------------------------------------------------------------
# Analysis


@dataclass(frozen=True)
class EventImportance:
    """How much one basic event matters to the top event.

    Birnbaum: P(top | event) - P(top | no event), how much the top event
    depends on it. Fussell-Vesely: 1 - P(top | no event) / P(top), the share
    of the risk removed if the event were made impossible.
    """

    event_id: str
    event: str
    probability: float | None
    birnbaum: float | None
    fussell_vesely: float | None


@dataclass(frozen=True)
class FaultTreeResult:
    """The analysis of one fault tree.

    `minimal_cut_sets` holds at most MAX_CUT_SETS (10,000) sets, smallest
    first; `cut_sets_truncated` says the cap was hit, and `cut_set_count`
    is the exact number of minimal cut sets either way.
    """

    top_event: str
    basic_events: dict[str, str]
    minimal_cut_sets: list[list[str]]
    cut_sets_truncated: bool
    top_event_probability: float | None
    importance: list[EventImportance]
    cut_set_count: int = 0

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
            f"the fault tree has {len(errors)} problem(s); "
            f"first: {errors[0].message}"
        )
    events: dict[str, str] = {}
    probabilities: dict[str, float] = {}
    _collect(tree, events, probabilities)
    order = list(events)
    with _recursion_room(4 * len(order) + MAX_DEPTH):
        bdd = _Bdd(len(order))
        root = _build(tree, bdd, {key: i for i, key in enumerate(order)})
        zdd = _Zdd()
        family = _minimal_solutions(bdd, root, zdd)
    cut_sets, count = _list_cut_sets(zdd, family, order)

    chances = None
    if len(probabilities) == len(order):
        chances = [probabilities[key] for key in order]
    top, importance = _importance(bdd, root, order, events, chances, cut_sets)
    return FaultTreeResult(
        top_event=tree["event"].strip(),
        basic_events=events,
        minimal_cut_sets=cut_sets,
        cut_sets_truncated=count > len(cut_sets),
        top_event_probability=top,
        importance=importance,
        cut_set_count=count,
    )


def _collect(node: dict, events: dict, probabilities: dict) -> None:
    """Basic events in order of first appearance (depth first)."""
    if "children" in node:
        for child in node["children"]:
            _collect(child, events, probabilities)
        return
    key = _key(node)
    events.setdefault(key, node["event"].strip())
    if "probability" in node:
        probabilities.setdefault(key, float(node["probability"]))


def _build(node: dict, bdd: _Bdd, index: dict[str, int]) -> int:
    if "children" not in node:
        return bdd.node(index[_key(node)], 0, 1)
    parts = [_build(child, bdd, index) for child in node["children"]]
    # Folding from the last child keeps wide gates cheap: each new child's
    # variables come before everything folded so far.
    result = parts.pop()
    while parts:
        result = bdd.apply(node["gate"], parts.pop(), result)
    return result


def _key(node: dict) -> str:
    return node["id"].strip() if "id" in node else node["event"].strip()


def _list_cut_sets(zdd: _Zdd, root: int, order: list[str]) -> tuple[list, int]:
    """Up to MAX_CUT_SETS minimal cut sets, by size, and how many there are.

    When the cap is hit, all sets of the smaller sizes are listed and the
    rest is a fixed selection of the size where the cap fell.
    """
    counts = zdd.sizes(root)
    by_size = counts[root]
    listed: list[list[str]] = []
    for size in sorted(by_size):
        room = MAX_CUT_SETS - len(listed)
        if room <= 0:
            break
        batch = []
        for found in zdd.sets_of_size(root, size, counts):
            batch.append(sorted(order[var] for var in found))
            if len(batch) == room:
                break
        listed.extend(sorted(batch))
    return listed, sum(by_size.values())


def _importance(bdd, root, order, events, chances, cut_sets):
    """Top-event probability and each event's importance, most risk first.

    One pass up the diagram gives P(top); one pass down gives, for every
    event at once, the Birnbaum figure as the sum over its decision nodes of
    (chance of reaching the node) * (P(high branch) - P(low branch)).
    """
    first_cut = {}
    for rank, cut_set in enumerate(cut_sets):
        for key in cut_set:
            first_cut.setdefault(key, rank)
    if chances is None:
        figures = {key: (None, None) for key in order}
        top = None
    else:
        top, figures = _figures(bdd, root, order, chances)

    def rank(entry: EventImportance) -> tuple:
        fv, birnbaum = entry.fussell_vesely, entry.birnbaum
        return (
            -(fv if fv is not None else -1.0),
            -(birnbaum if birnbaum is not None else -1.0),
            first_cut.get(entry.event_id, len(cut_sets)),
            entry.event_id,
        )

    entries = [
        EventImportance(
            key, events[key], None if chances is None else chances[i], *figures[key]
        )
        for i, key in enumerate(order)
    ]
    return top, sorted(entries, key=rank)


def _figures(bdd: _Bdd, root: int, order: list[str], chances: list[float]):
    nodes = bdd.reachable(root)
    prob = {0: 0.0, 1: 1.0}
    for node in nodes:
        p = chances[bdd.var[node]]
        prob[node] = (1 - p) * prob[bdd.low[node]] + p * prob[bdd.high[node]]
    top = prob[root]

    reach = dict.fromkeys(nodes, 0.0)
    reach[root] = 1.0
    birnbaum = [0.0] * len(order)
    for node in reversed(nodes):
        var, low, high = bdd.var[node], bdd.low[node], bdd.high[node]
        p, r = chances[var], reach[node]
        birnbaum[var] += r * (prob[high] - prob[low])
        if low > 1:
            reach[low] += r * (1 - p)
        if high > 1:
            reach[high] += r * p

    figures = {}
    for var, key in enumerate(order):
        b = max(0.0, birnbaum[var])
        fv = None if top == 0 else min(1.0, chances[var] * b / top)
        figures[key] = (b, fv)
    return top, figures


def _rounded(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.12g}")
