"""Structure rules of a fault tree kept in an incident file.

A node with children has an `and` or `or` gate, a leaf (a basic event) has
none; probabilities sit only on leaves and lie in [0, 1]; one id names one
event, with the same text and probability wherever it appears. Every
problem is reported with its path inside `analysis.fault_tree`, so the
validator can point at the line to edit.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

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
