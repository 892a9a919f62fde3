"""`/ops`: what Opsbot does and every command with an example."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.blocks import render
from bot.errors import UsageError
from bot.ids import Command
from bot.parsing import command_text

if TYPE_CHECKING:
    from slack_bolt import Ack, App

    from bot.runtime import Runtime

USAGE = "/ops help"


def register(app: App, runtime: Runtime) -> None:
    @app.command(Command.OPS)
    def ops_command(ack: Ack, command: dict[str, Any]) -> None:
        text = command_text(command).lower()
        if text not in ("", "help"):
            raise UsageError(f"`/ops {text}` is not an Opsbot command.", USAGE)
        ack(**render("messages/ops_help"))
