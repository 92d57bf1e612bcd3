"""Schemathesis against our own OpenAPI document: every operation, as a member and as each
staff role, with a bounded number of generated requests; no 5xx, no response that breaks
its documented schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.checks import JsonSchemaError  # noqa: F401  (documents the check)
from schemathesis.specs.openapi.checks import response_schema_conformance

from auth.models import ROLES

NO_TOKEN = {"/api/v1/auth/logout", "/api/v1/auth/refresh"}


@pytest.fixture
def fuzz_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.fixture
def principals(api):
    merchant = api.merchant()
    return {"member": [api.member(merchant)["headers"]],
            "staff": [api.staff(merchant, role)["headers"] for role in ROLES]}


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_responses_match_the_document(case, principals):
    subject = case.operation.definition.raw.get("x-subject")
    headers = [{}] if case.path in NO_TOKEN else principals.get(subject, [{}])
    for header in headers:
        case.call_and_validate(headers=header,
                               checks=[not_a_server_error, response_schema_conformance])
