"""Round-trip editing of YAML files: change one value, keep every other line.

Incident files are written by hand, with comments, flow lists (``[a, b]``),
quoting and indentation of their authors' choosing. A command that changes
such a file must leave all of that alone, so an edit here is a *splice*:
ruamel.yaml's round-trip composer says where every node starts and ends
(:mod:`hindsight.edit_layout`), ruamel.yaml renders the new value (in the
quoting of the value it replaces, in the indentation of its neighbours:
:mod:`hindsight.edit_values`), and only the lines of that value change. A
dump of the whole tree would re-indent lists and move comments, which is
why the original text is kept and spliced instead.

After every splice the text is read again, the way the rest of the toolkit
reads it (PyYAML, YAML 1.1), and compared with the intended data: an edit
does exactly what was asked, or raises :class:`EditError` and leaves the
text as it was.
"""

from __future__ import annotations

import copy
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .edit_layout import (
    dash_of,
    entry,
    indents,
    is_empty,
    line_end,
    line_start,
    value_end,
)
from .edit_values import Reader, Verbatim, as_read, flow, prepared, timestamp_text
from .findings import json_path

__all__ = ["Change", "EditError", "Editor", "Verbatim", "YamlPath", "write_atomic"]

YamlPath = tuple[str | int, ...]
_MISSING = object()


class EditError(Exception):
    """An edit that cannot be made; the text is left as it was."""


@dataclass(frozen=True)
class Change:
    """One edit: where, the value before (None when added) and after."""

    path: YamlPath
    old: Any
    new: Any
    added: bool = False
    removed: bool = False

    def describe(self) -> str:
        """The change in one line, for a person reading the command's output."""
        where = json_path(self.path)
        if self.added:
            return f"{where}: added {_shown(self.new)}"
        if self.removed:
            return f"{where}: removed {_shown(self.old)}"
        return f"{where}: {_shown(self.old)} -> {_shown(self.new)}"


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    return timestamp_text(value) if isinstance(value, datetime) else str(value)


