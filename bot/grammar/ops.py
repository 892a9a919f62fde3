"""The `/ops` grammar: command text → one typed command, or a UsageError that names the
closest command.

/ops [help]        what Opsbot does, with every command
/ops status        (admins) what waits to be delivered or failed, and the scheduler's health
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.errors import UsageError
from bot.parsing import split_words

USAGE = "/ops help"
SUBCOMMANDS = ("help", "status")


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Status:
    pass


OpsCommand = Help | Status


def parse(text: str) -> OpsCommand:
    """Parse the text after `/ops` (already entity-decoded)."""
    text = text.strip().lower()
    words = split_words(text)
    if words in ([], ["help"]):
        return Help()
    if words == ["status"]:
        return Status()
    close = process.extractOne(text, SUBCOMMANDS, scorer=fuzz.ratio, score_cutoff=70)
    hint = f" Did you mean `/ops {close[0]}`?" if close else ""
    raise UsageError(f"`/ops {text}` is not an Opsbot command.{hint}", USAGE)
