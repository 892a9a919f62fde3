"""Escalations: opening, the open → acknowledged → resolved lifecycle, chains with SLA
timers, configuration, and the figures the huddle, App Home and `/escalate stats` show.

Every state change is a conditional UPDATE (`... WHERE status = 'open'`), so a double
click, a Slack retry or a second Opsbot instance can never acknowledge, resolve or
page twice: the loser's UPDATE matches no row and it gets a ConflictError (or, for
the scheduler, silently skips).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.errors import ConflictError, NotFoundError, PermissionDeniedError, UsageError
from bot.models import (
    Escalation,
    EscalationCounter,
    EscalationEvent,
    EscalationStatus,
    EventKind,
    TeamSetting,
)
from bot.services import oncall, workspace

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
SEVERITY_NAMES = {"sev1": "critical", "sev2": "high", "sev3": "medium", "sev4": "low"}
DEFAULT_SEVERITY = "sev3"
DEFAULT_SLA_MINUTES = {"sev1": 5, "sev2": 15, "sev3": 60, "sev4": 240}
MAX_SLA_MINUTES = 7 * 24 * 60
MAX_REMINDER_GAP = timedelta(hours=1)
UNCONFIGURED_NOTE = (
    "No on-call chain is set for this severity, so the admins are paged. An admin sets one "
    "with /escalate config oncall @level1 @level2, and the channel with /escalate config "
    "channel #channel."
)
SUMMARY_LIMIT = 150
RESOLVE_USAGE = "/escalate resolve ESC-<n> [cause=<word>] [note]"
MAX_CAUSES = 30
MAX_RESOLVE_MINUTES = 30 * 24 * 60
MIN_RESOLVE_TARGET = timedelta(minutes=1)
DEFAULT_RESOLVE_MINUTES = {"sev1": 4 * 60, "sev2": 8 * 60, "sev3": 3 * 24 * 60, "sev4": 7 * 24 * 60}
CANCEL_USAGE = "/escalate cancel ESC-<n> [duplicate=ESC-<m>] [reason]"
DETAILS_LIMIT = 2000
NOTE_LIMIT = 1000
CAUSE_LIMIT = 32
MAX_CHAIN = 10
COMMON_CAUSES = ("equipment", "staffing", "carrier", "system", "inventory", "quality", "other")
UNSPECIFIED_CAUSE = "unspecified"

_SETTING_PREFIX = "escalations."
_CHANNEL_KEY = "escalations.channel"
_ALL = "all"
_REF = re.compile(r"^(?:esc-?|#)?(\d{1,9})$", re.IGNORECASE)
_CAUSE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_UNRESOLVED = (EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED)
_PAGING_EVENTS = (
    EventKind.OPENED,
    EventKind.ESCALATED,
    EventKind.ASSIGNED,
    EventKind.SEVERITY_CHANGED,
)


# -- configuration -------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationConfig:
    """Where a workspace's escalations are posted, who is paged and how fast."""

    channel_id: str | None = None
    chains: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sla_minutes: dict[str, int] = field(default_factory=dict)
    resolve_minutes: dict[str, int] = field(default_factory=dict)
    causes: tuple[str, ...] = COMMON_CAUSES

    def chain_for(self, severity: str) -> tuple[str, ...]:
        """The severity's own chain, else the chain for all severities, else nobody."""
        return self.chains.get(severity) or self.chains.get(_ALL) or ()

    def sla_for(self, severity: str) -> timedelta:
        minutes = self.sla_minutes.get(severity, DEFAULT_SLA_MINUTES[severity])
        return timedelta(minutes=minutes)

    def resolve_target_for(self, severity: str) -> timedelta:
        """How long an acknowledged escalation may stay unresolved before it is raised."""
        minutes = self.resolve_minutes.get(severity, DEFAULT_RESOLVE_MINUTES[severity])
        return timedelta(minutes=minutes)


def _config_from_settings(pairs: Iterable[tuple[str, str]]) -> EscalationConfig:
    channel_id: str | None = None
    chains: dict[str, tuple[str, ...]] = {}
    sla: dict[str, int] = {}
    resolve: dict[str, int] = {}
    causes: tuple[str, ...] = COMMON_CAUSES
    for key, value in pairs:
        name = key.removeprefix(_SETTING_PREFIX)
        if key == _CHANNEL_KEY:
            channel_id = value or None
        elif name.startswith("oncall.") and value:
            chains[name.removeprefix("oncall.")] = tuple(value.split(","))
        elif name.startswith("sla.") and value.isdigit():
            sla[name.removeprefix("sla.")] = int(value)
        elif name.startswith("resolve.") and value.isdigit():
            resolve[name.removeprefix("resolve.")] = int(value)
        elif name == "causes" and value:
            causes = tuple(value.split(","))
    return EscalationConfig(
        channel_id=channel_id,
        chains=chains,
        sla_minutes=sla,
        resolve_minutes=resolve,
        causes=causes,
    )


def load_config(session: Session, *, team_id: str) -> EscalationConfig:
    """The workspace's escalation settings, read in one query."""
    return load_configs(session, team_ids=[team_id])[team_id]


def load_configs(session: Session, *, team_ids: Iterable[str]) -> dict[str, EscalationConfig]:
    """Several workspaces' escalation settings in one query (for the SLA job)."""
    wanted = set(team_ids)
    grouped: dict[str, list[tuple[str, str]]] = {team: [] for team in wanted}
    if not wanted:
        return {}
    rows = session.execute(
        select(TeamSetting.team_id, TeamSetting.key, TeamSetting.value).where(
            TeamSetting.team_id.in_(wanted), TeamSetting.key.startswith(_SETTING_PREFIX)
        )
    )
    for team, key, value in rows:
        grouped[team].append((key, value))
    return {team: _config_from_settings(pairs) for team, pairs in grouped.items()}


