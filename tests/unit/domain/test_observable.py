"""subscribe/notify: callbacks get the object, unsubscribe works even mid-notify."""

import pytest

from app.domain.observable import Observable


class Thing(Observable):
    pass


def test_subscribers_are_called_with_the_object_in_order() -> None:
    thing, calls = Thing(), []
    thing.subscribe(lambda t: calls.append(("a", t)))
    thing.subscribe(lambda t: calls.append(("b", t)))
    thing.notify()
    assert calls == [("a", thing), ("b", thing)]


def test_unsubscribe_stops_calls_and_is_safe_to_call_twice() -> None:
    thing, calls = Thing(), []
    unsubscribe = thing.subscribe(calls.append)
    unsubscribe()
    unsubscribe()
    thing.notify()
    assert calls == []


def test_a_subscriber_may_unsubscribe_itself_while_being_notified() -> None:
    thing, calls = Thing(), []
    unsubscribe = None

    def once(t: Thing) -> None:
        calls.append("once")
        unsubscribe()

    unsubscribe = thing.subscribe(once)
    thing.subscribe(lambda t: calls.append("always"))
    thing.notify()
    thing.notify()
    assert calls == ["once", "always", "always"]


def test_subscribe_refuses_something_that_is_not_callable() -> None:
    with pytest.raises(TypeError):
        Thing().subscribe("render")  # type: ignore[arg-type]
