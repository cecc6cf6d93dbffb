"""Tests of the fault-tree engine.

Known answers are computed here by brute force over every assignment of the
basic events (which fail, which do not), independently of the engine: the
minimal cut sets are the smallest failing sets, the probability is the sum
over the assignments that cause the top event.
"""

from __future__ import annotations

import itertools
import json
import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hindsight import faulttree
from hindsight.faulttree import analyze_fault_tree, check_structure

EXAMPLE_YAML = """
event: Users cannot log in
gate: or
children:
  - event: Database connection pool exhausted
    gate: and
    children:
      - event: Retry path leaks a connection on exception
        id: leak
        probability: 0.05
      - event: No alert on pool saturation
        id: no-alert
        probability: 0.5
  - event: auth-service crash loop
    id: crash
    probability: 0.01
"""


# --------------------------------------------------------------------------
# Brute force, written without the engine


def key_of(node: dict) -> str:
    return node["id"] if "id" in node else node["event"]


def events_of(tree: dict) -> list[str]:
    if "children" not in tree:
        return [key_of(tree)]
    found = itertools.chain.from_iterable(events_of(c) for c in tree["children"])
    return list(dict.fromkeys(found))


def happens(tree: dict, failed: frozenset) -> bool:
    if "children" not in tree:
        return key_of(tree) in failed
    outcomes = (happens(child, failed) for child in tree["children"])
    return all(outcomes) if tree["gate"] == "and" else any(outcomes)


class BruteForce:
    """Every assignment of a small tree: which sets of failed events cause
    the top event."""

    def __init__(self, tree: dict) -> None:
        self.keys = events_of(tree)
        subsets = (
            frozenset(itertools.compress(self.keys, bits))
            for bits in itertools.product([0, 1], repeat=len(self.keys))
        )
        self.failing = [failed for failed in subsets if happens(tree, failed)]

    def cut_sets(self) -> list[list[str]]:
        # And/or trees are monotone: a failing set is minimal when leaving
        # out any one of its events stops the top event.
        failing = set(self.failing)
        minimal = [
            failed
            for failed in self.failing
            if not any(failed - {key} in failing for key in failed)
        ]
        return sorted((sorted(s) for s in minimal), key=lambda s: (len(s), s))

    def probability(self, chances: dict, fixed: dict | None = None) -> float:
        """P(top), with the events in `fixed` set to failed (True) or not."""
        fixed = fixed or {}
        total = 0.0
        for failed in self.failing:
            weight = 1.0
            for key in self.keys:
                if key in fixed:
                    weight *= 1.0 if fixed[key] == (key in failed) else 0.0
                else:
                    weight *= chances[key] if key in failed else 1 - chances[key]
            total += weight
        return total


def brute_cut_sets(tree: dict) -> list[list[str]]:
    return BruteForce(tree).cut_sets()


def brute_probability(tree: dict, chances: dict, fixed: dict | None = None) -> float:
    return BruteForce(tree).probability(chances, fixed)


def leaf(key: str, probability: float | None = None, **extra) -> dict:
    node = {"event": f"Event {key}", "id": key, **extra}
    if probability is not None:
        node["probability"] = probability
    return node


def gate(kind: str, *children: dict, event: str = "Gate") -> dict:
    return {"event": event, "gate": kind, "children": list(children)}


def assert_matches_brute_force(tree: dict, chances: dict) -> None:
    result = analyze_fault_tree(tree)
    assert result.minimal_cut_sets == brute_cut_sets(tree)
    assert result.cut_set_count == len(result.minimal_cut_sets)
    assert not result.cut_sets_truncated
    assert result.top_event_probability == pytest.approx(
        brute_probability(tree, chances), abs=1e-12
    )


# --------------------------------------------------------------------------
# Known answers