def set_channel(session: Session, *, team_id: str, channel_id: str, now: datetime) -> None:
    """Post the workspace's escalations in `channel_id` from now on."""
    workspace.set_setting(session, team_id=team_id, key=_CHANNEL_KEY, value=channel_id, now=now)


def set_chain(
    session: Session,
    *,
    team_id: str,
    severity: str | None,
    user_ids: Sequence[str],
    now: datetime,
) -> None:
    """Set the on-call chain (level 1 first) for one severity, or for all when None.
    A level is a user id or `schedule:<name>` (whoever is on call in that schedule when the
    level is paged; the schedule must exist). An empty list removes the chain."""
    if len(user_ids) > MAX_CHAIN:
        raise UsageError(
            f"A chain has at most {MAX_CHAIN} levels.", "/escalate config oncall [sevN] @l1 @l2"
        )
    levels = [
        oncall.level_for(
            oncall.find_schedule(session, team_id=team_id, name=level.split(":", 1)[1])
        )
        if oncall.is_schedule_level(level)
        else level
        for level in user_ids
    ]
    workspace.set_setting(
        session,
        team_id=team_id,
        key=f"{_SETTING_PREFIX}oncall.{severity or _ALL}",
        value=",".join(levels),
        now=now,
    )


@dataclass(frozen=True)
class Page:
    """Whom a chain pages from a level on: `level` (1-based) and its person, or level 0
    and nobody when no later level has anyone; `note` names the schedule levels passed over
    because nobody was on call in them (empty when none were)."""

    level: int
    user_id: str | None
    note: str


def page_from(
    session: Session,
    *,
    team_id: str,
    chain: Sequence[str],
    first: int,
    now: datetime,
    skip_user_id: str | None = None,
) -> Page:
    """The first level from `chain[first]` on that pages someone at `now` (a schedule level
    resolves to whoever is on call in it at that instant; `skip_user_id`, the owner, is not
    paged again for their own level). The one place where chain levels become people."""
    empty: list[str] = []
    for index in range(first, len(chain)):
        resolved = oncall.resolve_level(session, team_id=team_id, level=chain[index], at=now)
        if resolved.user_id is None:
            empty.append(f"{resolved.schedule_name} (level {index + 1})")
            continue
        if resolved.user_id == skip_user_id:
            continue
        return Page(index + 1, resolved.user_id, _passed_over(empty))
    return Page(0, None, _passed_over(empty))


def _passed_over(empty: Sequence[str]) -> str:
    """The schedule levels passed over; whom the chain pages instead is said by the line
    the note goes with, not again here."""
    if not empty:
        return ""
    if len(empty) == 1:
        return f"{empty[0]} has nobody on call now, so it was passed over."
    return f"{' and '.join(empty)} have nobody on call now, so they were passed over."


@dataclass(frozen=True)
class ChainLevel:
    """A chain level as the config shows it: a person, or a schedule and who is on call now."""

    user_id: str | None
    schedule_name: str | None = None


def describe_chain(
    session: Session, *, team_id: str, chain: Sequence[str], now: datetime
) -> list[ChainLevel]:
    """A chain's levels as the config shows them; a level naming a schedule that no longer
    exists is left out (paging passes it over)."""
    return [
        ChainLevel(resolved.user_id, resolved.schedule_name)
        for resolved in (
            oncall.resolve_level(session, team_id=team_id, level=level, at=now) for level in chain
        )
        if not resolved.missing
    ]


@dataclass(frozen=True)
class ChainMention:
    """A chain that names a schedule: the severity it is for (None: every severity without
    its own chain) and the level the schedule is at."""

    severity: str | None
    level: int


def chains_naming(session: Session, *, team_id: str, level: str) -> list[ChainMention]:
    """The escalation chains that have `level` (such as `schedule:night-leads`) in them."""
    config = load_config(session, team_id=team_id)
    return [
        ChainMention(None if key == _ALL else key, chain.index(level) + 1)
        for key, chain in sorted(config.chains.items(), key=lambda item: _chain_order(item[0]))
        if level in chain
    ]


def _chain_order(key: str) -> int:
    return SEVERITIES.index(key) if key in SEVERITIES else len(SEVERITIES)


def remove_from_chains(
    session: Session, *, team_id: str, level: str, now: datetime
) -> list[ChainMention]:
    """Take `level` out of every chain that has it (a schedule being deleted); a chain left
    with no level is removed. Returns where it was."""
    found = chains_naming(session, team_id=team_id, level=level)
    config = load_config(session, team_id=team_id)
    for mention in found:
        key = mention.severity or _ALL
        kept = [each for each in config.chains[key] if each != level]
        workspace.set_setting(
            session,
            team_id=team_id,
            key=f"{_SETTING_PREFIX}oncall.{key}",
            value=",".join(kept),
            now=now,
        )
    return found


def set_sla(session: Session, *, team_id: str, severity: str, minutes: int, now: datetime) -> None:
    """Set how many minutes an escalation of `severity` may wait for an acknowledgement."""
    _set_minutes(
        session,
        team_id=team_id,
        key=f"sla.{severity}",
        minutes=minutes,
        most=MAX_SLA_MINUTES,
        refusal="The deadline must be between 1 minute and a week.",
        usage="/escalate config sla sevN <duration>",
        now=now,
    )


