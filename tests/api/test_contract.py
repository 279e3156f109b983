"""Schemathesis: every operation of /api/v1/openapi.json, on an empty and a populated registry, every check.

Each operation gets a few valid and a few invalid generated requests (plus
the document's examples): no 5xx, every response as documented (status,
content type, headers, body), no schema-valid request refused and no
schema-violating one accepted. Bounded and derandomized so it stays quick
and repeatable; no stateful runs (tests/openreferral/test_sync.py follows
the feed's Link headers as a harvester does).

What a schema cannot say, the document says in extensions that this test
reads rather than knows: ``x-known-values`` (a well-formed value must also
be one the registry holds: a district in its table, an id it gave out),
``x-issued-by`` (only values the server handed out, such as a cursor),
``x-requires`` and ``x-excludes`` (which parameters need or rule out which).
Generated valid requests follow them; ``test_documented_dependencies_are_enforced``
checks that breaking them is a 400 naming the parameter.

The strategies are driven with Hypothesis directly rather than through
``schemathesis.pytest.from_fixture``, whose pytest hooks do not work with
pytest 9.2.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import approve_checks

EXAMPLES_PER_MODE = 15


def _populate(app, make_provider) -> None:
    pa = make_provider("pa", name="Ceri Morgan", base_postcode="LS6 2AA")
    approve_checks(app, pa)
    org = make_provider(
        "organisation", name="Kirkstall Care", base_postcode="LS5 3AA", services=["companionship", "meal-delivery"]
    )
    approve_checks(app, org, kinds=("identity", "dbs", "insurance", "cqc", "food_hygiene"))
    make_provider("pa", name="Still Waiting", base_postcode="LS6 1AA")


def _query_parameters(document: dict, path: str, method: str) -> dict[str, dict]:
    operation = document["paths"][path][method.lower()]
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def _example(parameter: dict):
    return parameter.get("example", parameter.get("schema", {}).get("example"))


def _given(value) -> bool:
    return value not in (None, "", [])  # an empty value means "not given" where the document allows it


def as_documented(case, parameters: dict[str, dict]):
    """A generated valid request, made to follow the document's x- rules (see the module docstring)."""
    query = dict(case.query or {})
    for name in list(query):
        schema = parameters.get(name, {}).get("schema", {})
        if _given(query[name]) and "x-issued-by" in schema:
            del query[name]
        elif _given(query[name]) and "x-known-values" in schema:
            query[name] = _example(parameters[name])
    for name in list(query):
        schema = parameters.get(name, {}).get("schema", {})
        if name not in query or not _given(query[name]):
            continue
        for needed in schema.get("x-requires", []):
            if not _given(query.get(needed)):
                query[needed] = _example(parameters[needed])
        for value, excluded in schema.get("x-excludes", {}).items():
            if value == "*" or str(query[name]).strip() == value:
                for other in excluded:
                    query.pop(other, None)
    case.query = query
    return case


def _check(case) -> None:
    # The WSGI transport hands over the bytes as sent, without undoing a Content-Encoding as an HTTP client
    # does (tests/foundation/test_compression.py covers compression), so it asks for none.
    case.call_and_validate(headers={"Accept-Encoding": "identity"})


@pytest.mark.parametrize("contents", ["empty", "populated"])
def test_every_operation_answers_as_documented(app, make_provider, contents):
    if contents == "populated":
        _populate(app, make_provider)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        parameters = _query_parameters(document, operation.path, operation.method)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if mode is GenerationMode.POSITIVE:
                strategy = strategy.map(lambda case, parameters=parameters: as_documented(case, parameters))

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES_PER_MODE,
                derandomize=True,
                database=None,  # no .hypothesis/ folder in the working tree
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                _check(case)

            try:
                run()
            except Unsatisfiable:
                # Only a free-form path parameter: there is no invalid request to make.
                assert mode is GenerationMode.NEGATIVE, operation.label
            except Exception as error:  # name the operation in the failure
                error.add_note(f"operation: {operation.label} ({mode})")
                raise


def test_documented_dependencies_are_enforced(app, make_provider):
    """Each x-requires and x-excludes in the document: breaking it is a 400 naming the parameter."""
    _populate(app, make_provider)
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    broken = 0
    for path, operations in document["paths"].items():
        if "{" in path:
            continue
        parameters = _query_parameters(document, path, "get")
        for name, parameter in parameters.items():
            schema = parameter["schema"]
            for needed in schema.get("x-requires", []):
                response = client.get(path, query_string={name: _example(parameter) or "1000"})
                assert response.status_code == 400, (path, name, needed)
                assert name in response.get_json()["error"]["fields"]
                broken += 1
            for value, excluded in schema.get("x-excludes", {}).items():
                for other in excluded:
                    given = {name: value if value != "*" else "abc", other: _example(parameters[other]) or "2"}
                    response = client.get(path, query_string=given)
                    assert response.status_code == 400, (path, given)
                    assert set(response.get_json()["error"]["fields"]) & {name, other}, (path, given)
                    broken += 1
    assert broken >= 10  # proximity without postcode, ndjson with paging..., on /services and the rest