class Editor:
    """The text of one YAML document and edits spliced into it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.changes: list[Change] = []
        self._newline = "\r\n" if "\r\n" in text else "\n"
        self._root, self._data = _parse(text)
        self._indents = indents(self._root, text)

    @classmethod
    def read(cls, path: Path) -> Editor:
        """An editor of the file at ``path``, its line endings kept."""
        with open(path, encoding="utf-8", newline="") as handle:
            return cls(handle.read())

    @property
    def data(self) -> Any:
        """A copy of the document's data, as PyYAML reads it."""
        return copy.deepcopy(self._data)

    def get(self, path: YamlPath, default: Any = _MISSING) -> Any:
        """The value at ``path``; ``default``, when given, if it is missing."""
        value = self._data
        for step in path:
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError):
                if default is _MISSING:
                    raise EditError(f"{json_path(path)} does not exist") from None
                return default
        return value

    def position(self, path: YamlPath) -> tuple[int, int]:
        """Line and column (1-based) where the value at ``path`` starts."""
        mark = self._node(path).start_mark
        return mark.line + 1, mark.column + 1

    # Edits -----------------------------------------------------------------

    def set(self, path: YamlPath, value: Any, *, after: str | None = None) -> Change:
        """Set ``path``'s last key in its mapping, adding it when missing.

        A new key goes after the key ``after`` when given and present, else
        after the mapping's last key. A replaced scalar keeps its quoting.
        """
        if not path:
            raise EditError("an edit needs a path below the document")
        parent = self._node(path[:-1])
        if not isinstance(parent, MappingNode):
            raise EditError(f"{json_path(path[:-1])} is not a mapping")
        key = path[-1]
        found = entry(parent, key)
        if found is None:
            value = prepared(value)
            text = self._added_key(parent, str(key), value, after)
        else:
            value = prepared(value, found[1])
            text = self._replaced(found[0], found[1], value)
        old = self.get(path, None)
        expected = self.data
        _step(expected, path[:-1])[key] = as_read(value)
        self._commit(text, expected)
        change = Change(path, old, as_read(value), added=found is None)
        self.changes.append(change)
        return change

    def insert(self, path: YamlPath, index: int, value: Any) -> Change:
        """Insert ``value`` into the list at ``path`` before ``index``.

        An empty flow list alone after its key (``key: []``) that gets a
        mapping or a list becomes a block list in the file's list
        indentation, the way such lists are written once they hold
        something. A scalar goes inside the brackets (``tags: [one]``), and
        so does any value when a comment follows the ``[]`` on its line:
        the comment stays where its author put it.
        """
        node = self._node(path)
        if not isinstance(node, SequenceNode):
            raise EditError(f"{json_path(path)} is not a list")
        if not 0 <= index <= len(node.value):
            raise EditError(f"{json_path(path)} has no position {index}")
        value = prepared(value)
        key = self._opened_key(path, node, value)
        if key is not None:
            text = self._rewritten(key, node, [value])
        elif node.flow_style:
            text = self._flow_inserted(node, index, value)
        else:
            text = self._block_inserted(node, index, value)
        expected = self.data
        _step(expected, path).insert(index, as_read(value))
        self._commit(text, expected)
        change = Change((*path, index), None, as_read(value), added=True)
        self.changes.append(change)
        return change

    def append(self, path: YamlPath, value: Any) -> Change:
        """Add ``value`` at the end of the list at ``path``."""
        node = self._node(path)
        count = len(node.value) if isinstance(node, SequenceNode) else 0
        return self.insert(path, count, value)

    def remove(self, path: YamlPath) -> Change:
        """Remove the list item at ``path``; every other line stays as written.

        A block item goes with its lines (a comment on a line of its own
        above it stays); a flow item goes with its comma. Removing the last
        item of a block list leaves ``key: []``, so the list stays a list.
        """
        if not path or not isinstance(path[-1], int):
            raise EditError(f"{json_path(path)} is not a list item")
        parent = self._node(path[:-1])
        if not isinstance(parent, SequenceNode):
            raise EditError(f"{json_path(path[:-1])} is not a list")
        item, index = self._node(path), path[-1]
        if parent.flow_style:
            text = self._flow_removed(parent, index)
        elif len(parent.value) > 1:
            text = self._block_removed(item)
        else:
            text = self._emptied(path[:-1], parent)
        old = self.get(path)
        expected = self.data
        del _step(expected, path[:-1])[index]
        self._commit(text, expected)
        change = Change(path, old, None, removed=True)
        self.changes.append(change)
        return change

    def dump(self) -> str:
        """The edited text: the original outside the changed lines."""
        return self.text

    # Splices ---------------------------------------------------------------

    def _replaced(self, key: Node, old: Node, value: Any) -> str:
        inline = self._inline(value)
        one_line = old.start_mark.line == old.end_mark.line
        is_block_scalar = isinstance(old, ScalarNode) and old.style in ("|", ">")
        empty = isinstance(old, ScalarNode) and is_empty(old)
        fits = isinstance(old, ScalarNode) or getattr(old, "flow_style", False)
        if inline is not None and one_line and fits and not (is_block_scalar or empty):
            start, end = old.start_mark.index, old.end_mark.index
            return self.text[:start] + inline + self.text[end:]
        return self._rewritten(key, old, value)

    def _rewritten(self, key: Node, old: Node, value: Any) -> str:
        """The entry ``key: old`` written anew as ``key`` and ``value``.

        Its lines are replaced from the key's line to the line where the old
        value ends; what stands before the key on its line (a list's dash)
        stays.
        """
        begin = line_start(self.text, key.start_mark.index)
        prefix = self.text[begin : key.start_mark.index]
        lines = self._entry_lines(key.value, value, key.start_mark.column)
        end = line_end(self.text, value_end(self.text, key, old))
        lines[0] = prefix + lines[0].lstrip(" ")
        return self.text[:begin] + self._joined(lines) + self.text[end:]

    def _added_key(
        self, parent: MappingNode, key: str, value: Any, after: str | None
    ) -> str:
        if parent.flow_style:
            inline = self._inline(value)
            if inline is None:
                raise EditError(f"{key}: the value does not fit a flow mapping")
            piece = f"{self._inline_key(key)}: {inline}"
            return self._flow_splice(parent, len(parent.value), piece)
        entries = parent.value
        chosen = next((e for e in entries if e[0].value == after), entries[-1])
        at = line_end(self.text, value_end(self.text, *chosen))
        lines = self._entry_lines(key, value, entries[0][0].start_mark.column)
        return self._spliced_lines(at, lines)

    def _block_inserted(self, node: SequenceNode, index: int, value: Any) -> str:
        dash = dash_of(self.text, node.value[0])
        dash_col = dash - line_start(self.text, dash)
        content = node.value[0].start_mark.column - dash_col
        lines = self._item_lines(value, dash_col, max(content, 2))
        if index == 0:
            return self._spliced_lines(line_start(self.text, dash), lines)
        previous = node.value[index - 1]
        at = line_end(self.text, value_end(self.text, None, previous))
        return self._spliced_lines(at, lines)

    def _flow_inserted(self, node: SequenceNode, index: int, value: Any) -> str:
        inline = self._inline(value)
        if inline is None:
            raise EditError("the value does not fit a flow list")
        return self._flow_splice(node, index, inline)

    def _flow_splice(self, node: Node, index: int, piece: str) -> str:
        items = node.value
        if not items:
            at = node.end_mark.index - 1
            return self.text[:at] + piece + self.text[at:]
        if index < len(items):
            child = items[index][0] if isinstance(items[index], tuple) else items[index]
            at = child.start_mark.index
            return self.text[:at] + piece + ", " + self.text[at:]
        last = items[-1]
        at = (last[1] if isinstance(last, tuple) else last).end_mark.index
        return self.text[:at] + ", " + piece + self.text[at:]

    def _block_removed(self, item: Node) -> str:
        start = line_start(self.text, dash_of(self.text, item))
        end = line_end(self.text, value_end(self.text, None, item))
        return self.text[:start] + self.text[end:]

    def _flow_removed(self, node: SequenceNode, index: int) -> str:
        items = node.value
        item = items[index]
        if len(items) == 1:
            start, end = item.start_mark.index, item.end_mark.index
        elif index + 1 < len(items):
            start, end = item.start_mark.index, items[index + 1].start_mark.index
        else:
            start, end = items[index - 1].end_mark.index, item.end_mark.index
        return self.text[:start] + self.text[end:]

    def _emptied(self, path: YamlPath, node: SequenceNode) -> str:
        key = self._key_node(path)
        if key is None:
            raise EditError(f"{json_path(path)} would be left without items")
        return self._rewritten(key, node, [])

    def _spliced_lines(self, at: int, lines: list[str]) -> str:
        head = self.text[:at]
        if head and not head.endswith("\n"):
            head += self._newline
        return head + self._joined(lines) + self.text[at:]

    def _joined(self, lines: list[str]) -> str:
        return "".join(line + self._newline for line in lines)

    def _commit(self, text: str, expected: Any) -> None:
        try:
            root, data = _parse(text)
        except EditError as error:
            raise EditError(f"the edit would break the YAML: {error}") from None
        if data != expected:
            raise EditError("the edit would change more than the value asked for")
        self.text, self._root, self._data = text, root, data

    # Rendering -------------------------------------------------------------

    def _yaml(self, sequence: int | None = None, offset: int | None = None) -> YAML:
        mapping, file_sequence, file_offset = self._indents
        writer = YAML(typ="rt")
        writer.width = 4096
        writer.indent(
            mapping=mapping,
            sequence=file_sequence if sequence is None else sequence,
            offset=file_offset if offset is None else offset,
        )
        return writer

    def _dumped(self, data: Any, writer: YAML | None = None) -> str:
        buffer = io.StringIO()
        (writer or self._yaml()).dump(data, buffer)
        return buffer.getvalue()

    def _inline(self, value: Any) -> str | None:
        """The value written on one line after ``key: ``, or None."""
        if value is None:
            return "null"
        if isinstance(value, Verbatim):
            return None if "\n" in value else str(value)
        text = self._dumped({"k": flow(value)})
        body = text[len("k: ") :].rstrip("\r\n")
        return None if "\n" in body or not text.startswith("k: ") else body

    def _inline_key(self, key: str) -> str:
        return self._dumped({key: 0}).rsplit(":", 1)[0]

    def _entry_lines(self, key: str, value: Any, column: int) -> list[str]:
        inline = self._inline(value)
        if inline is not None and not isinstance(value, (list, dict)):
            return [" " * column + f"{self._inline_key(key)}: {inline}"]
        text = self._dumped({key: value})
        return [" " * column + line for line in text.splitlines()]

    def _item_lines(self, value: Any, dash_col: int, content: int) -> list[str]:
        file_offset = self._indents[2]
        writer = self._yaml(sequence=file_offset + content, offset=file_offset)
        lines = self._dumped([value], writer).splitlines()
        return [" " * dash_col + line[file_offset:] for line in lines]

    # Nodes -----------------------------------------------------------------

    def _node(self, path: YamlPath) -> Node:
        node = self._root
        for depth, step in enumerate(path):
            child = None
            if isinstance(node, MappingNode):
                found = entry(node, step)
                child = found[1] if found else None
            elif isinstance(node, SequenceNode) and isinstance(step, int):
                child = node.value[step] if 0 <= step < len(node.value) else None
            if child is None:
                raise EditError(f"{json_path(path[: depth + 1])} does not exist")
            node = child
        return node

    def _key_node(self, path: YamlPath) -> Node | None:
        """The key of the value at ``path`` in a block mapping, else None."""
        if not path:
            return None
        parent = self._node(path[:-1])
        if not isinstance(parent, MappingNode) or parent.flow_style:
            return None
        found = entry(parent, path[-1])
        return found[0] if found else None

    def _opened_key(
        self, path: YamlPath, node: SequenceNode, value: Any
    ) -> Node | None:
        """The key of ``key: []`` when ``value`` turns it into a block list."""
        if not node.flow_style or node.value or not isinstance(value, (dict, list)):
            return None
        end = node.end_mark.index
        rest = self.text[end : line_end(self.text, end)]
        if node.start_mark.line != node.end_mark.line or rest.strip():
            return None
        return self._key_node(path)


def _parse(text: str) -> tuple[Node, Any]:
    try:
        root = YAML(typ="rt").compose(text)
    except YAMLError as error:
        raise EditError(f"not valid YAML: {error}") from None
    try:
        data = yaml.load(text, Loader=Reader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise EditError(f"not valid YAML: {error}") from None
    if root is None:
        raise EditError("the document is empty")
    return root, data


def _step(data: Any, path: YamlPath) -> Any:
    for step in path:
        data = data[step]
    return data


# Files -----------------------------------------------------------------------


def write_atomic(
    path: Path, text: str, check: Callable[[str], None] | None = None
) -> None:
    """Replace ``path`` with ``text`` in one step, after ``check`` accepts it.

    ``check`` raises to refuse the text; the file is then left untouched.
    The new text goes to a temporary file in the same folder, which then
    replaces the original, so a reader never sees half a file.
    """
    if check is not None:
        check(text)
    path = Path(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
