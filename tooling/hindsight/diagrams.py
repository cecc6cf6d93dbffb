"""SVG diagrams of an incident's analysis, drawn at build time.

The fishbone (Ishikawa) diagram puts the incident at the head of a spine
and its causes on one bone per fishbone category. The fault-tree diagram
draws the top event, the gates under it and the basic events at the
leaves. Both are plain SVG documents, made without any JavaScript, that
the site shows as images; every text from an incident file is escaped
for XML, so a diagram never carries markup from its input.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

FONT = 12
LINE = 15
CHAR = 6.6  # average width of a sans-serif character at FONT, in pixels
INK = "#37474f"
ACCENT = "#c62828"
PAPER = "#ffffff"
PALE = "#eceff1"


def _lines(value: object, width: int, most: int) -> list[str]:
    """``value`` wrapped to ``width`` characters, at most ``most`` lines."""
    words = " ".join(str(value).split())
    lines = textwrap.wrap(words, width, break_long_words=True) or [""]
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: max(width - 1, 1)].rstrip() + "\u2026"
    return lines


def _text(
    x: float,
    y: float,
    lines: Sequence[str],
    anchor: str = "middle",
    weight: str = "normal",
) -> str:
    """A text element of several lines; the first line's baseline is ``y``."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" '
        f'font-weight="{weight}">{spans}</text>'
    )


def _document(width: float, height: float, label: str, body: list[str]) -> str:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label={quoteattr(label)} font-family="sans-serif" '
        f'font-size="{FONT}" fill="{INK}">\n'
        f"<title>{escape(label)}</title>\n"
        f'<rect width="100%" height="100%" fill="{PAPER}"/>\n'
        + "\n".join(body)
        + "\n</svg>\n"
    )


# Fishbone --------------------------------------------------------------------

BONE = 260  # horizontal room of one bone
SLANT = 70  # how far a bone leans back from the spine
CAUSE_CHARS = 28
HEAD_CHARS = 24


def _cause_height(cause: str) -> int:
    return len(_lines(cause, CAUSE_CHARS, 2)) * LINE + 8


def fishbone_svg(effect: str, categories: Mapping[str, Sequence[str]]) -> str:
    """A fishbone diagram: ``effect`` at the head, a bone per category.

    Categories without causes are left out; bones alternate above and
    below the spine in the order given.
    """
    bones = [(name, list(causes)) for name, causes in categories.items() if causes]
    top, bottom = bones[0::2], bones[1::2]
    half = (
        max([sum(_cause_height(c) for c in causes) for _n, causes in bones] + [40]) + 40
    )
    head = _lines(effect, HEAD_CHARS, 6)
    head_w, head_h = HEAD_CHARS * CHAR + 24, len(head) * LINE + 16
    columns = max(len(top), len(bottom), 1)
    spine_y = half + 10
    spine_end = 20 + columns * BONE + 10
    width, height = spine_end + head_w + 20, 2 * half + 20

    body = [
        f'<line x1="20" y1="{spine_y}" x2="{spine_end}" y2="{spine_y}" '
        f'stroke="{INK}" stroke-width="3"/>',
        f'<rect x="{spine_end}" y="{spine_y - head_h / 2:.1f}" width="{head_w:.1f}" '
        f'height="{head_h}" rx="6" fill="{PALE}" stroke="{ACCENT}" stroke-width="2"/>',
        _text(
            spine_end + head_w / 2, spine_y - head_h / 2 + LINE + 4, head, weight="bold"
        ),
    ]
    for side, row in ((-1, top), (1, bottom)):
        for column, (name, causes) in enumerate(row):
            body.extend(
                _bone(20 + (column + 1) * BONE, spine_y, side, half - 30, name, causes)
            )
    label = f"Fishbone diagram: {effect}"
    return _document(width, height, label, body)


def _bone(
    root_x: float,
    spine_y: float,
    side: int,
    length: float,
    name: str,
    causes: list[str],
) -> list[str]:
    """One bone from the spine at ``root_x``, up (side -1) or down (side 1)."""
    end_x, end_y = root_x - SLANT, spine_y + side * length
    parts = [
        f'<line x1="{root_x}" y1="{spine_y}" x2="{end_x}" y2="{end_y:.1f}" '
        f'stroke="{INK}" stroke-width="2"/>',
        _text(
            end_x,
            end_y + (-8 if side < 0 else LINE + 2),
            _lines(name, CAUSE_CHARS, 1),
            weight="bold",
        ),
    ]
    offset = 14.0
    for cause in causes:
        step = _cause_height(cause)
        y = spine_y + side * (offset + step / 2)
        bone_x = root_x - SLANT * (offset + step / 2) / length
        lines = _lines(cause, CAUSE_CHARS, 2)
        parts.append(
            f'<line x1="{bone_x - 24:.1f}" y1="{y:.1f}" x2="{bone_x:.1f}" '
            f'y2="{y:.1f}" stroke="{INK}"/>'
        )
        first = y - (len(lines) - 1) * LINE / 2 + 4
        parts.append(_text(bone_x - 28, first, lines, anchor="end"))
        offset += step
    return parts


# Fault tree ------------------------------------------------------------------

BOX_W = 160
BOX_CHARS = 22
GAP_X = 24
GAP_Y = 34
GATE_H = 26


@dataclass
class _Placed:
    """A node of the tree with its position, for drawing."""

    node: Mapping
    depth: int
    lines: list[str]
    x: float = 0.0
    children: list[_Placed] = field(default_factory=list)

    @property
    def gate(self) -> str | None:
        return str(self.node.get("gate")) if self.children else None