def test_example_tree_gives_the_documented_cut_sets_and_probability():
    tree = yaml.safe_load(EXAMPLE_YAML)
    result = analyze_fault_tree(tree)
    assert check_structure(tree) == []
    assert result.minimal_cut_sets == [["crash"], ["leak", "no-alert"]]
    assert result.minimal_cut_sets == brute_cut_sets(tree)
    expected = 1 - (1 - 0.05 * 0.5) * (1 - 0.01)
    assert result.top_event_probability == pytest.approx(expected, abs=1e-12)
    assert result.top_event == "Users cannot log in"
    assert result.basic_events == {
        "leak": "Retry path leaks a connection on exception",
        "no-alert": "No alert on pool saturation",
        "crash": "auth-service crash loop",
    }


def test_example_to_dict_is_json_ready_and_rounded():
    data = analyze_fault_tree(yaml.safe_load(EXAMPLE_YAML)).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["minimal_cut_sets"] == [["crash"], ["leak", "no-alert"]]
    assert data["top_event_probability"] == 0.03475
    assert data["cut_sets_truncated"] is False
    assert data["cut_set_count"] == 2
    assert [entry["event_id"] for entry in data["importance"]] == [
        "leak",
        "no-alert",
        "crash",
    ]


def test_example_importance_matches_definitions():
    tree = yaml.safe_load(EXAMPLE_YAML)
    chances = {"leak": 0.05, "no-alert": 0.5, "crash": 0.01}
    top = brute_probability(tree, chances)
    for entry in analyze_fault_tree(tree).importance:
        given_true = brute_probability(tree, chances, {entry.event_id: True})
        given_false = brute_probability(tree, chances, {entry.event_id: False})
        assert entry.probability == chances[entry.event_id]
        assert entry.birnbaum == pytest.approx(given_true - given_false, abs=1e-12)
        assert entry.fussell_vesely == pytest.approx(1 - given_false / top, abs=1e-12)


def test_shared_event_under_an_and_gate_is_counted_once():
    # (A or B) and (A or C): A alone suffices; multiplying the two gates'
    # probabilities would count A twice.
    chances = {"A": 0.3, "B": 0.2, "C": 0.4}
    tree = gate(
        "and",
        gate("or", leaf("A", 0.3), leaf("B", 0.2)),
        gate("or", leaf("A", 0.3), leaf("C", 0.4)),
    )
    result = analyze_fault_tree(tree)
    assert result.minimal_cut_sets == [["A"], ["B", "C"]]
    exact = 0.3 + 0.7 * 0.2 * 0.4
    gate_by_gate = (1 - 0.7 * 0.8) * (1 - 0.7 * 0.6)
    assert result.top_event_probability == pytest.approx(exact, abs=1e-12)
    assert abs(result.top_event_probability - gate_by_gate) > 0.01
    assert_matches_brute_force(tree, chances)


def test_shared_event_under_an_or_gate_is_counted_once():
    chances = {"A": 0.3, "B": 0.2, "C": 0.4}
    tree = gate(
        "or",
        gate("and", leaf("A", 0.3), leaf("B", 0.2)),
        gate("and", leaf("A", 0.3), leaf("C", 0.4)),
    )
    result = analyze_fault_tree(tree)
    assert result.minimal_cut_sets == [["A", "B"], ["A", "C"]]
    exact = 0.3 * (1 - 0.8 * 0.6)
    assert result.top_event_probability == pytest.approx(exact, abs=1e-12)
    assert_matches_brute_force(tree, chances)


def test_absorption_removes_a_superset_cut_set():
    tree = gate("or", leaf("A", 0.25), gate("and", leaf("A"), leaf("B", 0.5)))
    result = analyze_fault_tree(tree)
    assert result.minimal_cut_sets == [["A"]]
    assert result.top_event_probability == pytest.approx(0.25, abs=1e-12)
    by_id = {entry.event_id: entry for entry in result.importance}
    assert by_id["B"].birnbaum == pytest.approx(0.0, abs=1e-12)
    assert by_id["B"].fussell_vesely == pytest.approx(0.0, abs=1e-12)
    assert [entry.event_id for entry in result.importance] == ["A", "B"]


