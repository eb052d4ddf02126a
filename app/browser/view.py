"""The page's DOM, read and written by id: no business rules here.

Everything the customer reads is set with ``textContent`` (never ``innerHTML``),
so a message like ``<img src=x onerror=alert(1)>`` shows as text. Our sentences are written in
the reader's language (``app.domain.i18n.translate``); the view remembers each one as given, so
``relocalize`` can write them all again after the language switch.

Example::

    view = View(js.document)
    view.set_field("customer_name", "Ana")
    view.show_errors([("customer_name", "Your name is required")])
"""

from __future__ import annotations

from collections.abc import Iterable

from app.browser.storage import nullable
from app.domain import words
from app.domain.i18n import Text, translate

FIELD_IDS = {
    "customer_name": "customer-name",
    "customer_whatsapp": "customer-whatsapp",
    "location_type": "location-type",
    "massage_for": "massage-for",
    "address": "address",
}
TEXT_FIELDS = ("customer_name", "customer_whatsapp", "address")
# Fields with an element of their own besides FIELD_IDS: the time choice (its group and its start).
MARKED = {"duration": "duration-group", "price": "duration-group", "when": "when-group", "starts_at": "start-time"}


def _said(value: str) -> str:
    """Our words in the reader's language; what a person typed (a name, a number) as it is."""
    return translate(value) if isinstance(value, Text) else value


def _element_id(field: str | None) -> str | None:
    """The element marked invalid for an error about ``field`` (the price follows the duration)."""
    return MARKED.get(field or "") or FIELD_IDS.get(field or "")


