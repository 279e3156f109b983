"""Schemathesis's stateful mode: sequences of calls that follow the document's links, as a client walks the API.

From a search to a provider and its reviews, from each feed list to the record it names: every step's request is
generated from the document, the ids come from the previous response (the links), and every response must be as
documented. On a populated registry, on each database. The same document rules as test_contract.py's stateless
run apply to each generated request (``as_documented``).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from tests.api.test_contract import _populate, _query_parameters, as_documented


def test_walking_the_documented_links_answers_as_documented_at_every_step(app, make_provider):
    _populate(app, make_provider)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    links = sum(len(r.get("links", {})) for p in document["paths"].values() for r in p["get"]["responses"].values())
    assert links >= 7  # the walk has somewhere to go: every list leads to its records

    steps: list[tuple[str, int]] = []

    class Client(schema.as_state_machine()):
        def before_call(self, case):
            as_documented(case, _query_parameters(document, case.operation.path, case.method))

        def get_call_kwargs(self, case):
            # The WSGI transport does not undo a Content-Encoding (see test_contract.py), so it asks for none.
            return {"headers": {"Accept-Encoding": "identity"}}

        def after_call(self, response, case):
            super().after_call(response, case)
            steps.append((case.operation.path, response.status_code))

    Client.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=6,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    # The walk followed links to records that exist, not only to lists and 404s.
    reached = {path for path, status in steps if status == 200}
    assert {
        "/openreferral/services/{id}",
        "/openreferral/organizations/{id}",
        "/openreferral/taxonomies/{id}",
    } <= reached


def test_every_documented_link_leads_from_a_list_to_a_record_that_answers(app, make_provider):
    """Each link followed by hand, from its list called with the document's examples, to a 200."""
    _populate(app, make_provider)
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    operations = {op["get"]["operationId"]: (path, op["get"]) for path, op in document["paths"].items()}
    examples = {"/api/v1/search": {"postcode": "LS6 2AA"}, "/api/v1/providers/{slug}": {"slug": "ceri-morgan"}}
    followed = 0
    for source_id, (source_path, source) in operations.items():
        for name, link in source["responses"]["200"].get("links", {}).items():
            path_params = examples.get(source_path, {})
            url = source_path.format(**path_params) if "{" in source_path else source_path
            response = client.get(url, query_string={} if "{" in source_path else path_params)
            assert response.status_code == 200, (source_id, response.status_code)
            ((parameter, expression),) = link["parameters"].items()
            if expression.startswith("$request.path."):
                value = path_params[expression.removeprefix("$request.path.")]
            else:
                value = response.get_json()
                for step in expression.removeprefix("$response.body#/").split("/"):
                    value = value[int(step)] if isinstance(value, list) else value[step]
            target_path, _ = operations[link["operationId"]]
            target = client.get(target_path.replace("{" + parameter + "}", str(value)))
            assert target.status_code == 200, (source_id, name, target_path, value, target.status_code)
            followed += 1
    assert followed == 7
