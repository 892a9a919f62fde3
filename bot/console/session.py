"""What the person at the console types, carried out against the real app.

Slash commands and DMs go through the driver as signed requests; `:click` presses a
numbered button or select of what was shown last; `:shortcut` runs the "Escalate message"
message shortcut on a message shown last; `:advance`/`:at` move the clock in
steps so that scheduled work fires in order. After every input and every clock step
the scheduler ticks, the console waits for the app's background work to finish, and
shows what a Slack user would have seen.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.console.modal import CANCEL, Ask, ModalForm, Say
from bot.console.render import ORIGINAL, Control, Renderer, Screen, ShownMessage, plain
from bot.console.timeinput import TimeInputError, parse_duration, parse_moment
from bot.console.workspace import ConsoleWorkspace
from bot.demo import PEOPLE
from bot.ids import CallbackId, Command
from bot.services import home
from bot.standin.driver import Reply

CLOCK_STEP = timedelta(minutes=5)
START_USER = "UMARIA"
START_CHANNEL = "C0GENERAL"
_MENTION = re.compile(r"(?<![\w<])([@#])([A-Za-z0-9._-]+)")

HELP = """\
Type what a Slack user would type:
  /ops help, /kpi, /escalate sev2 Dock door 4 stuck    a slash command in the current channel
  :dm <text>                 a direct message to Opsbot
  :as @maria                 act as another person (handle or user id)
  :in #ops-huddle            type slash commands in another channel
  :click N                   press button or select N of what was shown last (a button that
                             asks for confirmation asks here: y/n); after a click, the buttons
                             of a redrawn message get new numbers
  :shortcut N                "Escalate message" on message N of what was shown last, counting
                             posts, DMs and thread replies from the top (not replies only you see)
  :home                      open Opsbot's Home tab (your overview)
  :advance 1d|2h|30m|1h30m   move the clock forward; scheduled posts appear as they fire
  :at [YYYY-MM-DD] HH:MM     move the clock to a time in your own timezone (HH:MM: the next one)
  :channels, :users          what exists in this workspace
  :help, :quit
