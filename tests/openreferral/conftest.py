"""Validate feed responses against the official Open Referral UK schemas (tests/data/hsds)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HSDS = Path(__file__).resolve().parent.parent / "data" / "hsds"
BASE = "https://hsds.invalid/"

FORMATS = FormatChecker()


# jsonschema checks "uri" and "date-time" only with optional packages; check them here
# so a relative URL or a date without a time fails the test whatever is installed.
@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value:
        raise ValueError("no time")
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _load(name: str) -> dict:
    return {**json.loads((HSDS / name).read_text(encoding="utf-8")), "$id": BASE + name}


def _registry() -> Registry:
    names = ["taxonomy.json", "taxonomy_term.json"] + [f"compiled/{p.name}" for p in (HSDS / "compiled").glob("*.json")]
    return Registry().with_resources(
        (BASE + n, Resource.from_contents(_load(n), default_specification=DRAFT202012)) for n in names
    )


def _page_schema(item: str) -> dict:
    """The profile's paged response: its Page object plus ``contents`` of ``item``."""
    page = json.loads((HSDS / "openapi.json").read_text(encoding="utf-8"))["components"]["schemas"]["Page"]
    return {
        **page,
        "required": list(page["properties"]) + ["contents"],
        "properties": {**page["properties"], "contents": {"type": "array", "items": {"$ref": BASE + item}}},
    }


class HsdsValidator:
    """``validate(kind, document)`` raises if the document breaks the official schema."""

    ITEMS = {
        "service": "compiled/service.json",
        "service_at_location": "compiled/service_at_location.json",
        "organization": "compiled/organization.json",
        "taxonomy": "taxonomy.json",
        "taxonomy_term": "taxonomy_term.json",
    }
    PAGES = {
        "services": "compiled/service_list.json",
        "service_at_locations": "compiled/service_at_location_list.json",
        "organizations": "compiled/organization_list.json",
        "taxonomies": "taxonomy.json",
        "taxonomy_terms": "taxonomy_term.json",
    }

    def __init__(self):
        self.registry = _registry()

    def _validator(self, schema: dict) -> Draft202012Validator:
        return Draft202012Validator(schema, registry=self.registry, format_checker=FORMATS)

    def item(self, kind: str, document: dict) -> None:
        self._validator({"$ref": BASE + self.ITEMS[kind]}).validate(document)

    def page(self, endpoint: str, document: dict) -> None:
        self._validator(_page_schema(self.PAGES[endpoint])).validate(document)


@pytest.fixture(scope="session")
def hsds() -> HsdsValidator:
    return HsdsValidator()
