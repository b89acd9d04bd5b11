"""Token budgets derived from the schemas' own bounds, so no valid answer is ever cut short.

A truncated answer is invalid JSON and costs a whole retry; a budget sized from the longest
document the schema allows (every string at its ``maxLength``, every list at its ``maxItems``)
rules that out, and a bigger bound in a schema raises its budget with it.
"""

import math
from typing import Any

from pydantic import BaseModel

# Conservative: English prose runs ~4 characters per token, JSON punctuation fewer.
CHARS_PER_TOKEN = 3.0
# The end-of-answer token and a few spaces: the CPU and GPU engines decode compact JSON
# (serving/llm.py), but another OpenAI-compatible server may allow some whitespace.
SLACK_TOKENS = 32
NUMBER_CHARS = 24


def _max_chars(schema: dict[str, Any], definitions: dict[str, Any]) -> int:
    if "$ref" in schema:
        return _max_chars(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
    alternatives = schema.get("anyOf") or schema.get("oneOf")
    if alternatives:
        return max(_max_chars(s, definitions) for s in alternatives)
    if "enum" in schema:
        return max(len(str(value)) for value in schema["enum"]) + 2
    if "const" in schema:
        return len(str(schema["const"])) + 2
    kind = schema.get("type")
    if kind == "string":
        if "maxLength" not in schema:
            raise ValueError("a string without maxLength has no budget")
        return int(schema["maxLength"]) + 2
    if kind in ("integer", "number"):
        return NUMBER_CHARS
    if kind == "boolean":
        return 5
    if kind == "array":
        if "maxItems" not in schema:
            raise ValueError("a list without maxItems has no budget")
        item = _max_chars(schema["items"], definitions)
        return 2 + int(schema["maxItems"]) * (item + 2)
    if kind == "object":
        fields = schema.get("properties", {})
        return 2 + sum(len(name) + 4 + _max_chars(s, definitions) for name, s in fields.items())
    raise ValueError(f"no budget for schema {schema}")


def max_json_chars(model: type[BaseModel]) -> int:
    """The length of the longest JSON document ``model``'s schema admits (compact form)."""
    schema = model.model_json_schema()
    return _max_chars(schema, schema.get("$defs", {}))


def token_budget(model: type[BaseModel]) -> int:
    return math.ceil(max_json_chars(model) / CHARS_PER_TOKEN) + SLACK_TOKENS
