"""Whether an answer to a standup's blockers question says something is in the way, and
whether two days' blockers are the same one.

How an answer is read (tested with a table of real-sounding answers in
tests/services/test_blockers.py):
1. Normalise: lower case, Slack `:emoji:` codes, emoji and formatting characters removed,
   curly quotes straightened.
2. Split into clauses at punctuation (`,` `.` `;` `!` `?` dashes, brackets, new lines).
3. Drop time and place qualifiers at the end of each clause ("today", "so far",
   "at the moment", "on my end", …) and "still"/"again" and the like at its start.
4. The answer is *not* a blocker when every clause is a "nothing is in the way" phrasing
   ("none", "no blockers", "nothing blocking", "not blocked", "blocked by nothing", "n/a",
   "all clear", "keine", "rien", "nada", … in the languages of a European operation) or a
   courtesy ("thanks", "all good", …), and when it has no letters or digits at all ("-",
   "👍", empty).
5. Anything else with content is a blocker. Phrasings are matched against the *whole*
   clause, so "no forklift available on dock 3" and "nothing has arrived from the
   supplier" stay blockers.

An answer that only points back ("same as yesterday", "ditto", "as before":
`continues_previous`) is a blocker here; the standup service gives it the blocker status of
the person's previous answer instead (`bot.services.standups.blocker_in`).

Unrecognised text counts as a blocker on purpose: a false blocker is visible and its author
can untick it away (the modal's "Nothing is blocking me" checkbox), while a missed one stays
hidden. So "hello" or "yes" is a blocker.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

SAME_BLOCKER_RATIO = 85
TYPO_RATIO = 80
REWORDING_MIN_WORDS = 3
REWORDING_SHARE = 0.8
_IGNORED_WORDS = frozenset({"still", "again", "the", "a", "an"})

_SLACK_EMOJI = re.compile(r":[a-z0-9_+'-]+:")
_DASHES = "\u2013\u2014"  # en and em dash
_CLAUSE_BREAK = re.compile(rf"[,.;:!?…()\[\]\n\r\t{_DASHES}]+|\s-+\s|^-+|-+$")
_SPACES = re.compile(r"\s+")
_DROPPED_CHARS = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "`": "", '"': "", "“": "", "”": "", "*": "", "_": "", "~": ""}
)

_QUALIFIER = (
    r"today|tonight|this morning|this week|so far|yet|as yet|as of (now|yet|today)|"
    r"at (the|this) (moment|time|point)|atm|right now|just now|currently|for now|"
    r"at present|presently|at all|whatsoever|really|thankfully|luckily|"
    r"on my (end|side)|on our (end|side)|from me|from my side|for me|for us|here|"
    r"to report|to mention|that i know of|that i'?m aware of|i know of|i can think of"
)
_LEADING_QUALIFIER = (
    r"(currently|honestly|thankfully|luckily|so far|as of now|today|um+|well|still|again)\s+"
)
_OBSTACLE = (
    r"block(er|ers|s|age|ages|ing issues?)?|issues?|problems?|impediments?|roadblocks?|"
    r"obstacles?|concerns?|hold[- ]?ups?|showstoppers?|dependencies|risks?"
)
# "None"/"nothing" in the languages of a European operation's leads (German, French,
# Spanish, Portuguese, Italian, Dutch, Polish, Scandinavian), alone or before "blocker(s)".
_NONE_ELSEWHERE = (
    r"(keine?r?|nichts|aucune?|rien|ningun[oa]|nada|geen|niets|niente|nessun[oa]|brak|nic|"
    r"ingen(ting)?|inga)(\s+(blockers?|blocages?|bloqueos?|bloqueios?|blokkades?|blokad|"
    r"problem(e|en|i|as|s|y)?|probl[eè]mes?|probleme?n?))?"
)
_NOTHING = re.compile(
    rf"""^(
        no|nope|nah|none|nil|nothing|zero|0|n/?a|not|not really|negative|
        no\s+(current\s+|known\s+|real\s+|major\s+|new\s+|big\s+)?({_OBSTACLE})|
        (there\s+are\s+|there'?s\s+|i\s+have\s+|i'?ve\s+got\s+|we\s+have\s+)?
            (no|none|nothing|zero)(\s+({_OBSTACLE}))?|
        nothing('?s|\s+is)?\s+(blocking|holding)(\s+(me|us|me\s+up|us\s+up))?|
        nothing\s+in\s+(the|my|our)\s+way|nothing\s+new|nothing\s+major|
        nothing\s+stopping\s+(me|us)|nothing\s+(to\s+report|at\s+all)|
        (i'?m\s+|i\s+am\s+|we'?re\s+|we\s+are\s+)?(not\s+blocked|unblocked|not\s+stuck|clear)|
        not\s+blocked|all\s+clear|clear|nothing\s+that\s+blocks\s+(me|us)|
        blocked\s+by\s+(nothing|none|no\s*one|nobody)|
        {_NONE_ELSEWHERE}
    )$""",
    re.VERBOSE,
)
_COURTESY = re.compile(
    r"^(thanks?(\s+you)?(\s+(all|team))?|thx|ty|cheers|all\s+good|good|great|fine|all\s+fine|"
    r"ok(ay)?|all\s+set|good\s+to\s+go|smooth\s+sailing|(i'?m|we'?re|i\s+am|we\s+are)\s+"
    r"(good|fine|all\s+good|ok(ay)?)|everything'?s\s+(good|fine|ok)|"
    r"everything\s+is\s+(good|fine|ok)|all\s+(is\s+)?well|life\s+is\s+good|yay|hooray|phew)$"
)
_CONTINUING = re.compile(
    r"^(still\s+)?(the\s+)?(same|ditto|unchanged|no\s+change|as\s+(above|before|yesterday))"
    r"(\s+as\s+(yesterday|before|last\s+time|friday|monday|last\s+week))?(\s+one)?$"
)
_STILL = re.compile(r"^(still|again|yet\s+again)\s+|\s+(still|again)$")


def _without_symbols(text: str) -> str:
    """Lower case without emoji, Slack emoji codes or formatting characters."""
    text = _SLACK_EMOJI.sub(" ", unicodedata.normalize("NFKC", text).lower())
    kept = []
    for char in text.translate(_DROPPED_CHARS):
        category = unicodedata.category(char)
        if category in ("So", "Sk", "Cf", "Co", "Cs", "Mn"):
            kept.append(" ")
        else:
            kept.append(char)
    return "".join(kept)


def _clauses(text: str) -> list[str]:
    """The answer's clauses, each without leading/trailing qualifiers."""
    clauses = []
    for part in _CLAUSE_BREAK.split(_without_symbols(text)):
        clause = _SPACES.sub(" ", part).strip()
        if not clause:
            continue
        clause = re.sub(rf"^({_LEADING_QUALIFIER})+", "", clause)
        while True:
            trimmed = re.sub(rf"\s+({_QUALIFIER})$", "", clause)
            if trimmed == clause:
                break
            clause = trimmed
        clauses.append(clause)
    return clauses


def is_blocker(text: str | None) -> bool:
    """Whether the answer says something is in the way (see the module's rules)."""
    if not text or not any(char.isalnum() for char in _without_symbols(text)):
        return False
    return not all(_NOTHING.match(c) or _COURTESY.match(c) for c in _clauses(text))


def normalised(text: str) -> str:
    """A blocker's text as compared from one day to the next: lower case words without
    punctuation, emoji or a leading/trailing "still"/"again"."""
    words = _SPACES.sub(" ", re.sub(r"[^\w/' ]+", " ", _without_symbols(text))).strip()
    return _STILL.sub("", words).strip()


def continues_previous(text: str) -> bool:
    """The blocker only says it is the previous one again ("same as yesterday", "ditto")."""
    return bool(_CONTINUING.match(normalised(text)))


def _words(text: str) -> list[str]:
    return [word for word in normalised(text).split() if word not in _IGNORED_WORDS]


def same_blocker(previous: str, current: str) -> bool:
    """Whether `current` reports the same blocker as the person's previous answer:
    - it says so ("same as yesterday", "ditto"), or
    - the two have nearly the same words: rapidfuzz ratio ≥ 85 over the words, where a word
      within a typo of a previous one counts as that word and "still", "again" and articles
      are left out ("still waiting on the forklift repair" after "waiting on forklift
      repair"), or
    - one is a rewording of the other: at least three of the shorter one's words of four
      letters or more, and 80 % of them, are in the other ("waiting on the hydraulic part
      for forklift 3" after "Forklift 3 out of service, waiting on a hydraulic part").
    So "blocked by IT on printer access" after "…on scanner access" is a new blocker."""
    if continues_previous(current):
        return True
    before = _words(previous)
    now = [_as_previous_word(word, before) for word in _words(current)]
    if fuzz.ratio(before, now) >= SAME_BLOCKER_RATIO:
        return True
    shorter, longer = sorted(
        ({w for w in before if len(w) >= 4}, {w for w in now if len(w) >= 4}), key=len
    )
    shared = len(shorter & longer)
    return shared >= REWORDING_MIN_WORDS and shared >= REWORDING_SHARE * len(shorter)


def _as_previous_word(word: str, previous: list[str]) -> str:
    """`word`, or the previous answer's word it is a typo of ("repiar" → "repair")."""
    if word in previous or len(word) < 4 or not previous:
        return word
    closest = max(previous, key=lambda candidate: fuzz.ratio(word, candidate))
    return closest if fuzz.ratio(word, closest) >= TYPO_RATIO else word
