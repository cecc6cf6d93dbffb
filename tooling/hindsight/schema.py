"""Generate the incident JSON Schema from the model and the taxonomy.

The schema is what editors use to validate while an engineer types (the
``yaml-language-server`` modeline points at it) and the first check of
``hindsight validate``. Vocabularies that an organisation configures
(severities, root-cause categories, fishbone categories, the id pattern)
come from the taxonomy, so a repository's schema follows its taxonomy.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from typing import Any

from . import model
from .taxonomy import Taxonomy

SCHEMA_ID = "https://hindsight.invalid/schemas/incident.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def build_schema(taxonomy: Taxonomy) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of an incident file."""
    defs: dict[str, Any] = {}
    root = _object_schema(model.Incident, taxonomy, defs)
    schema = {
        "$schema": DRAFT,
        "$id": SCHEMA_ID,
        "title": "hindsight incident",
        **root,
        "$defs": dict(sorted(defs.items())),
    }
    return schema


def schema_text(taxonomy: Taxonomy) -> str:
    """The schema as the text written to ``schemas/incident.schema.json``."""
    return json.dumps(build_schema(taxonomy), indent=2, ensure_ascii=False) + "\n"


def _object_schema(cls: type, taxonomy: Taxonomy, defs: dict) -> dict[str, Any]:
    hints = model.model_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for item in dataclasses.fields(cls):
        meta = dict(item.metadata)
        prop = _type_schema(hints[item.name], meta, taxonomy, defs)
        prop = {"description": meta.get("doc", ""), **prop}
        properties[item.name] = prop
        no_default = item.default is dataclasses.MISSING
        if no_default and item.default_factory is dataclasses.MISSING:
            required.append(item.name)
    return {
        "description": (cls.__doc__ or "").strip(),
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": False,
    }


def _ref(cls: type, taxonomy: Taxonomy, defs: dict) -> dict[str, Any]:
    name = cls.__name__
    if name not in defs:
        defs[name] = {}  # placeholder first: the fault tree refers to itself
        defs[name] = _object_schema(cls, taxonomy, defs)
    return {"$ref": f"#/$defs/{name}"}


def _type_schema(hint: Any, meta: dict, taxonomy: Taxonomy, defs: dict) -> dict:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if len(options) == 1:
            return _type_schema(options[0], meta, taxonomy, defs)
        return {"oneOf": [_type_schema(o, meta, taxonomy, defs) for o in options]}
    if origin is typing.Literal:
        return {"enum": list(args)}
    if origin is list:
        schema = {"type": "array", "items": _item_schema(args[0], taxonomy, defs)}
        if "min_items" in meta:
            schema["minItems"] = meta["min_items"]
        return schema
    if origin is dict:
        schema = {
            "type": "object",
            "additionalProperties": _type_schema(args[1], {}, taxonomy, defs),
        }
        if meta.get("key_enum") == "fishbone_categories":
            schema["propertyNames"] = {"enum": list(taxonomy.fishbone_categories)}
        return schema
    if hint is datetime:
        return {"type": "string", "pattern": model.TIMESTAMP_RE.pattern}
    if hint is date:
        return {"type": "string", "pattern": model.DATE_RE.pattern}
    if hint is model.Url:
        return {"type": "string", "pattern": model.URL_RE.pattern}
    if dataclasses.is_dataclass(hint):
        return _ref(hint, taxonomy, defs)
    return _scalar_schema(hint, meta, taxonomy)


def _item_schema(hint: Any, taxonomy: Taxonomy, defs: dict) -> dict:
    if hint is str:
        return {"type": "string", "minLength": 1}
    return _type_schema(hint, {}, taxonomy, defs)


def _scalar_schema(hint: Any, meta: dict, taxonomy: Taxonomy) -> dict:
    kind = {str: "string", int: "integer", float: "number", bool: "boolean"}[hint]
    schema: dict[str, Any] = {"type": kind}
    if "min_length" in meta:
        schema["minLength"] = meta["min_length"]
    for key in ("minimum", "maximum"):
        if key in meta:
            schema[key] = meta[key]
    vocabulary = meta.get("enum")
    if vocabulary == "severities":
        schema["enum"] = list(taxonomy.severities)
    elif vocabulary == "categories":
        schema["enum"] = list(taxonomy.categories)
    if meta.get("pattern") == "incident_id":
        schema["pattern"] = taxonomy.incident_id_pattern
    return schema
