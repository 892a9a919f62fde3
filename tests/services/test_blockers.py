"""The blocker recogniser: a table of real-sounding answers to "Anything blocking you?",
and when two days' blockers are the same one."""

from __future__ import annotations

import pytest

from bot.services.blockers import continues_previous, is_blocker, same_blocker

NOT_BLOCKERS = [
    "",
    "   ",
    "-",
    "--",
    "—",
    "...",
    "👍",
    ":thumbsup:",
    "none",
    "None.",
    "NONE",
    "no",
    "No.",
    "nope",
    "Nope!",
    "nah",
    "n/a",
    "N/A",
    "na",
    "nil",
    "nothing",
    "Nothing.",
    "no blockers",
    "No blockers today",
    "NO BLOCKERS!!!",
    "no blockers, thanks!",
    "No blocker",
    "nothing blocking, all good",
    "Nothing blocking me today 🙂",
    "Nothing is blocking me",
    "nothing's blocking us at the moment",
    "not blocked",
    "Not blocked today, thanks",
    "I'm not blocked",
    "not at the moment",
    "Not at the moment.",
    "Not really",
    "all clear",
    "All clear on my end 👍",
    "no issues",
    "No issues so far",
    "no problems today :smile:",
    "None so far 👍",
    "None at all",
    "nothing to report",
    "Nothing new",
    "No blockers at this time.",
    "none currently",
    "Currently none",
    "Nope, all good 😊",
    "Nothing, thanks!",
    "no blockers - all good",
    "*none*",
    "_nothing_",
    "No blockers that I know of",
    "None right now, thanks team 🙏",
    "No roadblocks",
    "I have no blockers",
    "There are no blockers",
    "all good",
    "Thankfully nothing",
    "Zero blockers",
    "Still none",
    "still nothing",
    "Blocked by nothing",
    "nothing so far",
    "Still no blockers 👍",
    # "None" from the leads of a European operation.
    "Keine",
    "keine Blocker",
    "Nichts.",
    "aucun",
    "Rien",
    "ninguno",
    "Nada",
    "geen",
    "niente",
    "Nessuno",
    "brak",
]

BLOCKERS = [
    "waiting on the forklift repair",
    "Waiting on the forklift repair 🔧",
    "blocked by IT on scanner access",
    "BLOCKED BY IT ON SCANNER ACCESS!!",
    "no forklift available on dock 3",
    "nothing has arrived from the supplier",
    "No one has signed off the cycle count yet",
    "None of the RF guns are charged",
    "Nothing works on the label printer",
    "no blockers, but the dock 2 door is stuck again",
    "nothing blocking - though the WMS was slow all morning",
    "Need the carrier to confirm the 14:00 pickup",
    "short two pickers on second shift",
    "Trailer 4417 still not unloaded",
    "waiting for QA release on lot 2231",
    "yes",
    "Yes, the shrink wrapper is down",
    "hello",
    "label printer on line 3 keeps jamming 😤",
    "the pallet jack on dock 5 has a flat wheel",
    "No access to the returns portal",
    "no heat in the cold-chain dock (ironic)",
    "Pending PO approval from finance",
    "still waiting on the new racking install",
    "can't print BOLs, printer offline",
    "no pallets left for outbound",
    "Not enough totes for the afternoon wave",
    "HR hasn't set up the new temps in Kronos",
    "supplier ASN missing for PO 88812",
    "blocked",
    "Blocked!",
    "still no scanner access",
    "blocked by IT",
    "Keine Gabelstapler frei",
    "rien ne marche sur le quai 2",
    "nada de etiquetas en la línea 3",
    "same as yesterday",  # alone, without the previous answer (see test_standup_trial_fixes)
]


@pytest.mark.parametrize("answer", NOT_BLOCKERS)
def test_answers_saying_nothing_is_in_the_way_are_not_blockers(answer: str) -> None:
    assert not is_blocker(answer)


@pytest.mark.parametrize("answer", BLOCKERS)
def test_answers_naming_something_in_the_way_are_blockers(answer: str) -> None:
    assert is_blocker(answer)


def test_the_table_is_big_enough() -> None:
    assert len(NOT_BLOCKERS) + len(BLOCKERS) >= 50
    assert not set(NOT_BLOCKERS) & set(BLOCKERS)


def test_none_is_not_a_blocker() -> None:
    assert not is_blocker(None)


@pytest.mark.parametrize(
    ("previous", "current"),
    [
        ("waiting on the forklift repair", "waiting on the forklift repair"),
        ("waiting on the forklift repair", "Still waiting on the forklift repair."),
        ("waiting on the forklift repiar", "waiting on the forklift repair 🔧"),
        ("Blocked by IT on scanner access", "blocked by IT on scanner access again"),
        ("blocked by IT on scanner access", "same as yesterday"),
        ("blocked by IT on scanner access", "Same."),
        ("blocked by IT on scanner access", "ditto"),
        (
            "Forklift 3 out of service, waiting on a hydraulic part from the vendor",
            "still waiting on the hydraulic part for forklift 3",
        ),
        ("Carrier no-show for two outbound loads", "carrier no-show, two outbound loads waiting"),
    ],
)
def test_the_same_blocker_again(previous: str, current: str) -> None:
    assert same_blocker(previous, current)


@pytest.mark.parametrize(
    ("previous", "current"),
    [
        ("waiting on the forklift repair", "blocked by IT on scanner access"),
        ("blocked by IT on scanner access", "blocked by IT on printer access"),
        ("no pallets left for outbound", "no totes left for outbound"),
        ("waiting on the forklift repair", "waiting on the conveyor repair"),
        ("short two pickers on second shift", "short two forklift drivers on second shift"),
    ],
)
def test_a_different_blocker(previous: str, current: str) -> None:
    assert not same_blocker(previous, current)


def test_continuing_phrasings() -> None:
    assert continues_previous("same as yesterday 😩")
    assert continues_previous("Still the same")
    assert not continues_previous("same forklift, different dock")


def test_a_longer_wording_of_the_same_blocker() -> None:
    assert same_blocker("waiting on forklift repair", "Still waiting on the forklift repair!")
    assert not same_blocker("forklift broken", "forklift broken, and no pallets")
