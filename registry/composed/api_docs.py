"""/api/docs: the OpenAPI document as a plain page (server-rendered, no script)."""

from __future__ import annotations

import json

from flask import render_template


def _type_of(schema: dict) -> str:
    """A short, readable type: "string", "array of Service", "integer (1–500)"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}))}"
    if schema.get("format"):
        kind += f" ({schema['format']})"
    bounds = [
        f"{word} {schema[key]:g}"
        for key, word in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<"))
        if key in schema
    ]
    if "maxLength" in schema:
        bounds.append(f"at most {schema['maxLength']} characters")
    if bounds:
        kind += ", " + ", ".join(bounds)
    return kind


def _parameter(parameter: dict) -> dict:
    schema = parameter.get("schema", {})
    choices = schema.get("enum") or schema.get("items", {}).get("enum") or []
    return {
        "name": parameter["name"],
        "where": parameter["in"],
        "required": parameter.get("required", False),
        "type": _type_of(schema),
        "repeatable": schema.get("type") == "array",
        "default": schema.get("default"),
        "choices": [str(c) for c in choices],
        "description": parameter.get("description", schema.get("description", "")),
        "example": parameter.get("example"),
    }


def _operations(document: dict) -> list[dict]:
    operations = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            responses = []
            for status, response in operation["responses"].items():
                content = response.get("content", {}).get("application/json", {})
                example = content.get("example")
                responses.append(
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "schema": _type_of(content["schema"]) if content.get("schema") else None,
                        "example": json.dumps(example, indent=2, ensure_ascii=False) if example is not None else None,
                        "headers": sorted(response.get("headers", {})),
                    }
                )
            operations.append(
                {
                    "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-"),
                    "method": method.upper(),
                    "path": path,
                    "tag": (operation.get("tags") or ["Other"])[0],
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": [_parameter(p) for p in operation.get("parameters", [])],
                    "responses": responses,
                }
            )
    return operations


def _schemas(document: dict) -> list[dict]:
    return [
        {
            "name": name,
            "properties": [
                {
                    "name": prop,
                    "type": _type_of(spec),
                    "description": spec.get("description", ""),
                    "required": prop in schema.get("required", []),
                }
                for prop, spec in schema.get("properties", {}).items()
            ],
        }
        for name, schema in sorted(document["components"]["schemas"].items())
    ]


def api_docs():
    """Every operation, parameter, response and schema of /api/v1/openapi.json, readable without JavaScript."""
    from registry.composed.openapi import build_document
    from registry.providers.services import all_service_types

    document = build_document([t.slug for t in all_service_types()])
    operations = _operations(document)
    tags = [
        (tag["name"], tag.get("description", ""), [op for op in operations if op["tag"] == tag["name"]])
        for tag in document["tags"]
    ]
    return render_template("api/docs.html", info=document["info"], tags=tags, schemas=_schemas(document))
