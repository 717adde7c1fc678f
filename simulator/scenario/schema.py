"""The JSON Schema of scenario files, for editors (yaml-language-server) and documentation."""

from __future__ import annotations

from typing import Any

from simulator.scenario.lever_params import PARAMS
from simulator.scenario.models import Scenario

__all__ = ["json_schema"]


def _lever_schemas(defs: dict[str, Any]) -> dict[str, Any]:
    """One ``oneOf`` branch per lever: ``lever`` (a constant) plus that lever's parameters."""
    branches = []
    for name, model in PARAMS.items():
        sub = model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(sub.pop("$defs", {}))
        sub["properties"] = {"lever": {"const": name}, **sub.get("properties", {})}
        sub["required"] = ["lever", *sub.get("required", [])]
        sub["title"] = name
        branches.append(sub)
    return {
        "description": "a lever: 'lever' names it, the other keys are its parameters (docs/levers.md)",
        "oneOf": branches,
    }


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario YAML file.

    It is the schema of :class:`simulator.scenario.models.Scenario`, plus the file-level key
    ``extends``; ``name`` is optional in a file (it defaults to the file name). Each entry of
    ``levers`` is described by its lever's own parameters.
    """
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Border gate simulator scenario"
    schema["properties"] = {
        "extends": {
            "type": "string",
            "description": "another scenario file (relative path) to inherit from; mappings merge, lists replace",
        },
        **schema["properties"],
    }
    schema["required"] = [k for k in schema.get("required", []) if k != "name"]
    schema["$defs"]["LeverSpec"] = _lever_schemas(schema["$defs"])
    return schema
