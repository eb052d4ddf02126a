"""The "Forget me" dialog names what was never sent, cancellations included."""

from app.domain.words import unsent_warning


def test_nothing_waiting_says_nothing() -> None:
    assert unsent_warning({}) == ""


def test_each_kind_is_counted_and_joined_in_words() -> None:
    assert unsent_warning({"booking": 1}) == "1 booking not sent yet will not be sent."
    assert unsent_warning({"booking": 2, "message": 1}) == "2 bookings and 1 message not sent yet will not be sent."
    assert unsent_warning({"booking": 1, "message": 3, "cancel": 1}) == \
        "1 booking, 3 messages and 1 cancellation not sent yet will not be sent."
    assert unsent_warning({"cancel": 2}) == "2 cancellations not sent yet will not be sent."
