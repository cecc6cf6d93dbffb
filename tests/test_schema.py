"""The schema is generated from the model, and the shipped copies agree."""

from __future__ import annotations

import dataclasses
import json

from conftest import ROOT
from hindsight import model
from hindsight.schema import build_schema, schema_text
from hindsight.taxonomy import load_taxonomy

DATA = ROOT / "tooling" / "hindsight" / "data"


def test_committed_schema_is_the_generated_one():
    generated = schema_text(load_taxonomy(None))
    assert (ROOT / "schemas" / "incident.schema.json").read_text() == generated
    assert (DATA / "incident.schema.json").read_text() == generated


def test_repository_taxonomy_is_the_packaged_default():
    assert (ROOT / "schemas" / "taxonomy.yaml").read_text() == (
        DATA / "taxonomy.yaml"
    ).read_text()


def test_every_model_field_is_in_the_schema_with_a_description():
    schema = build_schema(load_taxonomy(None))
    classes = {"Incident": schema, **schema["$defs"]}
    for name, part in classes.items():
        cls = getattr(model, name)
        fields = [f.name for f in dataclasses.fields(cls)]
        assert list(part["properties"]) == fields, name
        assert part["additionalProperties"] is False
        for prop in part["properties"].values():
            assert prop["description"], name


def test_schema_is_draft_2020_12_and_self_consistent():
    import jsonschema

    schema = json.loads((ROOT / "schemas" / "incident.schema.json").read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_required_fields_follow_the_format():
    schema = build_schema(load_taxonomy(None))
    assert set(schema["required"]) == {
        "schema_version",
        "incident_id",
        "title",
        "severity",
        "status",
        "start_time",
        "end_time",
        "impact_description",
        "services_affected",
    }