def test_events_without_id_are_keyed_by_their_text():
    tree = gate(
        "and",
        {"event": "Disk full", "probability": 0.1},
        gate("or", {"event": "Disk full"}, {"event": "No cleanup", "probability": 0.2}),
    )
    result = analyze_fault_tree(tree)
    assert result.minimal_cut_sets == [["Disk full"]]
    assert result.basic_events == {"Disk full": "Disk full", "No cleanup": "No cleanup"}
    assert result.top_event_probability == pytest.approx(0.1, abs=1e-12)


def test_a_single_basic_event_is_a_tree_of_its_own():
    result = analyze_fault_tree({"event": "Power cut", "probability": 0.02})
    assert result.minimal_cut_sets == [["Power cut"]]
    assert result.top_event_probability == pytest.approx(0.02)


def test_deep_chain_with_shared_events_matches_brute_force():
    ids = [f"e{i}" for i in range(6)]
    chances = {key: 0.05 + 0.1 * number for number, key in enumerate(ids)}
    tree = leaf(ids[0], chances[ids[0]])
    for level in range(1, 150):
        key = ids[level % len(ids)]
        kind = "and" if level % 3 else "or"
        tree = gate(kind, leaf(key, chances[key]), tree, event=f"Level {level}")
    assert check_structure(tree) == []
    assert_matches_brute_force(tree, chances)


def test_wide_tree_with_overlapping_gates_matches_brute_force():
    ids = [f"e{i}" for i in range(10)]
    chances = {key: 0.02 * (number + 1) for number, key in enumerate(ids)}
    terms = [
        gate(
            "and",
            *(
                leaf(ids[(start + step) % 10], chances[ids[(start + step) % 10]])
                for step in (0, 3, 7)
            ),
            event=f"Term {start}",
        )
        for start in range(10)
    ]
    tree = gate("or", *terms, gate("and", *(leaf(k, chances[k]) for k in ids[:2])))
    assert_matches_brute_force(tree, chances)


def test_wide_or_of_many_events_has_one_cut_set_each():
    chances = {f"e{i:03}": 0.001 * (i % 7 + 1) for i in range(250)}
    tree = gate("or", *(leaf(key, p) for key, p in chances.items()))
    result = analyze_fault_tree(tree)
    assert result.minimal_cut_sets == [[key] for key in sorted(chances)]
    expected = 1 - math.prod(1 - p for p in chances.values())
    assert result.top_event_probability == pytest.approx(expected, abs=1e-12)


def test_tree_without_probabilities_still_gives_cut_sets():
    tree = yaml.safe_load(EXAMPLE_YAML)
    for node in (tree["children"][0]["children"][0], tree["children"][1]):
        del node["probability"]
    del tree["children"][0]["children"][1]["probability"]
    result = analyze_fault_tree(tree)
    assert result.top_event_probability is None
    assert result.probability_skipped is False
    assert result.minimal_cut_sets == [["crash"], ["leak", "no-alert"]]
    assert all(entry.birnbaum is None for entry in result.importance)
    assert all(entry.fussell_vesely is None for entry in result.importance)
    # Without figures, the events of the smallest cut sets come first.
    assert [entry.event_id for entry in result.importance][0] == "crash"
    assert result.to_dict()["top_event_probability"] is None


def test_one_missing_probability_means_no_probability_and_a_warning():
    tree = yaml.safe_load(EXAMPLE_YAML)
    del tree["children"][1]["probability"]
    problems = check_structure(tree)
    assert [(p.path, p.severity) for p in problems] == [(("children", 1), "warning")]
    assert "'auth-service crash loop' has no probability" in problems[0].message
    assert analyze_fault_tree(tree).top_event_probability is None


def test_probability_given_once_applies_to_every_repeat():
    tree = gate("and", leaf("A", 0.5), gate("or", leaf("A"), leaf("B", 0.1)))
    assert check_structure(tree) == []
    assert analyze_fault_tree(tree).top_event_probability == pytest.approx(0.5)


def test_invalid_tree_is_refused_with_value_error():
    with pytest.raises(ValueError, match="has children but no gate"):
        analyze_fault_tree({"event": "Top", "children": [leaf("A")]})


# --------------------------------------------------------------------------
# Caps and budgets