def set_resolve_target(
    session: Session, *, team_id: str, severity: str, minutes: int, now: datetime
) -> None:
    """Set how long an acknowledged escalation of `severity` may stay unresolved."""
    _set_minutes(
        session,
        team_id=team_id,
        key=f"resolve.{severity}",
        minutes=minutes,
        most=MAX_RESOLVE_MINUTES,
        refusal="The resolve target must be between 1 minute and 30 days.",
        usage="/escalate config resolve sevN <duration>",
        now=now,
    )


def _set_minutes(
    session: Session,
    *,
    team_id: str,
    key: str,
    minutes: int,
    most: int,
    refusal: str,
    usage: str,
    now: datetime,
) -> None:
    if not 1 <= minutes <= most:
        raise UsageError(refusal, usage)
    workspace.set_setting(
        session, team_id=team_id, key=f"{_SETTING_PREFIX}{key}", value=str(minutes), now=now
    )


def set_causes(
    session: Session, *, team_id: str, causes: Sequence[str], now: datetime
) -> list[str]:
    """Set the workspace's cause categories (the Resolve form and `cause=` use them);
    returns them as saved."""
    usage = "/escalate config causes equipment,staffing,carrier,…"
    cleaned = list(dict.fromkeys(check_cause_word(cause, usage=usage) for cause in causes))
    if not cleaned:
        raise UsageError("List at least one cause, separated by commas.", usage)
    if len(cleaned) > MAX_CAUSES:
        raise UsageError(f"A workspace has at most {MAX_CAUSES} causes.", usage)
    workspace.set_setting(
        session, team_id=team_id, key=f"{_SETTING_PREFIX}causes", value=",".join(cleaned), now=now
    )
    return cleaned


# -- input checks --------------------------------------------------------------------------


def parse_ref(text: str) -> int:
    """`ESC-12`, `esc12`, `#12` or `12` → 12."""
    match = _REF.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise UsageError(f"`{text}` is not an escalation id; ids look like ESC-12.", "ESC-<n>")
    return int(match.group(1))


def check_summary(summary: str) -> str:
    """The summary stripped, or a UsageError naming the limit."""
    text = " ".join(summary.split())
    if not text:
        raise UsageError("Say what is wrong in a short summary.", "/escalate [sevN] <summary>")
    if len(text) > SUMMARY_LIMIT:
        raise UsageError(
            f"The summary is {len(text)} characters; the limit is {SUMMARY_LIMIT}. "
            "Shorten it, or use `/escalate` alone for a form with a details field.",
            "/escalate [sevN] <summary>",
        )
    return text


def check_text(text: str | None, *, limit: int, what: str) -> str:
    """Free text (details, notes) stripped, or a UsageError naming the limit."""
    value = (text or "").strip()
    if len(value) > limit:
        raise UsageError(
            f"The {what} is {len(value)} characters; the limit is {limit}.", f"{what} ≤ {limit}"
        )
    return value


def check_cause_word(cause: str, *, usage: str = RESOLVE_USAGE) -> str:
    """One lowercase word such as `equipment`, or a UsageError."""
    value = cause.strip().lower()
    if len(value) > CAUSE_LIMIT or not _CAUSE.match(value):
        raise UsageError(
            f"`{cause}` is not a cause; use one word of up to {CAUSE_LIMIT} letters, "
            f"such as {', '.join(COMMON_CAUSES[:4])}.",
            usage,
        )
    return value


def check_cause(cause: str | None, *, causes: Sequence[str] = COMMON_CAUSES) -> str | None:
    """A cause from the workspace's list (`causes`); an unknown one gets "Did you mean …?"
    instead of becoming a new category."""
    if cause is None or not cause.strip():
        return None
    value = check_cause_word(cause)
    if value in causes:
        return value
    close = process.extract(value, causes, scorer=fuzz.WRatio, limit=2, score_cutoff=60)
    hint = (
        f" Did you mean {' or '.join(f'`{match}`' for match, _score, _i in close)}?"
        if close
        else ""
    )
    raise UsageError(
        f"`{value}` is not one of this workspace's causes.{hint} "
        f"The causes are: {', '.join(causes)} (admins change them with "
        "`/escalate config causes …`).",
        RESOLVE_USAGE,
    )


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut with a visible `…` when longer than `limit`."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


# -- opening -------------------------------------------------------------------------------