class View:
    def __init__(self, document) -> None:
        self.document = document
        self._by_id: dict[str, object] = {}
        self._texts: dict[str, tuple] = {}  # last text written per element id: skip no-op DOM writes
        self._errors: list[tuple[str | None, str]] = []  # shown in the error box, as given

    def el(self, element_id: str):
        element = self._by_id.get(element_id)
        if element is None:
            element = self.document.getElementById(element_id)
            self._by_id[element_id] = element
        return element

    # --- small primitives -----------------------------------------------------------------

    def set_text(self, element_id: str, text: str, kind: str | None = None) -> None:
        if self._texts.get(element_id) == (text, kind):
            return
        self._texts[element_id] = (text, kind)
        element = self.el(element_id)
        element.removeAttribute("data-i18n")  # Python writes this one now, not static/js/i18n.js
        element.textContent = translate(text)
        if kind is not None:
            element.dataset.kind = kind

    def relocalize(self) -> None:
        """Write every text again in the language just chosen (the switch, no reload)."""
        for element_id, (text, _kind) in self._texts.items():
            self.el(element_id).textContent = translate(text)
        if self._errors:
            self._write_errors(self._errors)

    def show(self, element_id: str, visible: bool = True) -> None:
        self.el(element_id).hidden = not visible

    def focus(self, element_id: str) -> None:
        self.el(element_id).focus()

    # --- the booking form -----------------------------------------------------------------

    def duration(self) -> int | None:
        checked = self.document.querySelector("input[name=duration]:checked")
        return int(checked.value) if checked else None  # querySelector gives jsnull (falsy) for none

    def read_form(self) -> dict:
        data = {name: str(self.el(element_id).value) for name, element_id in FIELD_IDS.items()}
        for name in ("location_type", "massage_for"):
            data[name] = data[name] or None
        data["duration"] = self.duration()
        checked = self.document.querySelector("input[name=when]:checked")
        data["when"] = str(checked.value) if checked else None
        data["date"] = str(self.el("booking-date").value)
        data["starts_at"] = str(self.el("start-time").value)
        data["whatsapp_updates"] = bool(self.el("whatsapp-updates").checked)
        return data

    def early_input(self, *, restored: bool = True) -> dict:
        """Fields the customer changed before Python was ready (marked by static/js/boot.js).

        A field boot.js put back from the early-input record of an earlier load is marked
        "restored"; ``restored=False`` leaves those out (the stored draft is newer than the record).
        """
        def early(element) -> bool:
            mark = nullable(element.getAttribute("data-early-input"))
            return mark is not None and (restored or str(mark) != "restored")

        data = {}
        for name, element_id in FIELD_IDS.items():
            element = self.el(element_id)
            if early(element):
                value = str(element.value)
                data[name] = value or (None if name not in TEXT_FIELDS else "")
        for radio in self.document.querySelectorAll("input[name=duration]"):
            if radio.checked and early(radio):
                data["duration"] = int(radio.value)
        for radio in self.document.querySelectorAll("input[name=when]"):
            if radio.checked and early(radio):
                data["when"] = str(radio.value)
        return data

    def set_field(self, name: str, value) -> None:
        if name == "when":
            for radio in self.document.querySelectorAll("input[name=when]"):
                radio.checked = value is not None and radio.value == str(value)
            self.show("when-choose-panel", value == "choose")
            return
        if name == "whatsapp_updates":
            self.el("whatsapp-updates").checked = bool(value)
            return
        if name == "date":
            if value:  # no date chosen yet: the list's first (today) stays selected
                self.set_choice("booking-date", str(value))
            return
        if name == "starts_at":
            self.set_choice("start-time", "" if value is None else str(value))
            return
        if name == "duration":
            for radio in self.document.querySelectorAll("input[name=duration]"):
                radio.checked = value is not None and radio.value == str(value)
            return
        element = self.el(FIELD_IDS[name])
        text = "" if value is None else str(value)
        # Never rewrite the box the customer is typing in: it would move their cursor.
        if element.value != text and element != self.document.activeElement:
            element.value = text

    def set_choice(self, element_id: str, value: str, label: str | None = None) -> None:
        """Select ``value`` in a select, adding it (with ``label``) when the list lacks it: a choice kept
        in the draft stays chosen while its list is not loaded (offline)."""
        select = self.el(element_id)
        if value and not any(str(option.value) == value for option in select.options):
            option = self.document.createElement("option")
            option.value, option.textContent = value, label or value
            select.append(option)
        if str(select.value) != value:
            select.value = value

    def fill_form(self, draft) -> None:
        for name in (*FIELD_IDS, "duration", "when", "date", "starts_at", "whatsapp_updates"):
            self.set_field(name, getattr(draft, name) if draft is not None else None)

    def set_prices(self, labels: dict[int, str], total: str) -> None:
        for duration, label in labels.items():
            element = self.document.querySelector(f"[data-price-for='{duration}']")
            said = translate(label)
            if element and element.textContent != said:
                element.textContent = said
        self.set_text("total-price", total)

    def _in_form_order(self, errors: list[tuple[str | None, str]]) -> list[tuple[str | None, str]]:
        """Errors in the order their fields appear on the page (querySelectorAll keeps document
        order), so the list reads top to bottom and focus goes to the first invalid field on
        screen; errors about no field (e.g. from the server) stay first."""
        selector = ", ".join(f"#{element_id}" for element_id in (*FIELD_IDS.values(), *set(MARKED.values())))
        position = {str(element.id): n for n, element in enumerate(self.document.querySelectorAll(selector))}
        return sorted(errors, key=lambda error: position.get(_element_id(error[0]) or "", -1))

    def _write_errors(self, errors: list[tuple[str | None, str]]) -> None:
        self._errors = errors
        box = self.el("validation-errors")
        box.replaceChildren()
        box.hidden = not errors
        if not errors:
            return
        heading = self.document.createElement("p")
        heading.textContent = translate(words.FIX_BEFORE_ORDERING)
        items = self.document.createElement("ul")
        for _, message in errors:
            item = self.document.createElement("li")
            item.textContent = translate(message)
            items.append(item)
        box.append(heading, items)

    def show_errors(self, errors: Iterable[tuple[str | None, str]], *, focus: bool = True) -> None:
        """The "Please fix the following" list and each field's aria-invalid; ``focus`` moves focus to the
        first wrong field (on ``Order now``), not while the list follows the customer's corrections."""
        errors = self._in_form_order(list(errors))
        box = self.el("validation-errors")
        for element_id in (*FIELD_IDS.values(), *set(MARKED.values())):
            self.el(element_id).removeAttribute("aria-invalid")
        self._write_errors(errors)
        if not errors:
            return
        first = None
        for field, _ in errors:
            element_id = _element_id(field)
            if element_id:
                self.el(element_id).setAttribute("aria-invalid", "true")
                first = first or element_id
        if not focus:
            return
        if first == "duration-group":
            self.document.querySelector("input[name=duration]").focus()
        elif first == "when-group":
            self.document.querySelector("input[name=when]").focus()
        elif first:
            self.focus(first)
        else:
            box.focus()

    def set_details(self, element_id: str, pairs: list[tuple[str, str]]) -> None:
        """A description list of (label, value) pairs, e.g. the confirmation's location and who it is for."""
        items = []
        for label, value in pairs:
            term, detail = self.document.createElement("dt"), self.document.createElement("dd")
            term.textContent, detail.textContent = _said(label), _said(value)
            items.extend((term, detail))
        self.el(element_id).replaceChildren(*items)

    # --- notices --------------------------------------------------------------------------------

    def notice(self, text: str) -> None:
        """A page-wide notice (role alert), e.g. a chat this device can no longer open."""
        self.set_text("page-notice", text)
        self.show("page-notice")
