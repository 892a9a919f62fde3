"""A modal's inputs asked one by one on the console and answered into Slack's
`state.values` (block_id → action_id → value), as Slack's client would submit them.

An empty line skips an optional field or keeps a field's initial value; `:cancel`
closes the modal without submitting it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.console.render import options_of, plain
from bot.services.schedule import ScheduleValueError, parse_time

Ask = Callable[[str], str | None]
Say = Callable[[str], None]
Resolve = Callable[[str], str | None]
Name = Callable[[str], str]

CANCEL = ":cancel"
TEXT_INPUTS = frozenset({"plain_text_input", "email_text_input", "url_text_input"})
SINGLE_CHOICE = frozenset({"static_select", "radio_buttons", "overflow"})
MULTI_CHOICE = frozenset({"multi_static_select", "checkboxes"})
USERS = {"users_select": "selected_user", "multi_users_select": "selected_users"}
CHANNELS = {
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}


class Skip(Exception):
    """The answer could not be used; the message says why and the field is asked again."""


@dataclass
class ModalForm:
    ask: Ask
    say: Say
    resolve_user: Resolve
    resolve_channel: Resolve
    user_name: Name
    channel_name: Name

    def fill(
        self, view: dict[str, Any], *, errors: dict[str, str] | None = None
    ) -> dict[str, dict[str, Any]] | None:
        """Ask every input of `view` (or, with `errors`, only the ones Slack refused).
        Returns `state.values`, or None when the user cancels or the input ends."""
        values: dict[str, dict[str, Any]] = dict(view.get("state", {}).get("values") or {})
        for block in view.get("blocks", []):
            element = block.get("element")
            if block.get("type") != "input" or not element:
                continue
            block_id = str(block.get("block_id"))
            if errors is not None and block_id not in errors:
                continue
            if errors is not None:
                self.say(f"  ! {plain(block.get('label'))}: {errors[block_id]}")
            state = self._field(block, element)
            if state is None:
                return None
            values[block_id] = {str(element.get("action_id")): state}
        return values

    def _field(self, block: dict[str, Any], element: dict[str, Any]) -> dict[str, Any] | None:
        hint = plain(block.get("hint"))
        if hint:
            self.say(f"  ({hint})")
        return self.answer(
            element, label=plain(block.get("label")), optional=bool(block.get("optional"))
        )

    def answer(
        self, element: dict[str, Any], *, label: str, optional: bool = False
    ) -> dict[str, Any] | None:
        """Ask for one element's value (a modal field, or the option of a clicked select).
        Returns its state as Slack sends it, or None when the user cancels."""
        kind = str(element.get("type"))
        options = options_of(element)
        if kind in SINGLE_CHOICE | MULTI_CHOICE:
            for number, option in enumerate(options, start=1):
                self.say(f"    {number}. {plain(option.get('text'))}")
        default = self._default(element)
        suffix = f" [{default}]" if default else " (optional, empty line skips)" if optional else ""
        while True:
            answer = self.ask(f"  {label}{_how(kind)}{suffix}: ")
            if answer is None or answer.strip() == CANCEL:
                return None
            answer = answer.strip()
            if not answer and (default or optional):
                return _unanswered(element)
            if not answer:
                self.say("  ! This field is required.")
                continue
            try:
                return {"type": kind, **self._parse(kind, element, answer, options)}
            except Skip as problem:
                self.say(f"  ! {problem}")

    def _parse(
        self, kind: str, element: dict[str, Any], answer: str, options: list[dict[str, Any]]
    ) -> dict[str, Any]:
        if kind in TEXT_INPUTS:
            _check_length(element, answer)
            return {"value": answer}
        if kind == "number_input":
            try:
                number = float(answer)
            except ValueError:
                raise Skip(f"`{answer}` is not a number.") from None
            if not element.get("is_decimal_allowed") and not number.is_integer():
                raise Skip("Enter a whole number.")
            return {"value": answer}
        if kind in SINGLE_CHOICE:
            return {"selected_option": _choose(answer, options)}
        if kind in MULTI_CHOICE:
            return {"selected_options": [_choose(part, options) for part in _parts(answer)]}
        if kind in USERS:
            ids = [_resolved(self.resolve_user, part, "person") for part in _parts(answer)]
            return {USERS[kind]: ids if kind.startswith("multi") else ids[0]}
        if kind in CHANNELS:
            ids = [_resolved(self.resolve_channel, part, "channel") for part in _parts(answer)]
            return {CHANNELS[kind]: ids if kind.startswith("multi") else ids[0]}
        if kind == "datepicker":
            try:
                return {"selected_date": date.fromisoformat(answer).isoformat()}
            except ValueError:
                raise Skip("Enter a date as YYYY-MM-DD.") from None
        if kind == "timepicker":
            try:
                return {"selected_time": parse_time(answer).strftime("%H:%M")}
            except ScheduleValueError as problem:
                raise Skip(str(problem)) from None
        return {"value": answer}

    def _default(self, element: dict[str, Any]) -> str:
        """How the field's initial value is shown (people as @handle, channels as #name);
        empty when it has none."""
        if element.get("initial_option"):
            return plain(element["initial_option"].get("text"))
        for key in ("initial_value", "initial_date", "initial_time"):
            if element.get(key):
                return str(element[key])
        users = element.get("initial_users") or [element.get("initial_user")]
        channels = [element.get("initial_conversation") or element.get("initial_channel")]
        channels = (
            element.get("initial_conversations") or element.get("initial_channels") or channels
        )
        if any(users):
            return ", ".join(self.user_name(str(user)) for user in users if user)
        if any(channels):
            return ", ".join(self.channel_name(str(channel)) for channel in channels if channel)
        if element.get("initial_options"):
            return ", ".join(plain(o.get("text")) for o in element["initial_options"])
        return ""


def _how(kind: str) -> str:
    if kind in SINGLE_CHOICE:
        return " (number)"
    if kind in MULTI_CHOICE:
        return " (numbers, comma-separated)"
    if kind in USERS:
        return " (@handle)"
    if kind in CHANNELS:
        return " (#channel)"
    if kind == "datepicker":
        return " (YYYY-MM-DD)"
    if kind == "timepicker":
        return " (HH:MM)"
    return ""


def _unanswered(element: dict[str, Any]) -> dict[str, Any]:
    """What Slack submits for a field left as it was: its initial value, or nothing."""
    kind = str(element.get("type"))
    state: dict[str, Any] = {"type": kind}
    if kind in TEXT_INPUTS or kind == "number_input":
        state["value"] = element.get("initial_value")
    elif kind in SINGLE_CHOICE:
        state["selected_option"] = element.get("initial_option")
    elif kind in MULTI_CHOICE:
        state["selected_options"] = element.get("initial_options") or []
    elif kind in USERS:
        state[USERS[kind]] = element.get("initial_users" if "multi" in kind else "initial_user")
    elif kind in CHANNELS:
        initial = CHANNELS[kind].replace("selected_", "initial_")
        state[CHANNELS[kind]] = element.get(initial)
    elif kind == "datepicker":
        state["selected_date"] = element.get("initial_date")
    elif kind == "timepicker":
        state["selected_time"] = element.get("initial_time")
    return state


def _check_length(element: dict[str, Any], answer: str) -> None:
    longest = element.get("max_length")
    shortest = element.get("min_length")
    if longest is not None and len(answer) > int(longest):
        raise Skip(f"At most {longest} characters, please (that was {len(answer)}).")
    if shortest is not None and len(answer) < int(shortest):
        raise Skip(f"At least {shortest} characters, please.")


def _parts(answer: str) -> list[str]:
    return [part for part in answer.replace(",", " ").split() if part]


def _choose(answer: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1]
    for option in options:
        if answer.lower() in (str(option.get("value")).lower(), plain(option["text"]).lower()):
            return option
    raise Skip(f"Choose a number from 1 to {len(options)}.")


def _resolved(resolve: Resolve, answer: str, what: str) -> str:
    found = resolve(answer)
    if found is None:
        raise Skip(f"There is no {what} `{answer}` here; `:users` and `:channels` list them.")
    return found
