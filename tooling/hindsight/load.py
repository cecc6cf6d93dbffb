"""Load incident files: YAML into plain data that remembers where it came from.

A *document* is one parsed incident file. Its data is JSON-like (mappings,
lists, strings, numbers, booleans, null); timestamps and dates stay the
strings the author wrote, so the validator can tell ``14:30:00Z`` from
``14:30:00`` and say which one lacks an offset. Every value keeps its
line and column through :meth:`Document.position`, looked up lazily from
the YAML node tree so that loading stays as fast as PyYAML's own parser.

Hostile input is refused with a :class:`LoadError` that names the line:
files over a size limit, bytes that are not UTF-8, alias bombs, deep
nesting, duplicate keys, several documents, and anything that is not a
mapping.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # The C parser is ten times faster; fall back when libyaml is absent.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_FILE_BYTES = 1_000_000
"""Incident files are a few kilobytes; anything above a megabyte is refused."""

MAX_VALUES = 200_000
"""How many values one document may expand to (aliases count each time)."""

MAX_DEPTH = 64
"""How deeply mappings and lists may nest."""

JsonPath = tuple[str | int, ...]

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class LoadError(Exception):
    """A file that cannot be read as an incident document.

    ``line`` and ``column`` are 1-based; 0 means the file as a whole.
    """

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Document:
    """One parsed file: its data, its bytes' text, and its node tree."""

    path: Path
    data: dict[str, Any]
    text: str
    root: yaml.Node

    def position(self, path: JsonPath) -> tuple[int, int]:
        """Line and column (1-based) of the value at ``path``.

        Where the path leads to a key that is missing, the position of the
        deepest mapping or list that exists is returned: that is where the
        missing key must be added.
        """
        node = self.root
        for step in path:
            child = _child(node, step)
            if child is None:
                break
            node = child
        return node.start_mark.line + 1, node.start_mark.column + 1

    def key_position(self, path: JsonPath) -> tuple[int, int]:
        """Line and column of the *key* at the end of ``path``.

        Used for problems with a key itself (unknown or misspelt keys).
        """
        parent = self.root
        for step in path[:-1]:
            child = _child(parent, step)
            if child is None:
                return self.position(path)
            parent = child
        if isinstance(parent, yaml.MappingNode):
            for key, _value in parent.value:
                if key.value == path[-1]:
                    return key.start_mark.line + 1, key.start_mark.column + 1
        return self.position(path)


