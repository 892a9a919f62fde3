"""The demo operation: a distribution centre's people and channels, shared by the
console's stand-in workspace and every feature's demo data (see `opsbot console --demo`)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_TEAM = "T0DEMO"


@dataclass(frozen=True)
class Person:
    user_id: str
    handle: str
    name: str
    role: str
    tz: str
    shift: str
    is_admin: bool = False


PEOPLE: tuple[Person, ...] = (
    Person("UMARIA", "maria", "Maria Lopez", "Operations manager", "America/Chicago", "day", True),
    Person("UJAMAL", "jamal", "Jamal Carter", "Day shift lead", "America/Chicago", "day"),
    Person("UPRIYA", "priya", "Priya Nair", "Inventory control lead", "America/New_York", "day"),
    Person("UDEV", "dev", "Dev Patel", "Maintenance supervisor", "America/Denver", "day"),
    Person("USAM", "sam", "Sam Okafor", "Night shift lead", "America/Los_Angeles", "night"),
    Person("ULENA", "lena", "Lena Fischer", "Quality lead", "Europe/Berlin", "night"),
    Person("UAIKO", "aiko", "Aiko Tanaka", "Transportation planner", "Asia/Tokyo", "night"),
    Person("UOMAR", "omar", "Omar Haddad", "Receiving supervisor", "America/Chicago", "night"),
)

# channel id → name
CHANNELS: dict[str, str] = {
    "C0GENERAL": "general",
    "C0ESCALATE": "ops-escalations",
    "C0KPI": "ops-kpis",
    "C0HUDDLE": "ops-huddle",
    "C0STANDUP": "shift-leads",
    "C0LEADERS": "leadership",
}
