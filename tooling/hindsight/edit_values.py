"""Values as the round-trip editor writes them and as the toolkit reads them.

The editor writes with ruamel.yaml and the rest of the toolkit reads with
PyYAML (YAML 1.1), so a value is *prepared* before it is written: a quoted
scalar keeps its quotes, strings a YAML 1.1 reader would take for something
else are quoted, timestamps are written the way people write them. After a
splice the editor compares the file with the data it meant to write, as
:func:`as_read` says PyYAML will read it back.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.nodes import Node, ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

try:
    from yaml import CSafeLoader as Reader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as Reader  # type: ignore[assignment]

_QUOTED = {"'": SingleQuotedScalarString, '"': DoubleQuotedScalarString}
_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()


class Verbatim(str):
    """A scalar written exactly as given, unquoted: ``2024-01-15T14:30:00Z``."""


def prepared(value: Any, old: Node | None = None) -> Any:
    """The value as it will be written: quoting kept, YAML 1.1 pitfalls quoted.

    A replaced quoted scalar (``old``) keeps its quotes when the new value
    is text or a date. Strings that a YAML 1.1 reader would take for
    something else (``yes``, ``on``, ``1e3``) are single-quoted; timestamps
    are written the way people write them, ``Z`` for UTC.
    """
    if isinstance(old, ScalarNode) and old.style in _QUOTED:
        if isinstance(value, (str, date)) and not isinstance(value, Verbatim):
            return _QUOTED[old.style](
                timestamp_text(value) if isinstance(value, datetime) else str(value)
            )
    if isinstance(value, datetime):
        return Verbatim(timestamp_text(value))
    if isinstance(value, dict):
        return {k: prepared(v) for k, v in value.items()}
    if isinstance(value, list):
        return [prepared(v) for v in value]
    if (
        type(value) is str
        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG
    ):
        return SingleQuotedScalarString(value)
    return value


def timestamp_text(value: datetime) -> str:
    """An aware timestamp in ISO 8601, with ``Z`` for UTC."""
    text = value.isoformat()
    return text[:-6] + "Z" if value.utcoffset() == timedelta(0) else text


def as_read(value: Any) -> Any:
    """The prepared value as PyYAML will read it back from the file."""
    if isinstance(value, Verbatim):
        return yaml.load(str(value), Loader=Reader)  # noqa: S506 - safe loader
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {k: as_read(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_read(v) for v in value]
    return value


def flow(value: Any) -> Any:
    """The value with every mapping and list in flow style, for one line."""
    if isinstance(value, dict):
        mapping = CommentedMap((k, flow(v)) for k, v in value.items())
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(flow(v) for v in value)
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
