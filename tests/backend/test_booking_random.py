"""A random sequence of requests and actions, against the real server on both engines, never leaves two
overlapping holds (with buffers) for one therapist, and every answer is one the lifecycle allows.

Hypothesis drives a state machine: customers request starts on a crowded afternoon (several
durations, on the grid), the therapist accepts, declines and cancels, customers cancel. After every
step the database itself is read: the requested and confirmed bookings of the therapist hold
ranges that never overlap. Wayan (the tests' catalog) is kept for this test; each example takes an
afternoon of its own, months ahead.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.backend.conftest import Server, auth_for, booking, new_customer, post_booking, rows, therapist_token

WITA = timezone(timedelta(hours=8))
WAYAN = {"therapist_id": "t-wayan", "therapist_name": "Wayan Sudana"}
PRICES = {60: 300000, 90: 425000, 120: 550000}
STARTS = 12  # 10:00 .. 15:30, every half hour: sessions and buffers overlap a lot


def _overlapping(database: object) -> list[tuple[int, int, int, int]]:
    holds = sorted(rows(database, "SELECT hold_start, hold_end FROM bookings WHERE therapist_id = 't-wayan'"
                                  " AND status IN ('requested', 'confirmed') AND hold_start IS NOT NULL"))
    return [(a, b, c, d) for (a, b), (c, d) in zip(holds, holds[1:]) if c < b]


def test_random_requests_and_actions_never_leave_two_overlapping_holds(server: Server) -> None:
    therapist = {"Authorization": f"Bearer {therapist_token(server, 't-wayan')}"}
    customers = [new_customer() for _ in range(3)]

    class Afternoon(RuleBasedStateMachine):
        bookings = Bundle("bookings")

        def __init__(self) -> None:
            super().__init__()
            self.api = httpx.Client(base_url=server.url, timeout=20)
            day = datetime.now(WITA).date() + timedelta(days=30 + uuid.uuid4().int % 330)
            self.first = datetime(day.year, day.month, day.day, 10, tzinfo=WITA)

        def teardown(self) -> None:
            self.api.close()

        @rule(target=bookings, customer=st.sampled_from(customers), slot=st.integers(0, STARTS - 1),
              duration=st.sampled_from([60, 90, 120]))
        def request(self, customer: str, slot: int, duration: int) -> tuple[str, str]:
            start = self.first + timedelta(minutes=30 * slot)
            response = post_booking(self.api, booking(**WAYAN, customer_id=customer, duration=duration,
                                                      price=PRICES[duration], starts_at=start.isoformat()))
            assert response.status_code in (201, 409), response.text
            if response.status_code == 409:
                assert response.json()["field"] == "starts_at"
                return ("", customer)
            assert response.json()["status"] == "requested"
            return (response.json()["id"], customer)

        @rule(held=bookings, action=st.sampled_from(["accept", "decline", "cancel"]))
        def therapist_acts(self, held: tuple[str, str], action: str) -> None:
            booking_id, _ = held
            if not booking_id:
                return
            response = self.api.post(f"/api/therapist/bookings/{booking_id}/{action}", json={"reason": "Busy"},
                                     headers={"Idempotency-Key": str(uuid.uuid4()), **therapist})
            assert response.status_code in (200, 409), response.text

        @rule(held=bookings)
        def customer_cancels(self, held: tuple[str, str]) -> None:
            booking_id, customer = held
            if not booking_id:
                return
            response = self.api.post(f"/api/bookings/{booking_id}/cancel",
                                     headers={"Idempotency-Key": str(uuid.uuid4()), **auth_for(customer)})
            assert response.status_code in (200, 409), response.text

        @invariant()
        def no_two_holds_overlap(self) -> None:
            assert _overlapping(server.database) == []

    run_state_machine_as_test(Afternoon, settings=settings(max_examples=12, stateful_step_count=14, deadline=None,
                                                           database=None,
                                                           suppress_health_check=list(HealthCheck)))
    # The sequences did reach both answers: some starts were taken, some requests held.
    statuses = dict(rows(server.database, "SELECT status, count(*) FROM bookings WHERE therapist_id = 't-wayan'"
                                          " GROUP BY status"))
    assert statuses.get("requested", 0) + statuses.get("confirmed", 0) > 0
