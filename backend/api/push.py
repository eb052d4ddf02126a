"""Web Push: what a page needs to subscribe, and storing / deleting its subscription.

    GET    /api/push/config                   (no token) → {"enabled": bool, "public_key": str | null}
    POST   /api/therapist/push-subscriptions  (therapist token) PushSubscription JSON → 201 new / 200 stored
    DELETE /api/therapist/push-subscriptions  (therapist token) {"endpoint"} → 204
    POST   /api/push-subscriptions            (customer token) + "customer_id" it owns → 201 / 200
    DELETE /api/push-subscriptions            (customer token) {"customer_id", "endpoint"} → 204

The body is what the browser's ``PushSubscription.toJSON()`` gives (``endpoint``, ``keys.p256dh``,
``keys.auth``, ``expirationTime``), plus an optional ``language`` ("en"/"id") for the texts. An
endpoint that is not on an origin of ``PUSH_SERVICES`` is a 422 naming ``endpoint``: a subscription
must not become a way to make this server POST anywhere. With push off (no ``VAPID_PRIVATE_KEY`` /
``VAPID_SUBJECT``) the subscription routes answer 404 with a detail saying so; ``/config`` says
``enabled: false`` and the pages hide their switches. DELETE is 204 whether or not it was stored
(deleting twice is fine); a subscription is deleted only by its owner.

Example::

    curl -s localhost:8000/api/push/config      # {"enabled":true,"public_key":"BOr..."}
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from backend.api.auth import CustomerToken, TherapistAuth, _claim
from backend.api.openapi import INVALID, TOO_LARGE, TOO_MANY, UNAUTHORIZED, FORBIDDEN, request_body
from backend.api.deps import Conn, DatabaseDep, LimitsDep, SettingsDep, json_body
from backend.core.bodies import check_customer_id
from backend.core.clock import now_ms
from backend.core.config import Settings
from backend.core.errors import ApiError, ErrorBody, FieldError, InvalidRequest
from backend.crud import notifications as crud
from backend.db.engine import transaction
from backend.services import webpush

router = APIRouter(prefix="/api", tags=["push"])
ENDPOINT_MAX = 2048
OFF = {404: {"model": ErrorBody, "description": "Web Push is off on this server (no VAPID keys)"}}


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="forbid")
    p256dh: str = Field(min_length=1, max_length=200, description="The browser's P-256 key, base64url")
    auth: str = Field(min_length=1, max_length=100, description="Its 16-byte auth secret, base64url")


class SubscriptionBody(BaseModel):
    """A browser's ``PushSubscription.toJSON()``, and the language of the texts it should get."""

    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(min_length=1, max_length=ENDPOINT_MAX)
    keys: PushKeys
    expirationTime: float | None = None  # noqa: N815 - the browser's own name
    language: Literal["en", "id"] = "en"


class CustomerSubscriptionBody(SubscriptionBody):
    customer_id: str = Field(min_length=36, max_length=36)


class EndpointBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    endpoint: str = Field(min_length=1, max_length=ENDPOINT_MAX)


class CustomerEndpointBody(EndpointBody):
    customer_id: str = Field(min_length=36, max_length=36)


class PushConfig(BaseModel):
    enabled: bool
    public_key: str | None = Field(description="VAPID public key (applicationServerKey), base64url "
                                               "uncompressed P-256 point; null when push is off")


def _require_push(settings: SettingsDep) -> Settings:
    if not settings.push_enabled:
        raise ApiError(404, "Web Push is off on this server (VAPID_PRIVATE_KEY and VAPID_SUBJECT are not set).")
    return settings


PushOn = Annotated[Settings, Depends(_require_push)]


def _checked(body: SubscriptionBody, settings: Settings) -> None:
    errors = []
    if not webpush.endpoint_allowed(body.endpoint, settings.push_origins):
        errors.append(FieldError(field="endpoint", type="push_service",
                                 message="is not on a push service this server sends to (PUSH_SERVICES)"))
    point_ok, auth_ok = webpush.keys_valid(body.keys.p256dh, body.keys.auth)
    if not point_ok:
        errors.append(FieldError(field="keys.p256dh", type="push_key",
                                 message="must be a P-256 public key (65 bytes), base64url"))
    if not auth_ok:
        errors.append(FieldError(field="keys.auth", type="push_key", message="must be 16 bytes, base64url"))
    if errors:
        raise InvalidRequest(errors)


