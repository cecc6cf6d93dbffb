"""Round-trip editing of YAML files: change one value, keep every other line.

Incident files are written by hand, with comments, flow lists (``[a, b]``),
quoting and indentation of their authors' choosing. A command that changes
such a file must leave all of that alone, so an edit here is a *splice*:
ruamel.yaml's round-trip composer says where every node starts and ends,
ruamel.yaml renders the new value (in the quoting of the value it replaces,
in the indentation of its neighbours), and only the lines of that value
change. A dump of the whole tree would re-indent lists and move comments,
which is why the original text is kept and spliced instead.

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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from .findings import json_path

try:
    from yaml import CSafeLoader as _Reader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Reader  # type: ignore[assignment]

YamlPath = tuple[str | int, ...]
_MISSING = object()
_QUOTED = {"'": SingleQuotedScalarString, '"': DoubleQuotedScalarString}
_STR_TAG = "tag:yaml.org,2002:str"


class EditError(Exception):
    """An edit that cannot be made; the text is left as it was."""


class Verbatim(str):
    """A scalar written exactly as given, unquoted: ``2024-01-15T14:30:00Z``."""


@dataclass(frozen=True)
class Change:
    """One edit: where, the value before (None when added) and after."""

    path: YamlPath
    old: Any
    new: Any
    added: bool = False

    def describe(self) -> str:
        where = json_path(self.path)
        if self.added:
            return f"{where}: added {_shown(self.new)}"
        return f"{where}: {_shown(self.old)} -> {_shown(self.new)}"


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    return _timestamp(value) if isinstance(value, datetime) else str(value)


class Editor:
    """The text of one YAML document and edits spliced into it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.changes: list[Change] = []
        self._newline = "\r\n" if "\r\n" in text else "\n"
        self._root, self._data = _parse(text)
        self._indents = _indents(self._root, text)

    @classmethod
    def read(cls, path: Path) -> Editor:
        with open(path, encoding="utf-8", newline="") as handle:
            return cls(handle.read())

    @property
    def data(self) -> Any:
        """A copy of the document's data, as PyYAML reads it."""
        return copy.deepcopy(self._data)

    def get(self, path: YamlPath, default: Any = _MISSING) -> Any:
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
        entry = _entry(parent, key)
        if entry is None:
            value = _prepared(value)
            text = self._added_key(parent, str(key), value, after)
        else:
            value = _prepared(value, entry[1])
            text = self._replaced(entry[0], entry[1], value)
        old = self.get(path, None)
        expected = self.data
        _step(expected, path[:-1])[key] = _as_read(value)
        self._commit(text, expected)
        change = Change(path, old, _as_read(value), added=entry is None)
        self.changes.append(change)
        return change

    def insert(self, path: YamlPath, index: int, value: Any) -> Change:
        """Insert ``value`` into the list at ``path`` before ``index``."""
        node = self._node(path)
        if not isinstance(node, SequenceNode):
            raise EditError(f"{json_path(path)} is not a list")
        if not 0 <= index <= len(node.value):
            raise EditError(f"{json_path(path)} has no position {index}")
        value = _prepared(value)
        if node.flow_style:
            text = self._flow_inserted(node, index, value)
        else:
            text = self._block_inserted(node, index, value)
        expected = self.data
        _step(expected, path).insert(index, _as_read(value))
        self._commit(text, expected)
        change = Change((*path, index), None, _as_read(value), added=True)
        self.changes.append(change)
        return change

    def append(self, path: YamlPath, value: Any) -> Change:
        """Add ``value`` at the end of the list at ``path``."""
        node = self._node(path)
        count = len(node.value) if isinstance(node, SequenceNode) else 0
        return self.insert(path, count, value)

    def dump(self) -> str:
        """The edited text: the original outside the changed lines."""
        return self.text

    # Splices ---------------------------------------------------------------

    def _replaced(self, key: Node, old: Node, value: Any) -> str:
        inline = self._inline(value)
        one_line = old.start_mark.line == old.end_mark.line
        is_block_scalar = isinstance(old, ScalarNode) and old.style in ("|", ">")
        is_empty = isinstance(old, ScalarNode) and _empty(old)
        fits = isinstance(old, ScalarNode) or getattr(old, "flow_style", False)
        if (
            inline is not None
            and one_line
            and fits
            and not (is_block_scalar or is_empty)
        ):
            start, end = old.start_mark.index, old.end_mark.index
            return self.text[:start] + inline + self.text[end:]
        begin = _line_start(self.text, key.start_mark.index)
        prefix = self.text[begin : key.start_mark.index]
        lines = self._entry_lines(key.value, value, key.start_mark.column)
        end = _line_end(self.text, _end(self.text, key, old))
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
        at = _line_end(self.text, _end(self.text, *chosen))
        lines = self._entry_lines(key, value, entries[0][0].start_mark.column)
        return self._spliced_lines(at, lines)

    def _block_inserted(self, node: SequenceNode, index: int, value: Any) -> str:
        first = node.value[0]
        dash = self.text.rfind("-", 0, first.start_mark.index)
        dash_col = dash - _line_start(self.text, dash)
        content = first.start_mark.column - dash_col
        lines = self._item_lines(value, dash_col, max(content, 2))
        if index == 0:
            return self._spliced_lines(_line_start(self.text, dash), lines)
        at = _line_end(self.text, _end(self.text, None, node.value[index - 1]))
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
        text = self._dumped({"k": _flow(value)})
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
                entry = _entry(node, step)
                child = entry[1] if entry else None
            elif isinstance(node, SequenceNode) and isinstance(step, int):
                child = node.value[step] if 0 <= step < len(node.value) else None
            if child is None:
                raise EditError(f"{json_path(path[: depth + 1])} does not exist")
            node = child
        return node