def _next_number(session: Session, *, team_id: str) -> int:
    """Take the workspace's next number with one atomic upsert-and-return.

    On PostgreSQL the number is taken in its own short transaction, committed at once, so
    that concurrent openers (threads or instances) wait for each other for a millisecond, not
    for each other's whole request; a number whose escalation then fails to be stored (the
    database goes away mid-request) is skipped. SQLite serialises writers anyway: there the
    number is taken in the caller's transaction, and a rollback returns it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(EscalationCounter)
        .values(team_id=team_id, last_number=1)
        .on_conflict_do_update(
            index_elements=["team_id"],
            set_={"last_number": EscalationCounter.last_number + 1},
        )
        .returning(EscalationCounter.last_number)
    )
    if dialect != "postgresql":
        return int(session.execute(statement).scalar_one())
    with Session(session.get_bind()) as numbering, numbering.begin():
        return int(numbering.execute(statement).scalar_one())


def _add_event(
    session: Session,
    escalation: Escalation,
    *,
    kind: str,
    now: datetime,
    actor_id: str | None = None,
    target_user_id: str | None = None,
    note: str | None = None,
) -> EscalationEvent:
    event = EscalationEvent(
        team_id=escalation.team_id,
        escalation_id=escalation.id,
        at=now,
        kind=kind,
        actor_id=actor_id,
        target_user_id=target_user_id,
        level=escalation.level or None,
        note=note or None,
    )
    session.add(event)
    session.flush()
    return event


def open_escalation(
    session: Session,
    *,
    team_id: str,
    reporter_id: str,
    summary: str,
    details: str,
    severity: str,
    assignee_id: str | None = None,
    source_link: str | None = None,
    opened_in: str | None = None,
    fallback_chain: Sequence[str] = (),
    now: datetime,
) -> Escalation:
    """Open an escalation numbered `ESC-<n>` in the workspace and start its SLA timer.

    The owner is the person paged first: `assignee_id` when one was chosen (before the
    chain; the chain's level 1 is paged if they do not acknowledge in time), else level 1
    of the severity's chain. The timeline's first event (`opened`) names them.
    """
    severity = severity.lower()
    if severity not in SEVERITIES:
        raise UsageError(f"`{severity}` is not a severity.", "sev1 | sev2 | sev3 | sev4")
    summary = check_summary(summary)
    details = check_text(details, limit=DETAILS_LIMIT, what="details")
    config = load_config(session, team_id=team_id)
    # Nothing configured: posted where it was opened, and the admins are paged; nobody is
    # ever left with no one to page.
    admins = tuple(dict.fromkeys(fallback_chain))
    chain = config.chain_for(severity) or admins
    unconfigured = not config.chain_for(severity)
    page = Page(0, None, "")
    if not assignee_id and chain:
        page = page_from(session, team_id=team_id, chain=chain, first=0, now=now)
        if page.user_id is None and admins:  # every schedule level is empty: the admins
            page = Page(0, admins[0], f"{page.note} Paging the admins: <@{admins[0]}>.")
    deadline = now + config.sla_for(severity)
    escalation = Escalation(
        team_id=team_id,
        number=_next_number(session, team_id=team_id),
        severity=severity,
        summary=summary,
        details=details,
        status=EscalationStatus.OPEN,
        reporter_id=reporter_id,
        assignee_id=assignee_id or page.user_id,
        level=page.level,
        reminder_count=0,
        ack_due_at=deadline,
        next_deadline_at=deadline,
        channel_id=config.channel_id or opened_in,
        source_link=(source_link or None) and source_link[:500],
        created_at=now,
    )
    session.add(escalation)
    session.flush()
    _add_event(
        session,
        escalation,
        kind=EventKind.OPENED,
        now=now,
        actor_id=reporter_id,
        target_user_id=escalation.assignee_id,
        note=UNCONFIGURED_NOTE if unconfigured and chain and not assignee_id else page.note,
    )
    return escalation


# -- lifecycle -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What one state change did: the escalation after it, its timeline event, and the
    owner before it when the change moved the escalation to someone else."""

    escalation: Escalation
    event: EscalationEvent
    previous_owner_id: str | None = None

    @property
    def paged_user_id(self) -> str | None:
        """The person to page: the new owner of an opened, escalated or reassigned
        escalation, or level 1 for a raised severity."""
        if self.event.kind in _PAGING_EVENTS:
            return self.event.target_user_id
        return None

    @property
    def people_to_tell(self) -> list[str]:
        """Reporter and owner (and a newly assigned owner), never the person who acted
        and never the person being paged (the page tells them)."""
        wanted = [self.escalation.reporter_id, self.escalation.assignee_id]
        if self.event.kind == EventKind.RESOLVE_OVERDUE:
            wanted = [self.escalation.assignee_id]  # raised with the owner alone
        skip = {self.event.actor_id, self.paged_user_id}
        return [user for user in dict.fromkeys(wanted) if user and user not in skip]

    @property
    def people_concerned(self) -> list[str]:
        """Everyone whose own open escalations (owned or reported) this change may alter:
        the reporter, the owner, and the owner it was taken from."""
        wanted = [self.escalation.reporter_id, self.escalation.assignee_id, self.previous_owner_id]
        return [user for user in dict.fromkeys(wanted) if user]


def get_escalation(session: Session, *, team_id: str, number: int) -> Escalation:
    """The workspace's `ESC-<number>`, or NotFoundError."""
    escalation = session.scalar(
        select(Escalation).where(Escalation.team_id == team_id, Escalation.number == number)
    )
    if escalation is None:
        raise NotFoundError(f"There is no ESC-{number} in this workspace.")
    return escalation


def record_message(session: Session, *, team_id: str, escalation_id: int, message_ts: str) -> bool:
    """Remember the channel message of an escalation; False when one is already recorded."""
    result = session.execute(
        update(Escalation)
        .where(
            Escalation.id == escalation_id,
            Escalation.team_id == team_id,
            Escalation.message_ts.is_(None),
        )
        .values(message_ts=message_ts)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def timeline(session: Session, *, escalation: Escalation) -> list[EscalationEvent]:
    """Every event of the escalation, oldest first."""
    return list(
        session.scalars(
            select(EscalationEvent)
            .where(
                EscalationEvent.team_id == escalation.team_id,
                EscalationEvent.escalation_id == escalation.id,
            )
            .order_by(EscalationEvent.id)
        )
    )


def _transition(
    session: Session,
    escalation: Escalation,
    *,
    allowed_from: Sequence[str],
    values: dict[str, object],
    conflict: str,
    extra_condition: object = None,
) -> None:
    """Apply `values` only if the row is still in one of `allowed_from`; else ConflictError
    with `conflict` formatted with the escalation's `ref` and current `status`."""
    conditions = [
        Escalation.id == escalation.id,
        Escalation.team_id == escalation.team_id,
        Escalation.status.in_(allowed_from),
    ]
    if extra_condition is not None:
        conditions.append(extra_condition)
    result = session.execute(
        update(Escalation)
        .where(*conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(escalation)
    if result.rowcount != 1:
        raise ConflictError(conflict.format(ref=escalation.ref, status=escalation.status))


def _already(wanted: str) -> str:
    return "{ref} is already {status}, so it cannot be " + wanted + "."


def acknowledge(
    session: Session, *, team_id: str, number: int, user_id: str, note: str = "", now: datetime
) -> Change:
    """Acknowledge an open escalation: it stops escalating and `user_id` owns it."""
    note = check_text(note, limit=NOTE_LIMIT, what="note")
    escalation = get_escalation(session, team_id=team_id, number=number)
    owner = escalation.assignee_id
    _transition(
        session,
        escalation,
        allowed_from=[EscalationStatus.OPEN],
        values={
            "status": EscalationStatus.ACKNOWLEDGED,
            "acknowledged_at": now,
            "acknowledged_by": user_id,
            "assignee_id": user_id,
            "next_deadline_at": None,
            "resolve_nudged_at": None,
        },
        conflict=_already("acknowledged"),
    )
    event = _add_event(
        session,
        escalation,
        kind=EventKind.ACKNOWLEDGED,
        now=now,
        actor_id=user_id,
        note=note,
        # Someone else's escalation: the timeline says whose it was.
        target_user_id=owner if owner and owner != user_id else None,
    )
    return Change(escalation, event, previous_owner_id=owner)


def resolve(
    session: Session,
    *,
    team_id: str,
    number: int,
    user_id: str,
    note: str = "",
    cause: str | None = None,
    now: datetime,
) -> Change:
    """Resolve an open or acknowledged escalation, with a note and a cause category.
    Resolving an unacknowledged one also counts as its acknowledgement (for MTTA)."""
    note = check_text(note, limit=NOTE_LIMIT, what="note")
    cause = check_cause(cause, causes=load_config(session, team_id=team_id).causes)
    escalation = get_escalation(session, team_id=team_id, number=number)
    _transition(
        session,
        escalation,
        allowed_from=_UNRESOLVED,
        values={
            "status": EscalationStatus.RESOLVED,
            "resolved_at": now,
            "resolved_by": user_id,
            "resolution_note": note or None,
            "cause": cause,
            "next_deadline_at": None,
            "acknowledged_at": func.coalesce(Escalation.acknowledged_at, now),
            "acknowledged_by": func.coalesce(Escalation.acknowledged_by, user_id),
        },
        conflict=_already("resolved"),
    )
    event = _add_event(
        session,
        escalation,
        kind=EventKind.RESOLVED,
        now=now,
        actor_id=user_id,
        note=note,
        target_user_id=None,
    )
    return Change(escalation, event)


def reopen(
    session: Session, *, team_id: str, number: int, user_id: str, note: str = "", now: datetime
) -> Change:
    """Reopen a resolved escalation: it needs a new acknowledgement within its SLA, and
    escalates from its current level if nobody gives one."""
    note = check_text(note, limit=NOTE_LIMIT, what="note")
    escalation = get_escalation(session, team_id=team_id, number=number)
    deadline = now + load_config(session, team_id=team_id).sla_for(escalation.severity)
    _transition(
        session,
        escalation,
        allowed_from=[EscalationStatus.RESOLVED],
        values={
            "status": EscalationStatus.OPEN,
            "resolved_at": None,
            "resolved_by": None,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "ack_due_at": deadline,
            "next_deadline_at": deadline,
            "reminder_count": 0,
        },
        conflict="{ref} is {status}, not resolved; there is nothing to reopen.",
    )
    event = _add_event(
        session, escalation, kind=EventKind.REOPENED, now=now, actor_id=user_id, note=note
    )
    return Change(escalation, event)


def assign(
    session: Session, *, team_id: str, number: int, user_id: str, assignee_id: str, now: datetime
) -> Change:
    """Make `assignee_id` the owner of an unresolved escalation. They are paged and must
    acknowledge it themselves: it is open again with a fresh acknowledgement deadline (if
    nobody acknowledges, it moves on up the chain from its current level)."""
    escalation = get_escalation(session, team_id=team_id, number=number)
    if escalation.status not in _UNRESOLVED:
        raise ConflictError(
            f"{escalation.ref} is {escalation.status}; reopen it before assigning it."
        )
    owner = escalation.assignee_id
    deadline = now + load_config(session, team_id=team_id).sla_for(escalation.severity)
    _transition(
        session,
        escalation,
        allowed_from=_UNRESOLVED,
        values={
            "assignee_id": assignee_id,
            "status": EscalationStatus.OPEN,
            "acknowledged_at": None,
            "acknowledged_by": None,
            "ack_due_at": deadline,
            "next_deadline_at": deadline,
            "reminder_count": 0,
        },
        conflict="{ref} is already assigned to that person (or was just resolved).",
        extra_condition=or_(
            Escalation.assignee_id.is_(None), Escalation.assignee_id != assignee_id
        ),
    )
    event = _add_event(
        session,
        escalation,
        kind=EventKind.ASSIGNED,
        now=now,
        actor_id=user_id,
        target_user_id=assignee_id,
    )
    return Change(escalation, event, previous_owner_id=owner)


def change_severity(
    session: Session, *, team_id: str, number: int, user_id: str, severity: str, now: datetime
) -> Change:
    """Give an unresolved escalation another severity. An open one gets the new severity's
    acknowledgement deadline from now; a raised one that is still open pages level 1 of the
    new severity's chain again, who becomes its owner. An acknowledged one keeps its owner."""
    escalation = get_escalation(session, team_id=team_id, number=number)
    old = escalation.severity
    if severity == old:
        raise ConflictError(f"{escalation.ref} is already {old}.")
    config = load_config(session, team_id=team_id)
    owner = escalation.assignee_id
    values: dict[str, object] = {"severity": severity}
    target = None
    passed_over = ""
    if escalation.status == EscalationStatus.OPEN:
        deadline = now + config.sla_for(severity)
        values.update(ack_due_at=deadline, next_deadline_at=deadline, reminder_count=0)
        chain = config.chain_for(severity)
        if SEVERITIES.index(severity) < SEVERITIES.index(old) and chain:
            page = page_from(session, team_id=team_id, chain=chain, first=0, now=now)
            passed_over = page.note
            if page.user_id is not None:
                target = page.user_id
                values.update(level=page.level, assignee_id=target)
    _transition(
        session,
        escalation,
        allowed_from=_UNRESOLVED,
        values=values,
        conflict="{ref} is {status}; only an open or acknowledged escalation changes severity.",
        extra_condition=Escalation.severity == old,
    )
    event = _add_event(
        session,
        escalation,
        kind=EventKind.SEVERITY_CHANGED,
        now=now,
        actor_id=user_id,
        target_user_id=target,
        # The thread line shows the first line in brackets, the rest as a quote.
        note=f"{old} → {severity}" + (f"\n{passed_over}" if passed_over else ""),
    )
    return Change(escalation, event, previous_owner_id=owner)


def cancel(
    session: Session,
    *,
    team_id: str,
    number: int,
    user_id: str,
    is_admin: bool,
    reason: str = "",
    duplicate_of: int | None = None,
    now: datetime,
) -> Change:
    """Cancel an escalation opened by mistake or as a duplicate of another: paging and
    reminders stop, and it is left out of stats, lists (but `all`) and the huddle. Only its
    reporter, its owner or an admin may."""
    reason = check_text(reason, limit=NOTE_LIMIT, what="reason")
    escalation = get_escalation(session, team_id=team_id, number=number)
    if not is_admin and user_id not in (escalation.reporter_id, escalation.assignee_id):
        raise PermissionDeniedError(
            f"Only the reporter, the owner or an admin can cancel {escalation.ref}."
        )
    if duplicate_of is not None:
        original = get_escalation(session, team_id=team_id, number=duplicate_of)
        if original.id == escalation.id:
            raise UsageError(f"{escalation.ref} cannot be a duplicate of itself.", CANCEL_USAGE)
        reason = f"Duplicate of {original.ref}." + (f" {reason}" if reason else "")
    _transition(
        session,
        escalation,
        allowed_from=[*_UNRESOLVED, EscalationStatus.RESOLVED],
        values={"status": EscalationStatus.CANCELLED, "next_deadline_at": None},
        conflict=_already("cancelled"),
    )
    event = _add_event(
        session, escalation, kind=EventKind.CANCELLED, now=now, actor_id=user_id, note=reason
    )
    return Change(escalation, event)


# -- SLA timers ----------------------------------------------------------------------------


def reminder_gap(period: timedelta, *, reminders: int) -> timedelta:
    """How long after its `reminders`-th reminder an unacknowledged escalation is reminded
    again: twice the gap before it each time, starting from the SLA period, at most hourly."""
    return min(period * 2 ** min(reminders, 20), MAX_REMINDER_GAP)


def advance_overdue(session: Session, *, now: datetime, limit: int = 200) -> list[Change]:
    """Move every open escalation whose deadline has passed one step: to the next level
    of its chain (the new owner, to be paged, with a fresh deadline one SLA period from
    now), or past the last level a reminder to the channel (the next one after a growing
    gap, see `reminder_gap`).

    Each step is claimed with an UPDATE conditioned on the level and reminder count
    this call saw, so when several schedulers run at once exactly one takes it.
    """
    overdue = list(
        session.scalars(
            select(Escalation)
            .where(Escalation.status == EscalationStatus.OPEN, Escalation.next_deadline_at <= now)
            .order_by(Escalation.next_deadline_at)
            .limit(limit)
        )
    )
    configs = load_configs(session, team_ids={e.team_id for e in overdue})
    changes: list[Change] = []
    for escalation in overdue:
        config = configs[escalation.team_id]
        chain = config.chain_for(escalation.severity)
        seen_level, seen_reminders = escalation.level, escalation.reminder_count
        owner = escalation.assignee_id
        period = config.sla_for(escalation.severity)
        values: dict[str, object] = {"next_deadline_at": now + period}
        page = page_from(
            session,
            team_id=escalation.team_id,
            chain=chain,
            first=seen_level,
            now=now,
            skip_user_id=owner,
        )
        note = page.note
        if page.user_id is not None:
            target = page.user_id
            values.update(level=page.level, assignee_id=target)
            kind = EventKind.ESCALATED
        else:
            # Only the first reminder names (and so pings) the owner; they come further
            # and further apart.
            target = owner if seen_reminders == 0 else None
            values.update(
                reminder_count=seen_reminders + 1,
                next_deadline_at=now + reminder_gap(period, reminders=seen_reminders + 1),
            )
            kind = EventKind.REMINDED
        result = session.execute(
            update(Escalation)
            .where(
                Escalation.id == escalation.id,
                Escalation.status == EscalationStatus.OPEN,
                Escalation.level == seen_level,
                Escalation.reminder_count == seen_reminders,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        session.refresh(escalation)
        event = _add_event(
            session, escalation, kind=kind, now=now, target_user_id=target, note=note
        )
        changes.append(Change(escalation, event, previous_owner_id=owner))
    return changes


def raise_unresolved(session: Session, *, now: datetime, limit: int = 200) -> list[Change]:
    """Acknowledged escalations past their resolve target are raised with their owner, once
    per acknowledgement (a reassignment or a reopen needs a new one). Claimed with an UPDATE,
    so with several schedulers exactly one raises each."""
    candidates = list(
        session.scalars(
            select(Escalation)
            .where(
                Escalation.status == EscalationStatus.ACKNOWLEDGED,
                Escalation.resolve_nudged_at.is_(None),
                Escalation.acknowledged_at <= now - MIN_RESOLVE_TARGET,
            )
            .order_by(Escalation.acknowledged_at)
            .limit(limit)
        )
    )
    configs = load_configs(session, team_ids={e.team_id for e in candidates})
    changes: list[Change] = []
    for escalation in candidates:
        target = configs[escalation.team_id].resolve_target_for(escalation.severity)
        assert escalation.acknowledged_at is not None
        if escalation.acknowledged_at + target > now:
            continue
        result = session.execute(
            update(Escalation)
            .where(
                Escalation.id == escalation.id,
                Escalation.status == EscalationStatus.ACKNOWLEDGED,
                Escalation.resolve_nudged_at.is_(None),
            )
            .values(resolve_nudged_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        session.refresh(escalation)
        event = _add_event(
            session,
            escalation,
            kind=EventKind.RESOLVE_OVERDUE,
            now=now,
            target_user_id=escalation.assignee_id,
        )
        changes.append(Change(escalation, event))
    return changes


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationSummary:
    """An escalation as lists, the huddle and the App Home show it."""

    number: int
    severity: str
    summary: str
    status: str
    owner_id: str | None
    reporter_id: str
    level: int
    created_at: datetime
    age: timedelta
    ack_due_at: datetime
    next_deadline_at: datetime | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    sla_breached: bool
    resolve_overdue_since: datetime | None = None

    @property
    def ref(self) -> str:
        return f"ESC-{self.number}"


def is_sla_breached(escalation: Escalation, *, now: datetime) -> bool:
    """Not acknowledged by its ack deadline (acknowledged late, or still waiting past it)."""
    acknowledged = escalation.acknowledged_at
    return (acknowledged or now) > escalation.ack_due_at


def summarize(escalation: Escalation, *, now: datetime) -> EscalationSummary:
    end = escalation.resolved_at or now
    return EscalationSummary(
        number=escalation.number,
        severity=escalation.severity,
        summary=escalation.summary,
        status=escalation.status,
        owner_id=escalation.assignee_id,
        reporter_id=escalation.reporter_id,
        level=escalation.level,
        created_at=escalation.created_at,
        age=end - escalation.created_at,
        ack_due_at=escalation.ack_due_at,
        next_deadline_at=escalation.next_deadline_at,
        acknowledged_at=escalation.acknowledged_at,
        resolved_at=escalation.resolved_at,
        sla_breached=is_sla_breached(escalation, now=now),
        resolve_overdue_since=escalation.resolve_nudged_at,
    )


def _urgency(item: EscalationSummary) -> tuple[object, ...]:
    return (
        item.status == EscalationStatus.RESOLVED,
        item.severity,
        not item.sla_breached,
        item.status != EscalationStatus.OPEN,
        item.created_at,
    )


def open_escalations(session: Session, *, team_id: str, now: datetime) -> list[EscalationSummary]:
    """Every unresolved escalation (acknowledged included), most urgent first:
    by severity, SLA breaches first, unacknowledged before acknowledged, oldest first."""
    rows = session.scalars(
        select(Escalation).where(Escalation.team_id == team_id, Escalation.status.in_(_UNRESOLVED))
    )
    return sorted((summarize(row, now=now) for row in rows), key=_urgency)


def escalations_for_user(
    session: Session, *, team_id: str, user_id: str, now: datetime
) -> list[EscalationSummary]:
    """Unresolved escalations that `user_id` owns or reported, most urgent first."""
    rows = session.scalars(
        select(Escalation).where(
            Escalation.team_id == team_id,
            Escalation.status.in_(_UNRESOLVED),
            or_(Escalation.assignee_id == user_id, Escalation.reporter_id == user_id),
        )
    )
    return sorted((summarize(row, now=now) for row in rows), key=_urgency)


def recent_escalations(
    session: Session, *, team_id: str, now: datetime, limit: int = 25
) -> tuple[list[EscalationSummary], int]:
    """Unresolved escalations first, then the most recently ended (resolved or cancelled);
    and the total count."""
    total = session.scalar(
        select(func.count()).select_from(Escalation).where(Escalation.team_id == team_id)
    )
    unresolved = open_escalations(session, team_id=team_id, now=now)
    resolved = session.scalars(
        select(Escalation)
        .where(
            Escalation.team_id == team_id,
            Escalation.status.in_((EscalationStatus.RESOLVED, EscalationStatus.CANCELLED)),
        )
        .order_by(func.coalesce(Escalation.resolved_at, Escalation.created_at).desc())
        .limit(max(0, limit - len(unresolved)))
    )
    items = unresolved[:limit] + [summarize(row, now=now) for row in resolved]
    return items, int(total or 0)


@dataclass(frozen=True)
class ResolvedEscalation:
    number: int
    severity: str
    summary: str
    owner_id: str | None
    resolved_by: str | None
    cause: str | None
    created_at: datetime
    resolved_at: datetime
    acknowledged_at: datetime | None

    @property
    def ref(self) -> str:
        return f"ESC-{self.number}"

    @property
    def time_to_resolve(self) -> timedelta:
        return self.resolved_at - self.created_at


def resolved_since(session: Session, *, team_id: str, since: datetime) -> list[ResolvedEscalation]:
    """Escalations resolved at or after `since`, oldest resolution first (for MTTR)."""
    rows = session.execute(
        select(
            Escalation.number,
            Escalation.severity,
            Escalation.summary,
            Escalation.assignee_id,
            Escalation.resolved_by,
            Escalation.cause,
            Escalation.created_at,
            Escalation.resolved_at,
            Escalation.acknowledged_at,
        )
        .where(
            Escalation.team_id == team_id,
            Escalation.status == EscalationStatus.RESOLVED,
            Escalation.resolved_at >= since,
        )
        .order_by(Escalation.resolved_at)
    )
    return [ResolvedEscalation(*row) for row in rows]


def mean_duration(durations: Sequence[timedelta]) -> timedelta | None:
    """The mean of `durations`, or None when there are none."""
    if not durations:
        return None
    return sum(durations, timedelta()) / len(durations)


def known_causes(session: Session, *, team_id: str) -> list[str]:
    """The workspace's causes, for the resolve form."""
    return list(load_config(session, team_id=team_id).causes)


# -- statistics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SeverityStats:
    severity: str
    count: int
    acknowledged: int
    resolved: int
    mtta: timedelta | None
    mttr: timedelta | None
    breached: int

    @property
    def breach_rate(self) -> float | None:
        return self.breached / self.count if self.count else None


@dataclass(frozen=True)
class CauseShare:
    cause: str
    count: int
    percent: float
    cumulative_percent: float


@dataclass(frozen=True)
class EscalationStats:
    days: int
    since: datetime
    by_severity: list[SeverityStats]
    total: SeverityStats
    causes: list[CauseShare]


def _severity_stats(label: str, rows: Sequence[Escalation], now: datetime) -> SeverityStats:
    ack_times = [r.acknowledged_at - r.created_at for r in rows if r.acknowledged_at]
    resolve_times = [r.resolved_at - r.created_at for r in rows if r.resolved_at]
    return SeverityStats(
        severity=label,
        count=len(rows),
        acknowledged=len(ack_times),
        resolved=len(resolve_times),
        mtta=mean_duration(ack_times),
        mttr=mean_duration(resolve_times),
        breached=sum(is_sla_breached(r, now=now) for r in rows),
    )


def pareto(causes: Iterable[str]) -> list[CauseShare]:
    """Causes by count, largest first (ties by name), with each share and the running total."""
    counts = Counter(causes)
    total = sum(counts.values())
    shares: list[CauseShare] = []
    running = 0
    for cause, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        running += count
        shares.append(CauseShare(cause, count, 100 * count / total, 100 * running / total))
    return shares


def escalation_stats(
    session: Session, *, team_id: str, days: int, now: datetime
) -> EscalationStats:
    """Escalations opened in the last `days` days: count, MTTA (opened → acknowledged),
    MTTR (opened → resolved) and SLA breach rate per severity, and a Pareto of the causes
    of the resolved ones (resolved without a cause count as `unspecified`)."""
    since = now - timedelta(days=days)
    # Up to and including now: an escalation opened this very moment counts.
    end = now + timedelta(microseconds=1)
    return stats_between(session, team_id=team_id, start=since, end=end, now=now, days=days)


def stats_between(
    session: Session, *, team_id: str, start: datetime, end: datetime, now: datetime, days: int
) -> EscalationStats:
    """`escalation_stats` of the escalations opened from `start` up to (not including) `end`,
    such as a calendar week for a report; `now` decides which waits are breaches yet."""
    since = start
    rows = list(
        session.scalars(
            select(Escalation).where(
                Escalation.team_id == team_id,
                Escalation.created_at >= since,
                Escalation.created_at < end,
                Escalation.status != EscalationStatus.CANCELLED,
            )
        )
    )
    by_severity = [
        _severity_stats(sev, [r for r in rows if r.severity == sev], now) for sev in SEVERITIES
    ]
    causes = [r.cause or UNSPECIFIED_CAUSE for r in rows if r.status == EscalationStatus.RESOLVED]
    return EscalationStats(
        days=days,
        since=since,
        by_severity=[s for s in by_severity if s.count],
        total=_severity_stats("all", rows, now),
        causes=pareto(causes),
    )


@dataclass(frozen=True)
class PageSent:
    """A person paged to acknowledge an escalation, and when."""

    user_id: str
    at: datetime


def pages_between(
    session: Session, *, team_id: str, start: datetime, end: datetime
) -> list[PageSent]:
    """Every page from `start` up to (not including) `end`, oldest first: the events that
    page someone (opened, moved up the chain, reassigned, severity raised; see
    `Change.paged_user_id`). Pages of cancelled escalations are left out, as in the stats."""
    rows = session.execute(
        select(EscalationEvent.target_user_id, EscalationEvent.at)
        .join(Escalation, Escalation.id == EscalationEvent.escalation_id)
        .where(
            EscalationEvent.team_id == team_id,
            Escalation.team_id == team_id,
            EscalationEvent.kind.in_(_PAGING_EVENTS),
            EscalationEvent.target_user_id.is_not(None),
            EscalationEvent.at >= start,
            EscalationEvent.at < end,
            Escalation.status != EscalationStatus.CANCELLED,
        )
        .order_by(EscalationEvent.at, EscalationEvent.id)
    )
    return [PageSent(user_id, at) for user_id, at in rows if user_id]
