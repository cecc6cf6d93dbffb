"""Schema errors in words a person acts on, at the line to edit.

jsonschema reports what failed in its own terms ("'x' is not one of ...").
:func:`translate` turns each error into a finding that names the field,
offers the closest valid name for a misspelt key or value ("did you mean
`services_affected`?"), tells a timestamp without an offset from one that
is not a time at all, and points at the key (for unknown keys) or the value.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Protocol

import jsonschema

from .findings import json_path
from .load import JsonPath
from .model import DATE_RE, NAIVE_TIMESTAMP_RE, TIMESTAMP_RE
from .taxonomy import Taxonomy


class FileReport(Protocol):
    """Where findings of one file go, placed by their path in the document."""

    def add(
        self,
        path: JsonPath,
        message: str,
        rule: str,
        severity: str = ...,
        at_key: bool = False,
    ) -> None: ...


def translate(
    error: jsonschema.ValidationError, report: FileReport, taxonomy: Taxonomy
) -> None:
    path = tuple(error.absolute_path)
    kind = error.validator
    if path[:2] == ("analysis", "fault_tree"):
        return  # the fault-tree structure check explains these in its own terms
    if "propertyNames" in error.absolute_schema_path:
        _property_names(error, path, report, taxonomy)
        return
    if kind == "oneOf" and path and path[-1] == "five_whys":
        report.add(
            path,
            "`five_whys` must be a list of {question, answer} mappings, or a list "
            "of plain strings alternating question and answer",
            "schema",
        )
        return
    if kind in ("oneOf", "anyOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        translate(best, report, taxonomy)
        return
    handler = _HANDLERS.get(str(kind))
    if handler:
        handler(error, path, report, taxonomy)
    else:
        report.add(path, f"{_label(path)}: {error.message}", "schema")


def _label(path: JsonPath) -> str:
    return f"`{json_path(path)[2:] or 'document'}`" if path else "the document"


def did_you_mean(value: object, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(str(value), list(options), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def _additional(error, path, report, taxonomy) -> None:
    allowed = list(error.schema.get("properties", {}))
    for key in sorted(set(error.instance) - set(allowed)):
        hint = did_you_mean(key, allowed)
        if not hint:
            hint = f"; known keys: {', '.join(allowed)}"
        where = "at the top level" if not path else f"in {_label(path)}"
        report.add(
            (*path, key),
            f"unknown key `{key}` {where}{hint}",
            "unknown-key",
            at_key=True,
        )


def _required(error, path, report, taxonomy) -> None:
    missing = re.match(r"'(.+)' is a required property", error.message)
    key = missing.group(1) if missing else "?"
    where = "" if not path else f" in {_label(path)}"
    report.add(path, f"missing required key `{key}`{where}", "required")


def _enum(error, path, report, taxonomy) -> None:
    options = [str(o) for o in error.validator_value]
    value = error.instance
    report.add(
        path,
        f"{_label(path)} is `{value}`, not one of {', '.join(options)}"
        + did_you_mean(value, options),
        "enum",
    )


def _property_names(error, path, report, taxonomy) -> None:
    # Only the fishbone uses propertyNames: its categories are configurable.
    categories = list(taxonomy.fishbone_categories)
    key = str(error.instance)
    report.add(
        (*path, key),
        f"unknown fishbone category `{key}`"
        + (did_you_mean(key, categories) or f"; use one of {', '.join(categories)}"),
        "fishbone-category",
        at_key=True,
    )


_TYPE_NAMES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "array": "a list",
    "object": "a mapping",
    "boolean": "true or false",
}


def _type(error, path, report, taxonomy) -> None:
    wanted = error.validator_value
    name = _TYPE_NAMES.get(wanted, wanted) if isinstance(wanted, str) else wanted
    got = _describe(error.instance)
    hint = ""
    if wanted == "array" and isinstance(error.instance, str):
        hint = "; write it as a list: `- item` lines or `[a, b]`"
    report.add(path, f"{_label(path)} must be {name}, not {got}{hint}", "type")


def _describe(value: object) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text `{value[:60]}`"
    return f"`{value}`"


def _pattern(error, path, report, taxonomy) -> None:
    value = error.instance
    pattern = error.validator_value
    if pattern == TIMESTAMP_RE.pattern:
        if NAIVE_TIMESTAMP_RE.match(value.strip()):
            message = (
                f"{_label(path)} is `{value}`, which has no UTC offset; add `Z` for "
                "UTC or the offset, e.g. `+02:00` (it is never taken as UTC silently)"
            )
        else:
            message = (
                f"{_label(path)} is `{value}`, not a timestamp; write "
                "`YYYY-MM-DDTHH:MM:SSZ` or with an offset such as `+02:00`"
            )
        report.add(path, message, "timestamp")
    elif pattern == DATE_RE.pattern:
        report.add(path, f"{_label(path)} is `{value}`, not a YYYY-MM-DD date", "date")
    elif path and path[0] in ("references",) or "tracking_url" in path:
        report.add(path, f"{_label(path)} is `{value}`, not an http(s) URL", "url")
    elif path == ("incident_id",):
        report.add(
            path,
            f"incident id `{value}` does not match the pattern `{pattern}` "
            "(e.g. INC-2024-001)",
            "incident-id",
        )
    else:
        report.add(path, f"{_label(path)} does not match `{pattern}`", "schema")


def _min_length(error, path, report, taxonomy) -> None:
    report.add(path, f"{_label(path)} must not be empty", "empty")


def _min_items(error, path, report, taxonomy) -> None:
    report.add(path, f"{_label(path)} needs at least one entry", "empty")


def _range(error, path, report, taxonomy) -> None:
    bound = error.validator_value
    side = "at least" if error.validator == "minimum" else "at most"
    report.add(
        path, f"{_label(path)} is {error.instance}; it must be {side} {bound}", "range"
    )


_HANDLERS = {
    "additionalProperties": _additional,
    "required": _required,
    "enum": _enum,
    "const": _enum,
    "propertyNames": _property_names,
    "type": _type,
    "pattern": _pattern,
    "minLength": _min_length,
    "minItems": _min_items,
    "minimum": _range,
    "maximum": _range,
}