def _parse(text: str) -> tuple[Node, Any]:
    try:
        root = YAML(typ="rt").compose(text)
    except YAMLError as error:
        raise EditError(f"not valid YAML: {error}") from None
    try:
        data = yaml.load(text, Loader=_Reader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        raise EditError(f"not valid YAML: {error}") from None
    if root is None:
        raise EditError("the document is empty")
    return root, data


def _entry(node: MappingNode, key: str | int) -> tuple[Node, Node] | None:
    for key_node, value_node in node.value:
        if isinstance(key_node, ScalarNode) and key_node.value == str(key):
            return key_node, value_node
    return None


def _empty(node: ScalarNode) -> bool:
    return node.style is None and node.start_mark.index == node.end_mark.index


def _end(text: str, key: Node | None, node: Node) -> int:
    """The index just past the last character of an entry's value."""
    if isinstance(node, ScalarNode):
        if _empty(node):
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
        return _end(text, last[0], last[1])
    return _end(text, None, last)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def _indents(root: Node, text: str) -> tuple[int, int, int]:
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
                    item = value.value[0].start_mark
                    dash = text.rfind("-", 0, item.index)
                    offset = max(dash - _line_start(text, dash) - column, 0)
                    sequence = item.column - column
                stack.extend(v for v in value.value if isinstance(v, MappingNode))
            stack.append(value)
    return mapping or 2, sequence or 2, offset or 0


def _step(data: Any, path: YamlPath) -> Any:
    for step in path:
        data = data[step]
    return data


# Values ----------------------------------------------------------------------

_RESOLVER = yaml.resolver.Resolver()


def _prepared(value: Any, old: Node | None = None) -> Any:
    """The value as it will be written: quoting kept, YAML 1.1 pitfalls quoted.

    A replaced quoted scalar keeps its quotes when the new value is text or
    a date. Strings that a YAML 1.1 reader would take for something else
    (``yes``, ``on``, ``1e3``) are single-quoted; timestamps are written the
    way people write them, ``Z`` for UTC.
    """
    if isinstance(old, ScalarNode) and old.style in _QUOTED:
        if isinstance(value, (str, date)) and not isinstance(value, Verbatim):
            return _QUOTED[old.style](
                _timestamp(value) if isinstance(value, datetime) else str(value)
            )
    if isinstance(value, datetime):
        return Verbatim(_timestamp(value))
    if isinstance(value, dict):
        return {k: _prepared(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_prepared(v) for v in value]
    if (
        type(value) is str
        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG
    ):
        return SingleQuotedScalarString(value)
    return value


def _timestamp(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if value.utcoffset() == timedelta(0) else text


def _as_read(value: Any) -> Any:
    """The value as PyYAML will read it back from the file."""
    if isinstance(value, Verbatim):
        return yaml.load(str(value), Loader=_Reader)  # noqa: S506 - safe loader
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {k: _as_read(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_read(v) for v in value]
    return value


def _flow(value: Any) -> Any:
    if isinstance(value, dict):
        mapping = CommentedMap((k, _flow(v)) for k, v in value.items())
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(_flow(v) for v in value)
        seq.fa.set_flow_style()
        return seq
    return value


def _represent_verbatim(representer: Any, value: Verbatim) -> Any:
    resolver = representer.dumper.resolver
    tag = resolver.resolve(ScalarNode, str(value), (True, False))
    return representer.represent_scalar(tag, str(value))


# Registered on the round-trip representer class; only this module's own
# type is affected.
RoundTripRepresenter.add_representer(Verbatim, _represent_verbatim)


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
