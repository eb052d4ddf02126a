"""Schemathesis generates requests (valid and invalid) from the live server's /openapi.json.

Whatever it sends, the server answers as its schema documents (status, JSON body shape), never
with a 5xx, and every 422 carries field errors.
Bounded to 30 examples per operation and mode, so the whole run takes seconds.

(``schemathesis.pytest.from_fixture`` + ``@schema.parametrize()`` is the documented way, but in
schemathesis 4.32.5 it sets ``Function._nodeid``, which pytest 9 no longer has; so each operation
gets a hypothesis test built from ``APIOperation.as_strategy`` instead.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.backend.conftest import Server

OPERATIONS = [("GET", "/api/health"), ("POST", "/api/bookings"), ("GET", "/api/bookings"),
              ("GET", "/api/bookings/last"), ("GET", "/api/bookings/{booking_id}")]
# Negative mode needs a constraint to break: /api/health has no input, and a booking id is any string.
RUNS = [(method, path, GenerationMode.POSITIVE) for method, path in OPERATIONS] + [
    (method, path, GenerationMode.NEGATIVE) for method, path in OPERATIONS
    if path not in ("/api/health", "/api/bookings/{booking_id}")]


@pytest.fixture(scope="module")
def live_schema(server: Server) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(server.url + "/openapi.json")


def test_every_api_operation_is_fuzzed(live_schema: schemathesis.BaseSchema) -> None:
    found = {(result.ok().method.upper(), result.ok().path) for result in live_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path", "mode"), RUNS, ids=[f"{m} {p} {g.value}" for m, p, g in RUNS])
def test_generated_requests_never_cause_a_server_error(live_schema: schemathesis.BaseSchema, server: Server,
                                                       method: str, path: str, mode: GenerationMode) -> None:
    operation = live_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def answers_sensibly(case: schemathesis.Case) -> None:
        # Every built-in check (status codes, content types and bodies as documented, invalid data
        # refused, no 5xx) except "schema-valid data is accepted": the catalog and the phone-number
        # rule refuse bodies the JSON Schema cannot describe, with a 422.
        response = case.call_and_validate(base_url=server.url, timeout=10,
                                          excluded_checks=[schemathesis.checks.positive_data_acceptance])
        where = f"{case.method} {case.formatted_path} → {response.status_code} {response.text[:300]}"
        assert response.status_code < 500, where
        content_type = response.headers.get("content-type", [""])[0]  # schemathesis: name → list of values
        assert content_type.startswith("application/json"), where
        if response.status_code == 422:
            body = response.json()
            assert isinstance(body["detail"], str) and body["errors"], where
            assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"]), where

    answers_sensibly()
