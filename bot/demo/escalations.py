"""Demo escalation history for the demo operation: about 60 escalations over 180 days
(mostly equipment, then carrier, staffing, system, inventory and quality), the chains,
the channel, and a few still open."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.demo import PEOPLE
from bot.models import Escalation
from bot.services import escalations

CHANNEL = "C0ESCALATE"
HISTORY_DAYS = 180
HISTORY_SIZE = 58
CHAIN_ALL = ("UJAMAL", "UDEV", "UMARIA")
CHAIN_SEV1 = ("UDEV", "UMARIA")

# cause → (weight, summaries, resolution notes)
CAUSES: dict[str, tuple[int, tuple[str, ...], tuple[str, ...]]] = {
    "equipment": (
        35,
        (
            "Dock door 4 stuck open",
            "Conveyor 2 stopped: motor overload",
            "Forklift 7 battery will not charge",
            "Sorter lane 3 jammed",
            "Stretch wrapper tearing film",
            "Dock leveller 5 grinding",
        ),
        ("Reset and tested", "Part replaced by maintenance", "Vendor technician fixed it"),
    ),
    "carrier": (
        20,
        (
            "Trailer for route 12 two hours late",
            "Carrier no-show for the 14:00 pickup",
            "Linehaul refused 3 pallets: over height",
            "Inbound container missing seal",
        ),
        ("Rebooked with backup carrier", "Carrier confirmed new ETA", "Loads re-planned"),
    ),
    "staffing": (
        15,
        (
            "Night shift short 4 pickers",
            "No certified forklift driver on B shift",
            "Agency staff did not arrive",
        ),
        ("Overtime approved", "Cross-trained staff moved over", "Agency sent replacements"),
    ),
    "system": (
        12,
        (
            "WMS not releasing waves",
            "Label printers offline in pack station",
            "RF scanners dropping Wi-Fi in aisle 20",
        ),
        ("IT restarted the service", "Access point replaced", "Printer queue cleared"),
    ),
    "inventory": (
        10,
        (
            "Location A-14 shows stock that is not there",
            "Short-picked wave 31: SKU 4471 missing",
            "Cycle count variance over 2% in zone C",
        ),
        ("Recounted and adjusted", "Found in overflow location", "Receiving error corrected"),
    ),
    "quality": (
        8,
        (
            "Cold room 2 above 5°C",
            "Damaged cartons in inbound PO 88213",
            "Customer complaint: wrong items shipped",
        ),
        ("Product quarantined and checked", "Supplier credit requested", "Re-shipped"),
    ),
}
SEVERITY_WEIGHTS = {"sev1": 10, "sev2": 25, "sev3": 45, "sev4": 20}
# Lower severities wait longer for a fix: resolution time is multiplied by 1 + this.
SLOWER_FIX = {"sev1": 0, "sev2": 1, "sev3": 3, "sev4": 8}
OPEN_NOW = (
    ("sev2", "Dock door 2 sensor faulty, door will not close", 25, None),
    ("sev3", "Pallet wrap stock below one day", 95, "UJAMAL"),
    ("sev1", "Ammonia smell near cold store", 3, None),
)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _advance_until(session: Session, escalation: Escalation, moment: datetime) -> None:
    """Let the SLA timer run (escalating up the chain) until `moment`."""
    while escalation.next_deadline_at is not None and escalation.next_deadline_at <= moment:
        escalations.advance_overdue(session, now=escalation.next_deadline_at)
        session.refresh(escalation)


def seed(session: Session, *, team_id: str, now: datetime, rng: random.Random) -> None:
    """Create the demo workspace's escalation settings and history up to `now`."""
    people = [person.user_id for person in PEOPLE]
    start = now - timedelta(days=HISTORY_DAYS)
    escalations.set_channel(session, team_id=team_id, channel_id=CHANNEL, now=start)
    escalations.set_chain(session, team_id=team_id, severity=None, user_ids=CHAIN_ALL, now=start)
    escalations.set_chain(session, team_id=team_id, severity="sev1", user_ids=CHAIN_SEV1, now=start)
    config = escalations.load_config(session, team_id=team_id)

    openings = sorted(
        start + timedelta(minutes=rng.uniform(0, (HISTORY_DAYS - 2) * 24 * 60))
        for _ in range(HISTORY_SIZE)
    )
    cause_weights = {cause: weight for cause, (weight, _s, _n) in CAUSES.items()}
    for opened in openings:
        cause = _pick(rng, cause_weights)
        _weight, summaries, notes = CAUSES[cause]
        severity = _pick(rng, SEVERITY_WEIGHTS)
        escalation = escalations.open_escalation(
            session,
            team_id=team_id,
            reporter_id=rng.choice(people),
            summary=rng.choice(summaries),
            details="",
            severity=severity,
            now=opened,
        )
        sla = config.sla_for(severity)
        # Most are acknowledged in time; about one in five is late.
        ack_after = sla * (rng.uniform(1.1, 2.5) if rng.random() < 0.2 else rng.uniform(0.1, 0.9))
        acknowledged = opened + ack_after
        _advance_until(session, escalation, acknowledged)
        owner = escalation.assignee_id or rng.choice(people)
        escalations.acknowledge(
            session, team_id=team_id, number=escalation.number, user_id=owner, now=acknowledged
        )
        resolve_after = timedelta(minutes=rng.uniform(20, 90) * (1 + SLOWER_FIX[severity]))
        escalations.resolve(
            session,
            team_id=team_id,
            number=escalation.number,
            user_id=owner,
            note=rng.choice(notes),
            cause=cause,
            now=acknowledged + resolve_after,
        )

    for severity, summary, minutes_ago, acknowledged_by in OPEN_NOW:
        opened = now - timedelta(minutes=minutes_ago)
        escalation = escalations.open_escalation(
            session,
            team_id=team_id,
            reporter_id=rng.choice(people),
            summary=summary,
            details="",
            severity=severity,
            now=opened,
        )
        if acknowledged_by:
            escalations.acknowledge(
                session,
                team_id=team_id,
                number=escalation.number,
                user_id=acknowledged_by,
                now=opened + timedelta(minutes=20),
            )
        else:
            _advance_until(session, escalation, now)