In a modal, an empty line skips an optional field or keeps its default; :cancel closes it."""


class ConsoleSession:
    def __init__(self, workspace: ConsoleWorkspace, *, ask: Ask, write: Say) -> None:
        self.workspace = workspace
        self.ask = ask
        self.write = write
        self.user = START_USER
        self.channel = START_CHANNEL
        self.controls: list[Control] = []
        self.messages: list[ShownMessage] = []
        # Numbers of controls whose message was redrawn after a click: they press nothing.
        self._gone: set[int] = set()
        self._clicked: Control | None = None
        # Modals the console has finished with: a later views.update of one is not shown.
        self._closed_views: set[str] = set()
        self.renderer = Renderer(
            workspace.slack, output_dir=workspace.output_dir, clock=workspace.clock
        )
        self.form = ModalForm(
            ask=ask,
            say=write,
            resolve_user=self.find_user,
            resolve_channel=self.find_channel,
            user_name=self.renderer.user,
            channel_name=self.renderer.channel,
        )
        self._seen = workspace.call_count()
        self._commands = {
            "dm": self._dm,
            "as": self._as,
            "in": self._in,
            "click": self._click,
            "shortcut": self._shortcut,
            "home": self._home,
            "advance": self._advance,
            "at": self._at,
            "channels": self._channels,
            "users": self._users,
            "help": lambda _rest: self.write(HELP),
        }

    # -- who, where, when ------------------------------------------------------
    def profile(self, user_id: str) -> dict[str, Any]:
        return self.workspace.slack.state.users.get(user_id) or {"name": user_id, "tz": "UTC"}

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.profile(self.user).get("tz") or "UTC")

    def time_label(self) -> str:
        local = self.workspace.clock.now().astimezone(self.zone())
        return f"{local:%a} {local.day} {local:%b %Y %H:%M %Z}"

    @property
    def prompt(self) -> str:
        local = self.workspace.clock.now().astimezone(self.zone())
        handle = self.profile(self.user)["name"]
        where = self.renderer.channel(self.channel)
        return f"[{local.strftime('%a %H:%M %Z')}] @{handle} {where}> "

    def find_user(self, text: str) -> str | None:
        wanted = text.strip().removeprefix("@")
        for user_id, user in self.workspace.slack.state.users.items():
            if wanted.upper() == user_id or wanted.lower() == str(user["name"]).lower():
                return user_id
        return None

    def find_usergroup(self, handle: str) -> str | None:
        for group_id, group in self.workspace.slack.state.usergroups.items():
            if handle.lower() == str(group["handle"]).lower():
                return group_id
        return None

    def find_channel(self, text: str) -> str | None:
        wanted = text.strip().removeprefix("#")
        for channel_id, channel in self.workspace.slack.state.channels.items():
            if wanted.upper() == channel_id or wanted.lower() == str(channel["name"]).lower():
                return channel_id
        return None

    # -- input -------------------------------------------------------------------
    def handle(self, line: str) -> bool:
        """Carry out one line; False when the user wants to quit."""
        text = line.strip()
        if not text:
            return True
        if text.startswith("/"):
            self._slash(text)
            return True
        name, _, rest = text[1:].partition(" ") if text.startswith(":") else ("", "", "")
        if name.lower() in ("quit", "exit", "q"):
            return False
        command = self._commands.get(name.lower())
        if command is None:
            self.write(
                "Type a slash command such as /ops help, :dm <text> to message Opsbot, "
                "or :help for the console's commands."
            )
        else:
            command(rest.strip())
        return True

    def show_pending(self, screen: Screen | None = None, *, channel: str | None = None) -> None:
        """Show what the app did since the last time anything was shown."""
        screen = screen or self._screen()
        calls = self.workspace.calls_since(self._seen)
        self._seen = self.workspace.call_count()
        for call in calls:
            if call.method == "views.update" and call.get("view_id") in self._closed_views:
                continue  # Slack shows nothing of a modal its user has left
            self.renderer.call(screen, call, viewer=self.user, channel=channel or self.channel)
        if screen.lines:
            self.write(screen.text())
        self._take_controls(screen)
        if screen.messages:
            self.messages = screen.messages
        if screen.modals:
            self._fill_modal(screen.modals[-1], channel=channel or self.channel)

    def _screen(self) -> Screen:
        """A new screen; while a click is handled, its controls get numbers not used yet, so
        that a number shown before the click can never press a different button."""
        if self._clicked is None:
            return Screen()
        used = [control.number for control in self.controls] + list(self._gone)
        return Screen(first_number=max(used, default=0) + 1)

    def _take_controls(self, screen: Screen) -> None:
        """The controls `:click` presses from now on: after a click, those still shown (the
        ones of messages redrawn since are gone) and the new ones; otherwise the screen's."""
        if self._clicked is None:
            if screen.controls:
                self.controls, self._gone = screen.controls, set()
            return
        redrawn = {self._clicked.holder if h == ORIGINAL else h for h in screen.redrawn}
        self._gone |= {c.number for c in self.controls if c.holder in redrawn}
        kept = [c for c in self.controls if c.holder not in redrawn]
        self.controls = kept + screen.controls

    def _slash(self, text: str) -> None:
        name, _, rest = text.partition(" ")
        name = name.lower()
        known = [command.value for command in Command]
        if name not in known:
            self.write(
                f"{name} is not a valid command in this workspace. "
                f"Opsbot's commands are {', '.join(known)}."
            )
            return
        reply = self.workspace.driver.command(
            name, self._linked(rest.strip()), user=self.user, channel=self.channel
        )
        self._answered(reply, channel=self.channel, what=name)

    def _linked(self, text: str) -> str:
        """Mentions typed as @handle or #channel become links, as Slack's client sends them."""

        def link(match: re.Match[str]) -> str:
            sigil, name = match.groups()
            found = self.find_user(name) if sigil == "@" else self.find_channel(name)
            if found:
                return f"<{sigil}{found}|{name}>"
            group = self.find_usergroup(name) if sigil == "@" else None
            return f"<!subteam^{group}|@{name}>" if group else match.group(0)

        return _MENTION.sub(link, text)

    def _answered(self, reply: Reply, *, channel: str, what: str) -> None:
        self.workspace.settle()
        self.workspace.tick()
        screen = self._screen()
        if reply.status == 404:
            screen.lines.append(f"(Opsbot did not answer {what}: nothing in the app handles it.)")
        elif reply.status != 200:
            screen.lines.append(f"(The app refused the request with HTTP {reply.status}.)")
        else:
            self.renderer.reply(screen, _json(reply), channel=channel, viewer=self.user)
        self.show_pending(screen, channel=channel)

    # -- console commands --------------------------------------------------------
    def _dm(self, text: str) -> None:
        if not text:
            self.write("Usage: :dm <text>, for example :dm escalate sev2 Dock door 4 stuck")
            return
        reply = self.workspace.driver.dm(text, user=self.user)
        self._answered(reply, channel="D" + self.user[1:], what="the DM")

    def _as(self, text: str) -> None:
        found = self.find_user(text) if text else None
        if found is None:
            self.write(f"There is no person `{text}` here; `:users` lists them.")
            return
        self.user = found
        profile = self.profile(found)
        self.write(
            f"You are now @{profile['name']} ({profile.get('real_name', '')}, "
            f"{profile.get('tz')}); it is {self.time_label()} for you."
        )

    def _in(self, text: str) -> None:
        found = self.find_channel(text) if text else None
        if found is None:
            self.write(f"There is no channel `{text}` here; `:channels` lists them.")
            return
        self.channel = found
        self.write(f"Slash commands are now typed in {self.renderer.channel(found)}.")

    def _click(self, text: str) -> None:
        live = {control.number: control for control in self.controls}
        shown = _numbers(sorted(live)) or "none"
        if text.isdigit() and int(text) in self._gone:
            self.write(
                f"Button {text} is no longer shown: the message it was on has been redrawn "
                f"since. The buttons shown now are {shown}."
            )
            return
        if not text.isdigit() or int(text) not in live:
            self.write(f"Usage: :click N, with N a number shown in [brackets] (now: {shown}).")
            return
        control = live[int(text)]
        element = control.element
        selected = None
        if element.get("type") != "button":
            label = plain(element.get("placeholder")) or "Choose"
            selected = self.form.answer(element, label=label)
            if selected is None:
                return
        if element.get("confirm") and not self._confirmed(element["confirm"]):
            self.write("  (not pressed)")
            return
        self._clicked = control
        try:
            reply = self.workspace.driver.click(
                str(element.get("action_id")),
                user=self.user,
                value=element.get("value"),
                selected=selected,
                channel=control.channel,
                message=control.message,
                view=control.view,
                block_id=control.block_id,
            )
            self._answered(reply, channel=control.channel or self.channel, what="that click")
        finally:
            self._clicked = None

    def _confirmed(self, confirm: dict[str, Any]) -> bool:
        """Slack's confirmation dialog of a button or select: True when confirmed."""
        screen = Screen()
        self.renderer.confirm(screen, confirm, viewer=self.user)
        self.write(screen.text())
        yes = plain(confirm.get("confirm")) or "Yes"
        no = plain(confirm.get("deny")) or "Cancel"
        while True:
            answer = self.ask(f"  [{yes}] / [{no}]? (y/n or 1/2): ")
            if answer is None:
                return False
            chosen = answer.strip().lower()
            if chosen in ("y", "yes", "1", yes.lower()):
                return True
            if chosen in ("n", "no", "2", no.lower(), CANCEL):
                return False
            self.write(f"  ! Answer y (or 1) for {yes}, n (or 2) for {no}.")

    def _shortcut(self, text: str) -> None:
        """Run the "Escalate message" shortcut, as from a message's "More actions" menu."""
        if not text.isdigit() or not 1 <= int(text) <= len(self.messages):
            shown = ", ".join(f"{n} {m.label}" for n, m in enumerate(self.messages, 1)) or "none"
            self.write(
                "Usage: :shortcut N, with N counting the messages shown last from the top, "
                f"replies only you see left out (now: {shown})."
            )
            return
        shown_message = self.messages[int(text) - 1]
        reply = self.workspace.driver.message_shortcut(
            CallbackId.ESCALATE_MESSAGE,
            user=self.user,
            channel=shown_message.channel,
            message=shown_message.message,
        )
        self._answered(reply, channel=shown_message.channel, what="the shortcut")

    def _home(self, _text: str) -> None:
        """Open the Home tab, as Slack does: app_home_opened, then whatever the app publishes.
        When the app publishes nothing new (it refreshes a tab at most every few seconds of
        the console's clock), show the tab as last published."""
        mark = self.workspace.call_count()
        reply = self.workspace.driver.open_home(user=self.user)
        self._answered(reply, channel=self.channel, what="the Home tab")
        published = any(
            call.method == "views.publish" and call.get("user_id") == self.user
            for call in self.workspace.calls_since(mark)
        )
        if published:
            return
        stored = self.workspace.slack.state.views.get(f"VHOME{self.user}")
        if stored is None:
            self.write("(Opsbot has not published a Home tab for you.)")
            return
        screen = Screen()
        seconds = int(home.REFRESH_INTERVAL.total_seconds())
        note = f", as last published (Opsbot refreshes it at most every {seconds} seconds)"
        self.renderer.home(screen, stored, user_id=self.user, note=note)
        self.write(screen.text())
        self._take_controls(screen)

    def _advance(self, text: str) -> None:
        try:
            duration = parse_duration(text)
        except TimeInputError as problem:
            self.write(str(problem))
            return
        self._move_to(self.workspace.clock.now() + duration)

    def _at(self, text: str) -> None:
        now = self.workspace.clock.now()
        try:
            target = parse_moment(text, zone=self.zone(), now=now)
        except TimeInputError as problem:
            self.write(str(problem))
            return
        if target <= now:
            self.write(f"The clock only moves forward; it is already {self.time_label()}.")
            return
        self._move_to(target)

    def _move_to(self, target: datetime) -> None:
        """Step the clock to `target`, ticking at every step so work fires in order."""
        clock = self.workspace.clock
        step = CLOCK_STEP.total_seconds()
        while clock.now() < target:
            boundary = (clock.now().timestamp() // step + 1) * step
            clock.set(min(target, datetime.fromtimestamp(boundary, UTC)))
            self.workspace.tick()
            if self.workspace.calls_since(self._seen):
                self.write(f"── {self.time_label()} ──")
                self.show_pending()
        self.workspace.save()
        self.write(f"It is now {self.time_label()}.")

    def _channels(self, _text: str) -> None:
        for channel_id, channel in self.workspace.slack.state.channels.items():
            marker = "   ← slash commands go here" if channel_id == self.channel else ""
            self.write(f"  #{channel['name']:<18} {channel_id}{marker}")

    def _users(self, _text: str) -> None:
        roles = {person.user_id: person.role for person in PEOPLE}
        for user_id, user in self.workspace.slack.state.users.items():
            admin = "admin" if user.get("is_admin") else ""
            you = "   ← you" if user_id == self.user else ""
            role = roles.get(user_id, "")
            self.write(
                f"  @{user['name']:<7} {user.get('real_name', ''):<14} {role:<24} "
                f"{user.get('tz', 'UTC'):<20} {admin:<5}{you}".rstrip()
            )

    # -- modals ------------------------------------------------------------------
    def _fill_modal(self, view: dict[str, Any], *, channel: str) -> None:
        """Ask the modal's fields, submit it as a view_submission, and show the outcome."""
        errors: dict[str, str] | None = None
        while True:
            screen = Screen()
            self.renderer.modal(screen, view, viewer=self.user)
            self.write(screen.text())
            values = self._answers(view, errors)
            if values is None:
                self._close(view)
                self.write("  (closed without submitting)" if view.get("submit") else "  (closed)")
                return
            reply = self.workspace.driver.submit(view, values, user=self.user)
            self.workspace.settle()
            self.workspace.tick()
            answer = _json(reply)
            action = answer.get("response_action")
            if action == "errors":
                errors = dict(answer.get("errors") or {})
                view = {**view, "state": {"values": values}}
                self.show_pending(channel=channel)
                continue
            if action in ("update", "push"):
                pushed = dict(answer["view"])
                if action == "update":  # the same view, with new contents
                    pushed.setdefault("id", view.get("id"))
                if any(b.get("type") == "input" for b in pushed.get("blocks", [])):
                    self.show_pending(channel=channel)
                    view, errors = pushed, None
                    continue
                # The acknowledgement's view shows first; a views.update the app made
                # meanwhile (a slow run's outcome) replaces it, as it would in Slack.
                notice = Screen()
                self.renderer.modal(notice, pushed, viewer=self.user)
                self.write(notice.text())
                self.show_pending(channel=channel)
                if action == "update":
                    self._close(view)
                    return
                self.write(f"  (back to “{plain(view.get('title'))}”)")
                errors = None
                continue
            self._close(view)
            self.show_pending(channel=channel)
            return

    def _close(self, view: dict[str, Any]) -> None:
        if view.get("id"):
            self._closed_views.add(str(view["id"]))

    def _answers(
        self, view: dict[str, Any], errors: dict[str, str] | None
    ) -> dict[str, dict[str, Any]] | None:
        """The modal's `state.values`; a modal without inputs is submitted on a yes."""
        if any(b.get("type") == "input" for b in view.get("blocks", [])):
            return self.form.fill(view, errors=errors)
        if not view.get("submit"):
            return None
        answer = self.ask(f"  {plain(view['submit'])}? (y/n): ")
        return {} if answer is not None and answer.strip().lower() in ("y", "yes") else None


def _numbers(numbers: list[int]) -> str:
    """`1 to 3, 7` for the numbers 1, 2, 3 and 7."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"{r[0]} to {r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _json(reply: Reply) -> dict[str, Any]:
    try:
        answer = reply.json
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