def _child(node: yaml.Node, step: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == step:
                return value
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
        if 0 <= step < len(node.value):
            return node.value[step]
    return None


def load_file(path: Path, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read and parse one incident file, or raise :class:`LoadError`."""
    try:
        size = os.stat(path).st_size
    except OSError as error:
        raise LoadError(f"cannot read the file: {error.strerror}") from None
    if size > max_bytes:
        raise LoadError(
            f"file is {size:,} bytes, over the limit of {max_bytes:,}; "
            "an incident file should be a few kilobytes"
        )
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise LoadError(f"cannot read the file: {error.strerror}") from None
    return load_bytes(raw, Path(path))


def load_bytes(raw: bytes, path: Path) -> Document:
    """Parse the bytes of an incident file."""
    text = _decode(raw)
    if not text.strip() or _only_comments(text):
        raise LoadError(
            "file is empty; an incident needs at least schema_version, "
            "incident_id, title and the other required fields",
            1,
            1,
        )
    root = _compose(text)
    if not isinstance(root, yaml.MappingNode):
        kind = _describe(root)
        raise LoadError(
            f"the document is {kind}, not a mapping of fields; "
            "did you forget a top-level key such as `title:`?",
            root.start_mark.line + 1,
            root.start_mark.column + 1,
        )
    builder = _Builder()
    data = builder.build(root, 0)
    return Document(path=path, data=data, text=text, root=root)


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise LoadError(
            f"byte 0x{raw[error.start]:02x} is not valid UTF-8; "
            "save the file as UTF-8 text",
            line,
            column,
        ) from None
    bad = next((c for c in text if c == "\x00"), None)
    if bad is not None:
        offset = text.index(bad)
        line = text.count("\n", 0, offset) + 1
        raise LoadError("the file holds a NUL byte; is it a binary file?", line, 1)
    return text


def _only_comments(text: str) -> bool:
    return all(
        not line.strip() or line.lstrip().startswith("#") or line.strip() == "---"
        for line in text.splitlines()
    )


def _compose(text: str) -> yaml.Node:
    try:
        if _may_nest_deeply(text):
            _check_depth(text)
        loader = _Loader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        raise _from_yaml_error(error) from None
    except yaml.YAMLError as error:
        raise LoadError(f"the file is not valid YAML: {error}") from None


def _may_nest_deeply(text: str) -> bool:
    """A cheap upper bound on nesting, so ordinary files skip the depth scan.

    Block nesting without flow brackets or compact indicators needs ever
    deeper indentation on every line, which a file under the size limit
    cannot reach far; flow brackets and ``- - -`` can, and libyaml's
    composer recurses once per level.
    """
    indicators = text.count("[") + text.count("{") + text.count("-")
    return indicators + text.count("?") > _SAFE_NESTING


_SAFE_NESTING = 2_000


def _check_depth(text: str) -> None:
    loader = _Loader(text)
    depth = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise LoadError(
                        f"the document nests more than {MAX_DEPTH} levels deep",
                        mark.line + 1,
                        mark.column + 1,
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.StreamEndEvent):
                break
    finally:
        loader.dispose()


def _from_yaml_error(error: yaml.MarkedYAMLError) -> LoadError:
    mark = error.problem_mark or error.context_mark
    if "expected a single document" in str(error.context):
        message = (
            "the file holds a second YAML document after `---`; "
            "keep one incident a file"
        )
    else:
        message = f"the file is not valid YAML: {error.problem}"
        if error.context:
            message += f" ({error.context})"
    if mark is None:
        return LoadError(message)
    return LoadError(message, mark.line + 1, mark.column + 1)


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.ScalarNode):
        return f"a single value ({node.value[:40]!r})"
    return "not a mapping"


class _Builder:
    """Turns a composed node tree into plain data, with the safety limits."""

    def __init__(self) -> None:
        self.count = 0

    def build(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise LoadError(
                f"the document expands to more than {MAX_VALUES:,} values; "
                "are YAML aliases (*name) repeating a large block?",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        if depth > MAX_DEPTH:
            raise LoadError(
                f"the document nests more than {MAX_DEPTH} levels deep",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, depth + 1) for item in node.value]
        return self._mapping(node, depth)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _at(
                    key_node, "merge keys (`<<:`) are not supported; write the fields"
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise _at(key_node, "a key must be a plain name, not a list or mapping")
            key = _scalar(key_node)
            if not isinstance(key, str):
                key = key_node.value
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise _at(
                    key_node,
                    f"key `{key}` appears twice in this mapping (first on line "
                    f"{first}); keep one",
                )
            seen[key] = key_node
            result[key] = self.build(value_node, depth + 1)
        return result


def _at(node: yaml.Node, message: str) -> LoadError:
    return LoadError(message, node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: yaml.ScalarNode) -> Any:
    """The value of a scalar, following YAML 1.1's core types.

    Timestamps are kept as the text written; everything the YAML resolver
    does not recognise is a string.
    """
    tag = node.tag
    value = node.value
    if tag == _STR or node.style in ("'", '"', "|", ">"):
        return value
    if tag == _INT:
        return _int(value)
    if tag == _FLOAT:
        return _float(value)
    if tag == _BOOL:
        return value.lower() in ("yes", "true", "on", "y")
    if tag == _NULL:
        return None
    if tag == _TIMESTAMP:
        return value
    if tag in (_MAP, _SEQ):  # pragma: no cover - only for scalars with odd tags
        return value
    if tag.startswith("tag:yaml.org,2002:"):
        name = tag.removeprefix("tag:yaml.org,2002:")
        raise _at(node, f"YAML type `!!{name}` is not allowed in an incident file")
    raise _at(node, f"custom YAML tag `{tag}` is not allowed in an incident file")


def _int(value: str) -> int:
    text = value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if text.startswith("0") and len(text) > 1 and ":" not in text:
        return sign * int(text, 8)
    if ":" in text:  # sexagesimal, as YAML 1.1 allows (190:20:30)
        total = 0
        for part in text.split(":"):
            total = total * 60 + int(part)
        return sign * total
    return sign * int(text)


def _float(value: str) -> float:
    text = value.replace("_", "").lower()
    if text in (".inf", "+.inf"):
        return float("inf")
    if text == "-.inf":
        return float("-inf")
    if text == ".nan":
        return float("nan")
    if ":" in text:
        sign = -1.0 if text.startswith("-") else 1.0
        total = 0.0
        for part in text.lstrip("+-").split(":"):
            total = total * 60 + float(part)
        return sign * total
    return float(text)