def test_huge_number_of_cut_sets_is_capped_and_counted():
    # 30 redundant groups of 10: one event from each group is a cut set.
    groups = [
        gate("or", *(leaf(f"g{g:02}e{e}", 0.1) for e in range(10)), event=f"G{g}")
        for g in range(30)
    ]
    result = analyze_fault_tree(gate("and", *groups))
    assert result.cut_sets_truncated is True
    assert result.cut_set_count == 10**30
    assert len(result.minimal_cut_sets) == faulttree.MAX_CUT_SETS
    assert len({tuple(s) for s in result.minimal_cut_sets}) == faulttree.MAX_CUT_SETS
    for cut_set in result.minimal_cut_sets[:50]:
        assert sorted({key[:3] for key in cut_set}) == [f"g{g:02}" for g in range(30)]
    assert result.top_event_probability == pytest.approx((1 - 0.9**10) ** 30)


def test_cap_keeps_the_smallest_cut_sets(monkeypatch):
    tree = gate(
        "or",
        leaf("Z"),
        gate("and", leaf("A"), leaf("B")),
        gate("and", leaf("C"), leaf("D")),
        gate("and", leaf("E"), leaf("F"), leaf("G")),
    )
    monkeypatch.setattr(faulttree, "MAX_CUT_SETS", 2)
    result = analyze_fault_tree(tree)
    assert result.minimal_cut_sets == [["Z"], ["A", "B"]]
    assert result.cut_sets_truncated is True
    assert result.cut_set_count == 4


def test_probability_past_the_budget_is_skipped_not_guessed(monkeypatch):
    tree = yaml.safe_load(EXAMPLE_YAML)
    monkeypatch.setattr(faulttree, "WORK_BUDGET", 0)
    result = analyze_fault_tree(tree)
    assert result.probability_skipped is True
    assert result.top_event_probability is None
    assert all(entry.fussell_vesely is None for entry in result.importance)


def tree_with_300_events() -> tuple[dict, float]:
    """A deep chain of ORs over 145 triples (a_i, b_i, one of 10 common
    causes), and its probability worked out by conditioning on the causes."""
    causes = [f"cause{j}" for j in range(10)]
    p_cause, p_a, p_b = 0.02, 0.3, 0.2
    terms = [
        gate(
            "and",
            leaf(f"a{i}", p_a),
            leaf(f"b{i}", p_b),
            leaf(causes[i % 10], p_cause),
            event=f"Path {i}",
        )
        for i in range(145)
    ]
    tree = terms[-1]
    for term in reversed(terms[:-1]):
        tree = gate("or", term, tree, event="Either")
    survive = 1.0
    for j in range(10):
        members = len(range(j, 145, 10))
        survive *= (1 - p_cause) + p_cause * (1 - p_a * p_b) ** members
    return tree, 1 - survive


def test_tree_with_300_events_wide_deep_and_shared_runs():
    tree, expected = tree_with_300_events()
    result = analyze_fault_tree(tree)
    assert len(result.basic_events) == 300
    assert result.cut_set_count == 145
    assert not result.cut_sets_truncated
    assert result.top_event_probability == pytest.approx(expected, abs=1e-12)
    assert result.importance[0].event_id.startswith("cause")


# --------------------------------------------------------------------------
# Random trees against brute force


@st.composite
def random_trees(draw) -> tuple[dict, dict[str, float] | None]:
    """Trees of up to 10 basic events, often repeated, some without an id."""
    count = draw(st.integers(1, 10))
    chance = st.one_of(st.sampled_from([0.0, 1.0, 0.5]), st.floats(0, 1))
    chances = draw(st.lists(chance, min_size=count, max_size=count))
    with_id = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    with_probability = draw(st.booleans())
    omit_on_repeats = draw(st.booleans())
    seen: set[int] = set()
    keys: dict[int, str] = {}

    def basic_event(number: int) -> dict:
        node = {"event": f"Basic event {number}"}
        if with_id[number]:
            node["id"] = f"e{number}"
        keys[number] = key_of(node)
        if with_probability and not (omit_on_repeats and number in seen):
            node["probability"] = chances[number]
        seen.add(number)
        return node

    def node(depth: int) -> dict:
        if depth == 0 or draw(st.integers(0, 2)) == 0:
            return basic_event(draw(st.integers(0, count - 1)))
        kind = draw(st.sampled_from(["and", "or"]))
        width = draw(st.integers(1, 4))
        return gate(kind, *(node(depth - 1) for _ in range(width)))

    tree = node(draw(st.integers(0, 4)))
    if not with_probability:
        return tree, None
    return tree, {keys[number]: chances[number] for number in seen}


