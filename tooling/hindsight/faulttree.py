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

import difflib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import partial

NODE_KEYS = ("event", "gate", "children", "id", "probability")
GATES = ("and", "or")
MAX_DEPTH = 200
MAX_CUT_SETS = 10_000
WORK_BUDGET = 100_000
RETRY_BUDGET = 50_000

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
        found = "empty" if children in ([], None) else f"{_kind(children)}"
        message = (
            f"The `children` of {name} must be a non-empty list, not {found}; "
            "list at least one child event."
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
        value, written = node["probability"], _as_yaml_number(node["probability"])
        got = (
            f"{value!r}" if written is None else f"the text {value!r}; write {written}"
        )
        message = f"The probability of {name} must be a number from 0 to 1, got {got}."
        problems.append(TreeProblem((*path, "probability"), message))
    return problems


def _as_yaml_number(value: object) -> str | None:
    """A probability that YAML read as text (`5%`, `1e-4`), written so that
    YAML reads a number; None if it is no such text."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        return None
    if not 0 <= number <= 1:
        return None
    written = repr(number)
    if "e" in written:  # YAML needs a dot and a signed exponent: 1.0e-09
        mantissa, exponent = f"{number:e}".split("e")
        written = f"{mantissa.rstrip('0')}0e{exponent}"
    return written


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
    names |= {float: "a number", type(None): "empty", dict: "a mapping"}
    return names.get(type(value), f"a value of type {type(value).__name__}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _closest(word: str, choices: tuple[str, ...]) -> str | None:
    matches = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return matches[0] if matches else None


# --------------------------------------------------------------------------
# Decision diagrams


class _Overflow(Exception):
    """A decision diagram needed more steps than its budget allows."""


class _Diagram:
    """The node store shared by both kinds of diagram; 0 and 1 are terminals.

    Variables are numbered in analysis order. A node's children are created
    before it, so node numbers order a diagram bottom-up. Every memoised step
    counts against a budget, so that no tree makes the analysis run for long
    or fill the memory.
    """

    def __init__(self, budget: int) -> None:
        self.var = [sys.maxsize, sys.maxsize]
        self.low = [0, 1]
        self.high = [0, 1]
        self._unique: dict[tuple[int, int, int], int] = {}
        self._memo: dict[tuple, int] = {}
        self._budget = budget

    @property
    def work(self) -> int:
        return len(self._memo)

    def _make(self, var: int, low: int, high: int) -> int:
        key = (var, low, high)
        found = self._unique.get(key)
        if found is None:
            found = self._unique[key] = len(self.var)
            self.var.append(var)
            self.low.append(low)
            self.high.append(high)
        return found

    def _remember(self, key: tuple, node: int) -> int:
        self._memo[key] = node
        if len(self._memo) > self._budget:
            raise _Overflow
        return node

    def reachable(self, root: int) -> list[int]:
        """The inner nodes under root, bottom-up."""
        seen, stack = set(), [root]
        while stack:
            node = stack.pop()
            if node > 1 and node not in seen:
                seen.add(node)
                stack += (self.low[node], self.high[node])
        return sorted(seen)


class _Bdd(_Diagram):
    """A reduced ordered BDD: a node decides its variable, low is false."""

    def node(self, var: int, low: int, high: int) -> int:
        return low if low == high else self._make(var, low, high)

    def apply(self, absorbing: int, a: int, b: int) -> int:
        """AND (absorbing 0) or OR (absorbing 1) by Shannon decomposition."""
        if a > b:
            a, b = b, a
        if a <= 1 or a == b:
            return a if a == absorbing or a == b else b
        key = (absorbing, a, b)
        found = self._memo.get(key)
        if found is None:
            var, low, high = self.var, self.low, self.high
            top = min(var[a], var[b])
            a0, a1 = (low[a], high[a]) if var[a] == top else (a, a)
            b0, b1 = (low[b], high[b]) if var[b] == top else (b, b)
            node = self.node(
                top, self.apply(absorbing, a0, b0), self.apply(absorbing, a1, b1)
            )
            found = self._remember(key, node)
        return found


_ABSORBING = {"and": 0, "or": 1}


class _Zdd(_Diagram):
    """A zero-suppressed diagram of a family of sets: 0 is {}, 1 is {{}}.

    A node stands for low + {s + {var} : s in high}.
    """

    def node(self, var: int, low: int, high: int) -> int:
        return low if high == 0 else self._make(var, low, high)

    def _split(self, node: int, var: int) -> tuple[int, int]:
        if self.var[node] != var:
            return node, 0
        return self.low[node], self.high[node]

    def union(self, p: int, q: int) -> int:
        if p > q:
            p, q = q, p
        if p == 0 or p == q:
            return q
        key = ("|", p, q)
        found = self._memo.get(key)
        if found is None:
            var = min(self.var[p], self.var[q])
            (p0, p1), (q0, q1) = self._split(p, var), self._split(q, var)
            node = self.node(var, self.union(p0, q0), self.union(p1, q1))
            found = self._remember(key, node)
        return found

    def product(self, p: int, q: int) -> int:
        """Every union of one set of p with one set of q."""
        if p > q:
            p, q = q, p
        if p <= 1:
            return 0 if p == 0 else q
        key = ("*", p, q)
        found = self._memo.get(key)
        if found is None:
            var = min(self.var[p], self.var[q])
            (p0, p1), (q0, q1) = self._split(p, var), self._split(q, var)
            high = self.union(self.product(p1, q0), self.product(p1, q1))
            high = self.union(high, self.product(p0, q1))
            node = self.node(var, self.product(p0, q0), high)
            found = self._remember(key, node)
        return found

    def minimal(self, f: int) -> int:
        """The sets of f that contain no other set of f (absorption)."""
        if f <= 1:
            return f
        key = ("min", f)
        found = self._memo.get(key)
        if found is None:
            low = self.minimal(self.low[f])
            high = self.without(self.minimal(self.high[f]), low)
            found = self._remember(key, self.node(self.var[f], low, high))
        return found

    def without(self, p: int, q: int) -> int:
        """The sets of p that have no subset in q."""
        if p == 0 or q == 1 or p == q:
            return 0
        if q == 0:
            return p
        if p == 1:
            return 0 if self._has_empty_set(q) else 1
        key = ("-", p, q)
        found = self._memo.get(key)
        if found is None:
            var = self.var[p]
            if self.var[q] < var:
                found = self.without(p, self.low[q])
            else:
                q0, q1 = self._split(q, var)
                low = self.without(self.low[p], q0)
                high = self.without(self.without(self.high[p], q0), q1)
                found = self.node(var, low, high)
            found = self._remember(key, found)
        return found

    def up_to(self, f: int, size: int) -> int:
        """The sets of f with at most `size` members."""
        if f <= 1:
            return f
        if size == 0:
            return 1 if self._has_empty_set(f) else 0
        key = ("<=", f, size)
        found = self._memo.get(key)
        if found is None:
            low = self.up_to(self.low[f], size)
            node = self.node(self.var[f], low, self.up_to(self.high[f], size - 1))
            found = self._remember(key, node)
        return found

    def _has_empty_set(self, f: int) -> bool:
        while f > 1:
            f = self.low[f]
        return f == 1

    def sizes(self, root: int) -> dict[int, dict[int, int]]:
        """For each node under root, how many sets it has of each size."""
        counts: dict[int, dict[int, int]] = {0: {}, 1: {0: 1}}
        for node in self.reachable(root):
            merged = dict(counts[self.low[node]])
            for size, count in counts[self.high[node]].items():
                merged[size + 1] = merged.get(size + 1, 0) + count
            counts[node] = merged
        return counts

    def sets_of_size(self, root: int, size: int, counts: dict) -> Iterator[list]:
        """The sets of one size; the counts steer around dead ends."""
        # A set under construction is a chain of (var, rest) pairs, so that
        # a step costs the same however large the set already is.
        stack: list[tuple[int, int, tuple | None]] = [(root, size, None)]
        while stack:
            node, need, chosen = stack.pop()
            if node <= 1:
                found = []
                while chosen:
                    var, chosen = chosen
                    found.append(var)
                yield found
                continue
            low, high = self.low[node], self.high[node]
            if counts[low].get(need):
                stack.append((low, need, chosen))
            if need and counts[high].get(need - 1):
                stack.append((high, need - 1, (self.var[node], chosen)))


@contextmanager
def _recursion_room(frames: int) -> Iterator[None]:
    """Let the diagram operations recurse about once per variable.

    Their depth grows with the number of basic events, not with the size of
    a diagram; since Python 3.11 such calls do not grow the C stack.
    """
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(before + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


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
    with _recursion_room(4 * len(order) + 3 * MAX_DEPTH):
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


def _cut_set_family(shape: Shape, index: dict) -> tuple[_Zdd, int, bool]:
    """The minimal cut sets as a ZDD, and whether they are all there.

    All of them within WORK_BUDGET steps; past that, all those of at most
    1, 2, 3, ... events, for as long as RETRY_BUDGET steps in all allow and
    the list is below its cap.
    """
    try:
        builder = _CutSets(WORK_BUDGET, index, None)
        return builder.zdd, _fold(shape, builder.leaf, builder.gate), True
    except _Overflow:
        pass
    best, budget = (_Zdd(0), 0), RETRY_BUDGET
    for limit in range(1, len(index) + 1):
        builder = _CutSets(budget, index, limit)
        try:
            family = _fold(shape, builder.leaf, builder.gate)
        except _Overflow:
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
        self.zdd = _Zdd(budget)
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


def _list_cut_sets(zdd: _Zdd, root: int, order: list[str]) -> tuple[list, int]:
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
    bdd = _Bdd(WORK_BUDGET)
    try:
        root = _fold(
            shape,
            lambda key: bdd.node(index[key], 0, 1),
            lambda gate, parts: _pairwise(partial(bdd.apply, _ABSORBING[gate]), parts),
        )
    except _Overflow:
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
