"""The routes under ``/api``, one module per resource."""

from fastapi import APIRouter

from backend.api import bookings, conversations, health, push, therapist

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(bookings.router)
api_router.include_router(conversations.router)
api_router.include_router(therapist.router)
api_router.include_router(push.router)
