"""The JSON Schema of scenario files, for editors (yaml-language-server) and documentation."""

from __future__ import annotations

from typing import Any

from .config import Scenario

__all__ = ["json_schema"]


def json_schema() -> dict[str, Any]:
    """JSON Schema of a scenario YAML file.

    It is the schema of :class:`simulator.config.Scenario`, plus the file-level key
    ``extends``; ``name`` is optional in a file (it defaults to the file name).
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
    return schema
