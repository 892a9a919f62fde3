"""The `/ops` grammar: command text → one typed command, or a UsageError that names the
closest command.

/ops [help]        what Opsbot does, with every command
/ops status        (admins) what waits to be delivered or failed, and the scheduler's health
/ops holidays [#channel]   the next holidays that apply (a channel's, or every calendar's)
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.errors import UsageError
from bot.parsing import parse_channel_ref, split_words

USAGE = "/ops help"
HOLIDAYS_USAGE = "/ops holidays [#channel]"
SUBCOMMANDS = ("help", "status", "holidays")


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Holidays:
    channel_id: str | None  # None: every calendar in the workspace


OpsCommand = Help | Status | Holidays


def parse(text: str) -> OpsCommand:
    """Parse the text after `/ops` (already entity-decoded)."""
    words = split_words(text.strip())
    if words and words[0].lower() == "holidays":
        return _holidays(words[1:])
    text = text.strip().lower()
    words = split_words(text)
    if words in ([], ["help"]):
        return Help()
    if words == ["status"]:
        return Status()
    close = process.extractOne(text, SUBCOMMANDS, scorer=fuzz.ratio, score_cutoff=70)
    hint = f" Did you mean `/ops {close[0]}`?" if close else ""
    raise UsageError(f"`/ops {text}` is not an Opsbot command.{hint}", USAGE)


def _holidays(words: list[str]) -> Holidays:
    if not words:
        return Holidays(None)
    channel_id = parse_channel_ref(words[0])
    if channel_id is None or len(words) > 1:
        raise UsageError(
            f"`{' '.join(words)}` is not a channel; pick one with `#`.", HOLIDAYS_USAGE
        )
    return Holidays(channel_id)