def _store(conn: Conn, body: SubscriptionBody, owner_type: str, owner_id: str) -> Response:
    sub = crud.PushSubscription(endpoint=body.endpoint, owner_type=owner_type, owner_id=owner_id,
                                p256dh=body.keys.p256dh, auth=body.keys.auth, language=body.language)
    with transaction(conn):
        created = crud.save_subscription(conn, sub, now_ms())
    return Response(status_code=201 if created else 200)


@router.get("/push/config", response_model=PushConfig, summary="Whether Web Push is on, and its public key")
def push_config(settings: SettingsDep) -> PushConfig:
    if not settings.push_enabled:
        return PushConfig(enabled=False, public_key=None)
    return PushConfig(enabled=True, public_key=webpush.public_key_of_private(settings.vapid_private_key or ""))


SubscriptionIn = Annotated[SubscriptionBody, Depends(json_body(SubscriptionBody))]
CustomerSubscriptionIn = Annotated[CustomerSubscriptionBody, Depends(json_body(CustomerSubscriptionBody))]
EndpointIn = Annotated[EndpointBody, Depends(json_body(EndpointBody))]
CustomerEndpointIn = Annotated[CustomerEndpointBody, Depends(json_body(CustomerEndpointBody))]
STORED = {200: {"description": "Already stored (keys and language updated)"},
          201: {"description": "Stored"}}
THERAPIST_RESPONSES = {**STORED, **UNAUTHORIZED, **OFF, **TOO_LARGE, **INVALID, **TOO_MANY}
CUSTOMER_RESPONSES = {**THERAPIST_RESPONSES, **FORBIDDEN}


@router.post("/therapist/push-subscriptions", status_code=201, response_class=Response,
             responses=THERAPIST_RESPONSES, openapi_extra=request_body(SubscriptionBody),
             summary="Send this therapist's notifications to this browser")
def therapist_subscribe(therapist: TherapistAuth, settings: PushOn, body: SubscriptionIn, conn: Conn) -> Response:
    _checked(body, settings)
    return _store(conn, body, "therapist", therapist.id)


@router.delete("/therapist/push-subscriptions", status_code=204, response_class=Response,
               responses={**UNAUTHORIZED, **OFF, **TOO_LARGE, **INVALID, **TOO_MANY}, openapi_extra=request_body(EndpointBody),
               summary="Stop sending this therapist's notifications to this browser")
def therapist_unsubscribe(therapist: TherapistAuth, settings: PushOn, body: EndpointIn, conn: Conn) -> Response:
    crud.delete_subscription(conn, body.endpoint, "therapist", therapist.id)
    return Response(status_code=204)


def _owned(request: Request, limits: LimitsDep, database: DatabaseDep, token: str, customer_id: str) -> None:
    check_customer_id(customer_id)
    _claim(request, limits, database, customer_id, token)


@router.post("/push-subscriptions", status_code=201, response_class=Response, responses=CUSTOMER_RESPONSES,
             openapi_extra=request_body(CustomerSubscriptionBody),
             summary="Send this customer's notifications (the therapist's answers) to this browser")
def customer_subscribe(request: Request, token: CustomerToken, settings: PushOn, body: CustomerSubscriptionIn,
                       conn: Conn, database: DatabaseDep, limits: LimitsDep) -> Response:
    _owned(request, limits, database, token, body.customer_id)
    _checked(body, settings)
    return _store(conn, body, "customer", body.customer_id)


@router.delete("/push-subscriptions", status_code=204, response_class=Response,
               responses={**UNAUTHORIZED, **FORBIDDEN, **OFF, **TOO_LARGE, **INVALID, **TOO_MANY},
               openapi_extra=request_body(CustomerEndpointBody),
               summary="Stop sending this customer's notifications to this browser")
def customer_unsubscribe(request: Request, token: CustomerToken, settings: PushOn, body: CustomerEndpointIn,
                         conn: Conn, database: DatabaseDep, limits: LimitsDep) -> Response:
    _owned(request, limits, database, token, body.customer_id)
    crud.delete_subscription(conn, body.endpoint, "customer", body.customer_id)
    return Response(status_code=204)