@settings(max_examples=150, deadline=None)
@given(random_trees())
def test_random_trees_match_brute_force(case):
    tree, chances = case
    assert [p for p in check_structure(tree) if p.severity == "error"] == []
    result = analyze_fault_tree(tree)
    brute = BruteForce(tree)
    assert result.minimal_cut_sets == brute.cut_sets()
    assert result.cut_set_count == len(result.minimal_cut_sets)
    if chances is None:
        assert result.top_event_probability is None
        return
    top = brute.probability(chances)
    assert result.top_event_probability == pytest.approx(top, abs=1e-9)
    for entry in result.importance:
        given_true = brute.probability(chances, {entry.event_id: True})
        given_false = brute.probability(chances, {entry.event_id: False})
        assert entry.birnbaum == pytest.approx(given_true - given_false, abs=1e-9)
        if top == 0:
            assert entry.fussell_vesely is None
        else:
            fv = 1 - given_false / top
            assert entry.fussell_vesely == pytest.approx(fv, abs=1e-9)
    assert_most_risk_first(result.importance)


def assert_most_risk_first(importance: list) -> None:
    ranks = [(entry.fussell_vesely or 0.0, entry.birnbaum) for entry in importance]
    for higher, lower in itertools.pairwise(ranks):
        assert higher[0] >= lower[0] - 1e-9
        if f"{higher[0]:.12g}" == f"{lower[0]:.12g}":
            assert higher[1] >= lower[1] - 1e-9


@settings(max_examples=150, deadline=None)
@given(random_trees(), st.integers(0, 30), st.integers(0, 600))
def test_past_the_budget_every_cut_set_up_to_some_size_is_listed(
    case, budget, retry_budget
):
    tree, _ = case
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(faulttree, "WORK_BUDGET", budget)
        patch.setattr(faulttree, "RETRY_BUDGET", retry_budget)
        result = analyze_fault_tree(tree)
    expected = brute_cut_sets(tree)
    if result.cut_set_count is not None:
        assert result.minimal_cut_sets == expected
        return
    assert result.cut_sets_truncated
    largest = max((len(s) for s in result.minimal_cut_sets), default=0)
    assert result.minimal_cut_sets == [s for s in expected if len(s) <= largest]


def test_past_the_budget_small_cut_sets_come_first():
    # Two single events beside 4 groups of 3 under an AND (81 cut sets of 4
    # events). Every retry budget must give a complete prefix by size, and
    # some budget lists the small sets only.
    groups = [
        gate("or", *(leaf(f"g{g}e{e}") for e in range(3)), event=f"G{g}")
        for g in range(4)
    ]
    tree = gate("or", leaf("solo1"), gate("and", *groups), leaf("solo2"))
    expected = brute_cut_sets(tree)
    seen = set()
    for retry_budget in range(0, 400, 5):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(faulttree, "WORK_BUDGET", 10)
            patch.setattr(faulttree, "RETRY_BUDGET", retry_budget)
            result = analyze_fault_tree(tree)
        listed = result.minimal_cut_sets
        assert result.cut_sets_truncated == (result.cut_set_count is None)
        largest = max((len(s) for s in listed), default=0)
        assert listed == [s for s in expected if len(s) <= largest]
        seen.add(len(listed))
    assert {0, 2, len(expected)} <= seen


# --------------------------------------------------------------------------
# Structure rules


def test_valid_tree_has_no_problems():
    assert check_structure(yaml.safe_load(EXAMPLE_YAML)) == []


