"""/openapi.json says what the server enforces about customer ids (issue 21, item 13): a canonical UUID4."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from backend.core.bodies import UUID4_PATTERN
from tests.backend.conftest import booking, field_errors, post_booking


def customer_id_schemas(schema: Any) -> list[dict]:
    found = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "customer_id" and isinstance(value, dict) and "type" in value:
                found.append(value)
            elif key == "name" and value == "customer_id" and "schema" in schema:
                found.append(schema["schema"])
            else:
                found.extend(customer_id_schemas(value))
    elif isinstance(schema, list):
        for item in schema:
            found.extend(customer_id_schemas(item))
    return found


def test_every_customer_id_in_the_schema_is_the_uuid4_the_server_checks(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    request = spec["paths"]["/api/bookings"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schemas = customer_id_schemas(spec)
    assert request["properties"]["customer_id"] in schemas and len(schemas) >= 3
    for schema in schemas:
        assert schema["pattern"] == UUID4_PATTERN, schema
        assert (schema["minLength"], schema["maxLength"]) == (36, 36)


def test_what_the_schema_allows_the_server_accepts_and_what_it_refuses_the_server_refuses(
        api: httpx.Client) -> None:
    pattern = re.compile(UUID4_PATTERN)
    good, loose = str(uuid.uuid4()), "customer:42"  # the old pattern ^[A-Za-z0-9_.:-]+$ allowed this one
    assert pattern.fullmatch(good) and not pattern.fullmatch(loose)
    assert post_booking(api, booking(customer_id=good)).status_code == 201
    assert "customer_id" in field_errors(post_booking(api, booking(customer_id=loose)))
