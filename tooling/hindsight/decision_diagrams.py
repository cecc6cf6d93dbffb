"""Decision diagrams over the basic events of a fault tree.

A reduced ordered binary decision diagram (:class:`Bdd`) decides each basic
event once on every path, which makes the top-event probability exact also
for events repeated under several gates. A zero-suppressed diagram
(:class:`Zdd`) stores families of sets compactly; the fault-tree analysis
builds the minimal cut sets in one, with absorption at every gate. Every
memoised step counts against a budget, so a hostile tree raises
:class:`Overflow` instead of running for long or filling the memory.

This module uses the standard library only.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


class Overflow(Exception):
    """A decision diagram needed more steps than its budget allows."""


class Diagram:
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
            raise Overflow
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


class Bdd(Diagram):
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


ABSORBING = {"and": 0, "or": 1}


class Zdd(Diagram):
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
def recursion_room(frames: int) -> Iterator[None]:
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