def only_problem(tree: object):
    problems = check_structure(tree)
    assert len(problems) == 1, problems
    return problems[0]


def with_child(child: object, **top) -> dict:
    return {"event": "Top", "gate": "or", "children": [child], **top}


STRUCTURE_CASES = {
    "tree not a mapping": (
        ["Leak"],
        (),
        ["must be a mapping with an `event`", "not a list"],
    ),
    "child as plain text": (
        with_child("Leak"),
        ("children", 0),
        ["Child 1 of 'Top' is the plain text 'Leak'", "`- event: Leak`"],
    ),
    "child a number": (
        with_child(3),
        ("children", 0),
        ["Child 1 of 'Top' is a number, not a node"],
    ),
    "missing event": (
        with_child({"id": "leak"}),
        ("children", 0),
        ["A child of 'Top' has no `event`"],
    ),
    "empty event": (
        {"event": "  "},
        ("event",),
        ["The top event has an empty or non-text `event`"],
    ),
    "unknown key with a close name": (
        with_child({"event": "Leak", "probabilty": 0.1}),
        ("children", 0, "probabilty"),
        ["'Leak' has an unknown key 'probabilty'; did you mean 'probability'?"],
    ),
    "unknown key without a close name": (
        with_child({"event": "Leak", "owner": "ops"}),
        ("children", 0, "owner"),
        ["unknown key 'owner'", "event, gate, children, id, probability"],
    ),
    "children but no gate": (
        {"event": "Top", "children": [{"event": "Leak"}]},
        (),
        ["'Top' has children but no gate", "`gate: and`", "`gate: or`"],
    ),
    "gate in capitals": (
        with_child({"event": "Leak"}, gate="AND"),
        ("gate",),
        ["'Top' has gate 'AND', which is not `and` or `or`", "did you mean 'and'?"],
    ),
    "gate misspelt": (
        with_child({"event": "Leak"}, gate="orr"),
        ("gate",),
        ["did you mean 'or'?"],
    ),
    "gate not text": (
        with_child({"event": "Leak"}, gate=True),
        ("gate",),
        ["has gate True", "use `and` or `or`"],
    ),
    "gate on a leaf": (
        with_child({"event": "Leak", "gate": "and"}),
        ("children", 0, "gate"),
        ["'Leak' has gate 'and' but no children"],
    ),
    "children empty": (
        {"event": "Top", "gate": "and", "children": []},
        ("children",),
        ["The `children` of 'Top' must be a non-empty list, not empty"],
    ),
    "children not a list": (
        {"event": "Top", "gate": "and", "children": "Leak"},
        ("children",),
        ["The `children` of 'Top' must be a non-empty list, not text"],
    ),
    "probability on a gate": (
        with_child({"event": "Leak"}, probability=0.2),
        ("probability",),
        ["'Top' is a gate and has a probability"],
    ),
    "probability as text": (
        with_child({"event": "Leak", "probability": "high"}),
        ("children", 0, "probability"),
        ["The probability of 'Leak' must be a number from 0 to 1, got 'high'"],
    ),
    "probability as a percentage": (
        with_child({"event": "Leak", "probability": "5%"}),
        ("children", 0, "probability"),
        ["got the text '5%'; write 0.05."],
    ),
    "probability in exponent form that YAML reads as text": (
        yaml.safe_load(
            "{event: T, gate: or, children: [{event: Leak, probability: 1e-9}]}"
        ),
        ("children", 0, "probability"),
        ["got the text '1e-9'; write 1.0e-09."],
    ),
    "probability as a boolean": (
        with_child({"event": "Leak", "probability": True}),
        ("children", 0, "probability"),
        ["must be a number from 0 to 1, got True"],
    ),
    "probability above one": (
        with_child({"event": "Leak", "probability": 1.5}),
        ("children", 0, "probability"),
        ["must be a number from 0 to 1, got 1.5"],
    ),
    "probability below zero": (
        with_child({"event": "Leak", "probability": -0.1}),
        ("children", 0, "probability"),
        ["got -0.1"],
    ),
    "probability not a number": (
        with_child({"event": "Leak", "probability": float("nan")}),
        ("children", 0, "probability"),
        ["got nan"],
    ),
    "id on a gate": (
        with_child({"event": "Leak"}, id="top"),
        ("id",),
        ["'Top' is a gate and has id 'top'", "ids name basic events"],
    ),
    "id not text": (
        with_child({"event": "Leak", "id": 7}),
        ("children", 0, "id"),
        ["The id of 'Leak' must be non-empty text, got 7"],
    ),
    "same id, other event text": (
        gate("or", leaf("leak"), {"event": "Pool full", "id": "leak"}, event="Top"),
        ("children", 1, "event"),
        ["Id 'leak' stands for 'Pool full' here", "'Event leak' at children[0]"],
    ),
    "same id, other probability": (
        gate("or", leaf("leak", 0.1), leaf("leak", 0.2), event="Top"),
        ("children", 1, "probability"),
        [
            "Basic event id 'leak' ('Event leak') has probability 0.2 here",
            "but 0.1 at children[0]",
        ],
    ),
    "same text without id, other probability": (
        gate(
            "and",
            {"event": "Disk full", "probability": 0.1},
            gate("or", {"event": "Disk full", "probability": 0.3}, leaf("x", 0.5)),
            event="Top",
        ),
        ("children", 1, "children", 0, "probability"),
        ["'Disk full' has probability 0.3 here but 0.1 at children[0]"],
    ),
}