def _place(node: Mapping, depth: int, next_x: list[float]) -> _Placed:
    """Leaves left to right; a gate centred over its first and last child."""
    placed = _Placed(node, depth, _lines(node.get("event", ""), BOX_CHARS, 4))
    for child in node.get("children") or []:
        placed.children.append(_place(child, depth + 1, next_x))
    if placed.children:
        placed.x = (placed.children[0].x + placed.children[-1].x) / 2
    else:
        placed.x = next_x[0] + BOX_W / 2
        next_x[0] += BOX_W + GAP_X
    return placed


def _walk(placed: _Placed):
    yield placed
    for child in placed.children:
        yield from _walk(child)


def _box_height(placed: _Placed) -> int:
    extra = 0 if placed.children else 1
    return (len(placed.lines) + extra) * LINE + 12


def fault_tree_svg(tree: Mapping) -> str:
    """A fault-tree diagram of a tree that validated.

    Gate nodes carry an AND or OR symbol under their box; basic events show
    their id and probability and a circle, the usual mark of a basic event.
    """
    next_x = [20.0]
    root = _place(tree, 0, next_x)
    nodes = list(_walk(root))
    depth = max(n.depth for n in nodes)
    rows = [
        max(_box_height(n) for n in nodes if n.depth == d) for d in range(depth + 1)
    ]
    tops = [20.0]
    for row in rows[:-1]:
        tops.append(tops[-1] + row + GATE_H + GAP_Y)
    width = max(next_x[0] - GAP_X + 20, BOX_W + 40)
    height = tops[-1] + rows[-1] + GATE_H + 20

    body: list[str] = []
    for placed in nodes:
        body.extend(_node(placed, tops[placed.depth], rows[placed.depth]))
        for child in placed.children:
            start = tops[placed.depth] + rows[placed.depth] + GATE_H
            body.append(_connector(placed.x, start, child.x, tops[child.depth]))
    label = f"Fault tree: {tree.get('event', '')}"
    return _document(width, height, label, body)


def _node(placed: _Placed, top: float, height: float) -> list[str]:
    """The box of a node (as tall as its row) and its gate or leaf mark."""
    left = placed.x - BOX_W / 2
    leaf = not placed.children
    fill = PALE if placed.depth == 0 else PAPER
    stroke = ACCENT if placed.depth == 0 else INK
    parts = [
        f'<rect x="{left:.1f}" y="{top:.1f}" width="{BOX_W}" height="{height}" '
        f'rx="4" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>',
        _text(placed.x, top + LINE + 2, placed.lines),
    ]
    below = top + height
    if leaf:
        parts.append(_text(placed.x, below - 8, [_leaf_note(placed.node)]))
        parts.append(
            f'<circle cx="{placed.x:.1f}" cy="{below + GATE_H / 2:.1f}" r="9" '
            f'fill="{PAPER}" stroke="{INK}" stroke-width="1.5"/>'
        )
        parts.append(
            f'<line x1="{placed.x:.1f}" y1="{below:.1f}" x2="{placed.x:.1f}" '
            f'y2="{below + GATE_H / 2 - 9:.1f}" stroke="{INK}"/>'
        )
    else:
        parts.append(_gate(placed.x, below, placed.gate or ""))
    return parts


def _leaf_note(node: Mapping) -> str:
    parts = []
    if node.get("id"):
        parts.append(str(node["id"]))
    if node.get("probability") is not None:
        parts.append(f"p = {float(node['probability']):.4g}")
    note = " \u00b7 ".join(parts) or "basic event"
    return _lines(note, BOX_CHARS, 1)[0]


def _gate(x: float, top: float, gate: str) -> str:
    """An AND gate (flat base, round top) or an OR gate (curved base)."""
    w, h, bottom = 26, GATE_H, top + GATE_H
    if gate == "and":
        shape = (
            f"M{x - w / 2:.1f},{bottom:.1f} L{x - w / 2:.1f},{top + h / 2:.1f} "
            f"A{w / 2:.1f},{h / 2:.1f} 0 0 1 {x + w / 2:.1f},{top + h / 2:.1f} "
            f"L{x + w / 2:.1f},{bottom:.1f} Z"
        )
    else:
        shape = (
            f"M{x - w / 2:.1f},{bottom:.1f} Q{x:.1f},{bottom - 8:.1f} "
            f"{x + w / 2:.1f},{bottom:.1f} Q{x + w / 2:.1f},{top + 6:.1f} "
            f"{x:.1f},{top:.1f} Q{x - w / 2:.1f},{top + 6:.1f} "
            f"{x - w / 2:.1f},{bottom:.1f} Z"
        )
    word = "AND" if gate == "and" else "OR"
    return (
        f'<path d="{shape}" fill="{PAPER}" stroke="{INK}" stroke-width="1.5"/>'
        f'<text x="{x:.1f}" y="{bottom - 5:.1f}" text-anchor="middle" '
        f'font-size="8">{word}</text>'
    )


def _connector(x1: float, y1: float, x2: float, y2: float) -> str:
    """An elbow from the bottom of a gate to the top of a child's box."""
    middle = y1 + (y2 - y1) / 2
    return (
        f'<path d="M{x1:.1f},{y1:.1f} V{middle:.1f} H{x2:.1f} V{y2:.1f}" '
        f'fill="none" stroke="{INK}"/>'
    )
