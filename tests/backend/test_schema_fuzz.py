"""Schemathesis generates requests (valid and invalid) from the live server's /openapi.json.

Whatever it sends, the server answers as its schema documents (status, JSON body shape), never
with a 5xx, and every 422 carries field errors.
Bounded to 30 examples per operation and mode on SQLite and 12 on PostgreSQL (the same code
paths again, on the second engine's storage), so the whole run takes seconds.

Every customer and therapist operation needs a bearer token: every case carries a valid one (a
customer token, which owns whatever UUID4 customer id it meets first, or a therapist token for Ayu
from the operator CLI), so the authenticated code is what gets fuzzed. In positive mode half the
cases also get the fuzzer's own customer id, session id and booking id, since a random one mostly
names nobody (or is not a UUID4). Long
polls are held for at most 50 ms (a generated ``wait`` of 30 s would stall the run).

(``schemathesis.pytest.from_fixture`` + ``@schema.parametrize()`` is the documented way, but in
schemathesis 4.32.5 it sets ``Function._nodeid``, which pytest 9 no longer has; so each operation
gets a hypothesis test built from ``APIOperation.as_strategy`` instead.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from tests.backend.conftest import Chat, Server, auth_for, booking, new_customer, post_booking

CONVERSATION = "/api/conversations/{session_id}/messages"
THERAPIST_CONVERSATION = "/api/therapist/conversations/{session_id}"
OPERATIONS = [("GET", "/api/health"), ("POST", "/api/bookings"), ("GET", "/api/bookings"),
              ("GET", "/api/bookings/last"), ("GET", "/api/bookings/{booking_id}"),
              ("POST", CONVERSATION), ("GET", CONVERSATION), ("POST", "/api/conversations/{session_id}/read"),
              ("GET", "/api/therapist/me"), ("GET", "/api/therapist/conversations"),
              ("GET", THERAPIST_CONVERSATION + "/messages"), ("POST", THERAPIST_CONVERSATION + "/messages"),
              ("POST", THERAPIST_CONVERSATION + "/read"), ("GET", THERAPIST_CONVERSATION + "/bookings"),
              ("GET", "/api/therapists/{therapist_id}/slots"), ("POST", "/api/bookings/{booking_id}/cancel"),
              ("POST", "/api/therapist/bookings/{booking_id}/{action}"), ("GET", "/api/therapist/bookings")]
# Negative mode needs a constraint to break: /api/health and /api/therapist/me have no input, and a
# booking id is any string.
RUNS = [(method, path, GenerationMode.POSITIVE) for method, path in OPERATIONS] + [
    (method, path, GenerationMode.NEGATIVE) for method, path in OPERATIONS
    if path not in ("/api/health", "/api/bookings/{booking_id}", "/api/therapist/me")]
WAIT_HELD_S = 0.05
EXAMPLES = {"sqlite": 30, "postgresql": 12}


@dataclass
class FuzzChat(Chat):
    booking_id: str = ""


@pytest.fixture(scope="module")
def fuzz_chat(server: Server, ayu_auth: dict[str, str]) -> FuzzChat:
    """A started conversation with Ayu, for the cases that get a real session id."""
    customer = new_customer()
    chat = Chat(server, customer, auth_for(customer), ayu_auth)
    with server.client() as client:
        assert chat.send(client, "Hello from the fuzzer's customer").status_code == 201
        created = post_booking(client, booking(customer_id=customer))
        assert created.status_code == 201, created.text
    return FuzzChat(chat.server, chat.customer_id, chat.customer_auth, chat.therapist_auth,
                    booking_id=created.json()["id"])


def _prepare(case: schemathesis.Case, chat: FuzzChat, real_session: bool) -> dict[str, Any]:
    """The headers to send, after pointing the case at a real conversation and capping its wait."""
    if real_session and case.path_parameters and "session_id" in case.path_parameters:
        case.path_parameters["session_id"] = chat.session_id
        if isinstance(case.body, dict) and "sender_id" in case.body:  # a customer's own message
            case.body |= {"sender_id": chat.customer_id, "sender_type": "customer"}
    if real_session and isinstance(case.body, dict) and "customer_id" in case.body:  # a booking of theirs
        case.body["customer_id"] = chat.customer_id
    if real_session and isinstance(case.query, dict) and "customer_id" in case.query:  # their last booking
        case.query["customer_id"] = chat.customer_id
    if real_session and case.path_parameters and "booking_id" in case.path_parameters:
        case.path_parameters["booking_id"] = chat.booking_id
    wait = (case.query or {}).get("wait")
    if isinstance(wait, int | float) and not isinstance(wait, bool) and 0 <= wait <= 30:
        case.query["wait"] = min(wait, WAIT_HELD_S)
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        return {}  # the case is about a missing or broken Authorization header: keep it broken
    if case.path.startswith("/api/therapist"):
        return chat.therapist_auth
    if case.path.startswith("/api/conversations") or (case.path.startswith("/api/bookings")
                                                       and case.path != "/api/bookings" or case.method == "POST"):
        return chat.customer_auth  # every customer route; the admin listing gets none (403 here)
    return {}


@pytest.fixture(scope="module")
def live_schema(server: Server) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(server.url + "/openapi.json")


def test_every_api_operation_is_fuzzed(live_schema: schemathesis.BaseSchema) -> None:
    found = {(result.ok().method.upper(), result.ok().path) for result in live_schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path", "mode"), RUNS, ids=[f"{m} {p} {g.value}" for m, p, g in RUNS])
def test_generated_requests_never_cause_a_server_error(live_schema: schemathesis.BaseSchema, server: Server,
                                                       fuzz_chat: FuzzChat, engine: str, method: str, path: str,
                                                       mode: GenerationMode) -> None:
    operation = live_schema[path][method]
    real_session = st.booleans() if mode is GenerationMode.POSITIVE else st.just(False)

    @given(case=operation.as_strategy(generation_mode=mode), real_session=real_session)
    @settings(max_examples=EXAMPLES[engine], deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def answers_sensibly(case: schemathesis.Case, real_session: bool) -> None:
        headers = _prepare(case, fuzz_chat, real_session)
        # Every built-in check (status codes, content types and bodies as documented, invalid data
        # refused, no 5xx) except "schema-valid data is accepted": the catalog, the phone-number
        # rule and the session's sender rules refuse bodies the JSON Schema cannot describe, with
        # a 422.
        # And, for a booking by id (read or cancelled), "invalid credentials are 401/403": another customer's token gets
        # the 404 an unknown id gets, on purpose (the answer must not tell that the booking exists).
        response = case.call(base_url=server.url, timeout=10, headers=headers)
        excluded = [schemathesis.checks.positive_data_acceptance]
        if path in ("/api/bookings/{booking_id}", "/api/bookings/{booking_id}/cancel"):
            excluded.append(schemathesis.checks.ignored_auth)
        if response.status_code == 413:  # a body over 16 KB is refused before it is read: a rejection too
            excluded.append(schemathesis.checks.negative_data_rejection)
        case.validate_response(response, headers=headers, excluded_checks=excluded,
                               transport_kwargs={"base_url": server.url, "headers": headers, "timeout": 10})
        where = f"{case.method} {case.formatted_path} → {response.status_code} {response.text[:300]}"
        assert response.status_code < 500, where
        content_type = response.headers.get("content-type", [""])[0]  # schemathesis: name → list of values
        assert content_type.startswith("application/json"), where
        if response.status_code == 422:
            body = response.json()
            assert isinstance(body["detail"], str) and body["errors"], where
            assert all(isinstance(e["message"], str) and e["message"] for e in body["errors"]), where

    answers_sensibly()
