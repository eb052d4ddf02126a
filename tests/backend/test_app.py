"""The application around the routes: health, docs, CORS, JSON errors everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.backend.conftest import QUIET_ENV, Location, Server, execute
from tests.support.server import running_server

ALLOWED = "https://pages.example.org"


def test_health_reports_the_database(api: httpx.Client) -> None:
    response = api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok",
                               "notifications": {"pending": 0, "delivered": 0, "failed": 0, "dropped": 0}}


def test_openapi_and_docs_are_not_shadowed_by_the_page_files(api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()
    assert {"/api/bookings", "/api/bookings/last", "/api/bookings/{booking_id}", "/api/health"} <= set(
        schema["paths"])
    post = schema["paths"]["/api/bookings"]["post"]
    assert post["parameters"][0]["name"] == "Idempotency-Key" and post["parameters"][0]["required"]
    assert "customer_whatsapp" in post["requestBody"]["content"]["application/json"]["schema"]["properties"]


def test_openapi_documents_the_chat_with_its_bearer_schemes_and_bodies(api: httpx.Client) -> None:
    schema = api.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["CustomerToken"]["scheme"] == schemes["TherapistToken"]["scheme"] == "bearer"
    customer = schema["paths"]["/api/conversations/{session_id}/messages"]
    assert customer["post"]["security"] == [{"CustomerToken": []}]
    assert "sender_type" in customer["post"]["requestBody"]["content"]["application/json"]["schema"]["properties"]
    reply = schema["paths"]["/api/therapist/conversations/{session_id}/messages"]["post"]
    assert reply["security"] == [{"TherapistToken": []}]
    assert reply["requestBody"]["content"]["application/json"]["schema"]["additionalProperties"] is False
    for path, method in (("/api/bookings", "post"), ("/api/bookings/last", "get"),
                         ("/api/bookings/{booking_id}", "get")):
        assert schema["paths"][path][method]["security"] == [{"CustomerToken": []}], path  # required


def test_the_page_is_still_served_and_unknown_paths_are_json_404(api: httpx.Client) -> None:
    assert api.get("/").status_code == 200
    missing = api.get("/api/no-such-thing")
    assert missing.status_code == 404 and missing.json()["detail"]
    wrong_method = api.delete("/api/bookings")
    assert wrong_method.status_code == 405 and wrong_method.json()["detail"]


@pytest.fixture(scope="module")
def cors_server(new_database: Callable[[], Location]) -> Iterator[Server]:
    database = new_database()
    env = QUIET_ENV | {"CORS_ALLOW_ORIGINS": f"{ALLOWED}, https://other.example"}
    with running_server(database, env=env) as url:
        yield Server(url, database)


def test_cors_preflight_from_an_allowed_origin_may_send_the_idempotency_key_and_a_token(
        cors_server: Server) -> None:
    response = httpx.options(cors_server.url + "/api/bookings", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,idempotency-key,authorization"})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "idempotency-key" in allowed and "content-type" in allowed and "authorization" in allowed
    assert "access-control-expose-headers" not in response.headers


def test_cors_answers_an_allowed_origin_even_when_refusing_the_body(cors_server: Server) -> None:
    response = httpx.post(cors_server.url + "/api/bookings", content=b"x" * 20_000,
                          headers={"Origin": ALLOWED, "Idempotency-Key": "k"})
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_cors_refuses_other_origins(cors_server: Server) -> None:
    preflight = httpx.options(cors_server.url + "/api/bookings", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 400
    simple = httpx.get(cors_server.url + "/api/health", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_without_an_allow_list_no_cors_headers_are_sent(api: httpx.Client) -> None:
    response = api.get("/api/health", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in response.headers


def test_health_is_503_when_the_database_cannot_be_queried(new_database: Callable[[], Location]) -> None:
    database = new_database()
    with running_server(database, env=QUIET_ENV) as url:
        execute(database, "DROP TABLE bookings")
        response = httpx.get(url + "/api/health", timeout=10)
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable"}
