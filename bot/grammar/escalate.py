"""The `/escalate` grammar for the words that decide whether anything is opened: a severity
word, a subcommand, or a summary. A first word that is close to a severity or a subcommand
opens nothing: the caller gets "Did you mean …?" with the choices spelt out.

/escalate [<severity>] <summary>       severity: sev1…sev4, p1…p4, critical|high|medium|low,
                                       with or without a trailing `:`; default sev3
/escalate <subcommand> …               list, show, ack, resolve, reopen, assign, severity,
                                       cancel, stats, config, help
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from bot.errors import UsageError

OPEN_USAGE = "/escalate [sev1|sev2|sev3|sev4] <summary>"
SEVERITY_WORDS = {
    **{f"sev{n}": f"sev{n}" for n in range(1, 5)},
    **{f"p{n}": f"sev{n}" for n in range(1, 5)},
    "critical": "sev1",
    "high": "sev2",
    "medium": "sev3",
    "low": "sev4",
}
SUBCOMMANDS = (
    "help",
    "list",
    "show",
    "ack",
    "acknowledge",
    "resolve",
    "reopen",
    "assign",
    "severity",
    "cancel",
    "stats",
    "config",
)
# Words people type for a subcommand that is called something else here.
SYNONYMS = {
    "upgrade": "severity",
    "downgrade": "severity",
    "sev": "severity",
    "close": "resolve",
    "fix": "resolve",
    "fixed": "resolve",
    "delete": "cancel",
    "remove": "cancel",
    "reassign": "assign",
    "claim": "ack",
}
_PUNCTUATION = ":,.;"
_NUMBERED = re.compile(r"^(?:sev|p|s)(\d+)$")
_SPLIT_SEVERITY = re.compile(r"^(?:sev|severity|p)$")


@dataclass(frozen=True)
class OpenNow:
    """Open an escalation with this severity (None: the default) and summary."""

    severity: str | None
    summary: str


@dataclass(frozen=True)
class Subcommand:
    name: str
    rest: str


@dataclass(frozen=True)
class DidYouMean:
    """The first word is close to a severity or a subcommand: open nothing and ask.

    `suggestion` is what the person probably meant (`sev2`, `/escalate assign`); with a
    severity guess, `severity` and `summary` say what "Open as …" would open. "Open anyway"
    opens `text` as it was typed, at the default severity."""

    word: str
    suggestion: str
    text: str
    severity: str | None = None
    summary: str = ""


def severity_of(word: str) -> str | None:
    """`sev1`, `P1`, `critical`, `sev1:` … → `sev1`; None when the word is not a severity."""
    return SEVERITY_WORDS.get(word.lower().rstrip(_PUNCTUATION))


def parse(text: str) -> OpenNow | Subcommand | DidYouMean:
    """What `/escalate <text>` asks for (text is not empty)."""
    text = text.strip()
    first, _, rest = text.partition(" ")
    rest = rest.strip()
    word = first.lower()
    if word in SUBCOMMANDS:
        return Subcommand(word, rest)
    severity = severity_of(first)
    if severity is not None:
        if not rest:
            raise UsageError(f"Say what is wrong after {first.rstrip(_PUNCTUATION)}.", OPEN_USAGE)
        return OpenNow(severity, rest)
    guess = _guess(word.rstrip(_PUNCTUATION), rest)
    if guess is not None:
        return guess
    return OpenNow(None, text)


def _guess(word: str, rest: str) -> DidYouMean | None:
    numbered = _NUMBERED.match(word)
    if numbered:  # sev5, p0, s2
        level = min(max(int(numbered.group(1)), 1), 4)
        return DidYouMean(word, f"sev{level}", f"{word} {rest}".strip(), f"sev{level}", rest)
    if _SPLIT_SEVERITY.match(word):  # "sev 2 …", "p 1 …"
        number, _, after = rest.partition(" ")
        if number.rstrip(_PUNCTUATION) in {"1", "2", "3", "4"}:
            severity = f"sev{number.rstrip(_PUNCTUATION)}"
            return DidYouMean(word, severity, f"{word} {rest}", severity, after.strip())
    text = f"{word} {rest}".strip()
    if word in SYNONYMS:
        return DidYouMean(word, f"/escalate {SYNONYMS[word]}", text)
    if len(word) >= 4:
        for candidate in (*SUBCOMMANDS, *SEVERITY_WORDS):
            if len(candidate) >= 4 and OSA.distance(word, candidate) == 1:
                severity = SEVERITY_WORDS.get(candidate)
                if severity is not None:
                    return DidYouMean(word, candidate, text, severity, rest)
                return DidYouMean(word, f"/escalate {candidate}", text)
    return None