@pytest.mark.parametrize(
    ("tree", "path", "words"), STRUCTURE_CASES.values(), ids=STRUCTURE_CASES.keys()
)
def test_structure_rule_reports_path_and_words(tree, path, words):
    problem = only_problem(tree)
    assert problem.path == path
    assert problem.severity == "error"
    for word in words:
        assert word in problem.message
    with pytest.raises(ValueError):
        analyze_fault_tree(tree)


@pytest.mark.parametrize("text", ["5%", "1e-4", "1e-9", "25e-8"])
def test_suggested_probability_is_read_by_yaml_as_that_number(text):
    tree = yaml.safe_load(f"{{event: Leak, probability: {text}}}")
    message = only_problem(tree).message
    suggestion = message.rsplit("write ", 1)[1].rstrip(".")
    expected = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    assert yaml.safe_load(f"p: {suggestion}")["p"] == pytest.approx(expected)


def test_every_problem_is_reported_not_only_the_first():
    tree = {
        "event": "Top",
        "gate": "xor",
        "probability": 0.5,
        "children": [{"event": "", "probability": 2}, "Leak"],
    }
    paths = [problem.path for problem in check_structure(tree)]
    assert paths == [
        ("gate",),
        ("probability",),
        ("children", 0, "event"),
        ("children", 0, "probability"),
        ("children", 1),
    ]


def test_same_text_with_and_without_id_is_a_warning():
    tree = gate("or", leaf("leak"), {"event": "Event leak"}, event="Top")
    problem = only_problem(tree)
    assert problem.severity == "warning"
    assert problem.path == ("children", 1)
    assert "add `id: leak` here" in problem.message
    assert len(analyze_fault_tree(tree).basic_events) == 2


def test_tree_deeper_than_the_limit_is_a_problem_not_a_crash():
    tree = leaf("bottom")
    for level in range(5000):
        tree = gate("and", tree, event=f"Level {level}")
    problem = only_problem(tree)
    assert problem.path == ("children", 0) * (faulttree.MAX_DEPTH + 1)
    assert f"more than {faulttree.MAX_DEPTH} levels below the top event" in (
        problem.message
    )
    with pytest.raises(ValueError):
        analyze_fault_tree(tree)


def test_tree_at_the_depth_limit_is_accepted():
    tree = leaf("bottom", 0.5)
    for level in range(faulttree.MAX_DEPTH):
        tree = gate("or", tree, event=f"Level {level}")
    assert check_structure(tree) == []
    assert analyze_fault_tree(tree).top_event_probability == pytest.approx(0.5)
