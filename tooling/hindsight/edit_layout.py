"""Where the values of a YAML text sit, from ruamel.yaml's composed nodes.

A splice of the round-trip editor replaces whole lines, so it needs to know
where a value starts and ends in the text, where its lines begin and end,
and which indentation the file uses for mappings and lists. The composer's
marks say most of it; the rest (the end of a block scalar without its
trailing blank lines, the column of a list's dashes) is read from the text.
"""

from __future__ import annotations

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


def entry(node: MappingNode, key: str | int) -> tuple[Node, Node] | None:
    """The key and value nodes of ``key`` in a mapping, or None."""
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == str(key):
            return key_node, value_node
    return None


def is_empty(node: ScalarNode) -> bool:
    """A value left out after its key (``key:``), which reads as null."""
    return node.style is None and node.start_mark.index == node.end_mark.index


def value_end(text: str, key: Node | None, node: Node) -> int:
    """The index just past the last character of an entry's value.

    ``key`` is the entry's key node, None for a list item; an empty value
    ends with its key.
    """
    if isinstance(node, ScalarNode):
        if is_empty(node):
            return key.end_mark.index if key is not None else node.start_mark.index
        if node.style in ("|", ">"):
            end = node.end_mark.index
            while end > node.start_mark.index and text[end - 1].isspace():
                end -= 1
            return end
        return node.end_mark.index
    if getattr(node, "flow_style", False) or not node.value:
        return node.end_mark.index
    last = node.value[-1]
    if isinstance(node, MappingNode):
        return value_end(text, last[0], last[1])
    return value_end(text, None, last)


def line_start(text: str, index: int) -> int:
    """The index of the first character of the line holding ``index``."""
    return text.rfind("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """The index just past the line break of the line holding ``index``."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def dash_of(text: str, item: Node) -> int:
    """The index of the ``-`` that starts the block list item ``item``."""
    return text.rfind("-", 0, item.start_mark.index)


def indents(root: Node, text: str) -> tuple[int, int, int]:
    """The file's mapping indent, list indent and dash offset, from its nodes.

    The first block mapping nested in a mapping gives the mapping indent;
    the first block list under a key gives where its dashes and items sit.
    Files without such nesting get 2, 2, 0.
    """
    mapping = sequence = offset = None
    stack = [root]
    while stack and (mapping is None or sequence is None):
        node = stack.pop(0)
        if not isinstance(node, MappingNode):
            continue
        for key, value in node.value:
            column = key.start_mark.column
            if isinstance(value, MappingNode) and not value.flow_style and value.value:
                if mapping is None:
                    mapping = value.value[0][0].start_mark.column - column
            if isinstance(value, SequenceNode) and not value.flow_style and value.value:
                if sequence is None:
                    first = value.value[0]
                    dash = dash_of(text, first)
                    offset = max(dash - line_start(text, dash) - column, 0)
                    sequence = first.start_mark.column - column
                stack.extend(v for v in value.value if isinstance(v, MappingNode))
            stack.append(value)
    return mapping or 2, sequence or 2, offset or 0
