"""ICS feeds the local calendar server serves, with the busy times they should give.

Alice works in Europe/London; the week straddles the spring-forward change on Sunday
2027-03-28 (01:00 GMT -> 02:00 BST), so 09:30 local is 09:30 UTC before it and 08:30 after.
"""

from __future__ import annotations

from datetime import UTC, datetime

_LONDON_TZ = """BEGIN:VTIMEZONE
TZID:Europe/London
BEGIN:DAYLIGHT
TZOFFSETFROM:+0000
TZOFFSETTO:+0100
TZNAME:BST
DTSTART:19700329T010000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0100
TZOFFSETTO:+0000
TZNAME:GMT
DTSTART:19701025T020000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

_ALICE = "mailto:alice@example.com"
_BOB = "mailto:bob@example.com"
_CARA = "mailto:cara@example.com"
_DAN = "mailto:dan@example.com"


def _event(uid: str, summary: str, *lines: str) -> str:
    body = "\n".join(lines)
    head = f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20270301T000000Z\nSUMMARY:{summary}"
    return f"{head}\n{body}\nEND:VEVENT"


def _attendees(*others: str, alice: str = "ACCEPTED") -> tuple[str, ...]:
    """Alice is on every invitation in her own calendar; her colleagues vary."""
    return (
        f"ORGANIZER:{others[0]}",
        *(f"ATTENDEE;PARTSTAT=ACCEPTED:{other}" for other in others),
        f"ATTENDEE;CN=Alice;PARTSTAT={alice}:{_ALICE}",
    )


def _calendar(*parts: str, header: str = "") -> str:
    head = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//deskbreak tests//EN\n" + header
    return head + "\n".join(parts) + "\nEND:VCALENDAR\n"


_EVENTS = (
    _LONDON_TZ,
    # Weekday stand-up at 09:30 London; Friday the 26th cancelled; Monday the 29th (after the
    # change) moved to 11:00-11:30.
    _event("standup", "Stand-up",
           "DTSTART;TZID=Europe/London:20270322T093000",
           "DTEND;TZID=Europe/London:20270322T094500",
           "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
           "EXDATE;TZID=Europe/London:20270326T093000", *_attendees(_BOB, _CARA)),
    _event("standup", "Stand-up (moved)",
           "RECURRENCE-ID;TZID=Europe/London:20270329T093000",
           "DTSTART;TZID=Europe/London:20270329T110000",
           "DTEND;TZID=Europe/London:20270329T113000", *_attendees(_BOB, _CARA)),
    # Monday planning, two hours.
    _event("planning", "Planning",
           "DTSTART;TZID=Europe/London:20270322T130000",
           "DTEND;TZID=Europe/London:20270322T150000",
           "RRULE:FREQ=WEEKLY;BYDAY=MO", *_attendees(_DAN, _BOB)),
    # Declined by Alice: not busy.
    _event("pitch", "Vendor pitch",
           "DTSTART;TZID=Europe/London:20270329T160000",
           "DTEND;TZID=Europe/London:20270329T170000", *_attendees(_DAN, alice="DECLINED")),
    # Tentative counts as busy.
    _event("review", "Design review",
           "DTSTART;TZID=Europe/London:20270325T150000",
           "DTEND;TZID=Europe/London:20270325T160000", *_attendees(_CARA, alice="TENTATIVE")),
    # Across the change itself: 00:30 GMT to 03:00 BST is 90 minutes.
    _event("deploy", "Night deploy",
           "DTSTART;TZID=Europe/London:20270328T003000",
           "DTEND;TZID=Europe/London:20270328T030000"),
    # Back to back on Tuesday: 12:00-14:00 local in two meetings.
    _event("b2b-1", "Customer call",
           "DTSTART;TZID=Europe/London:20270330T120000",
           "DTEND;TZID=Europe/London:20270330T130000", *_attendees(_DAN)),
    _event("b2b-2", "Retro",
           "DTSTART;TZID=Europe/London:20270330T130000",
           "DTEND;TZID=Europe/London:20270330T140000", *_attendees(_BOB, _CARA)),
    # Free, cancelled and Outlook-free events are not busy.
    _event("focus", "Focus time (free)", "TRANSP:TRANSPARENT",
           "DTSTART;TZID=Europe/London:20270330T100000",
           "DTEND;TZID=Europe/London:20270330T110000"),
    _event("cancelled", "Cancelled sync", "STATUS:CANCELLED",
           "DTSTART;TZID=Europe/London:20270330T150000",
           "DTEND;TZID=Europe/London:20270330T160000"),
    _event("outlook-free", "Lunch walk", "X-MICROSOFT-CDO-BUSYSTATUS:FREE",
           "DTSTART;TZID=Europe/London:20270330T163000",
           "DTEND;TZID=Europe/London:20270330T170000"),
    # All day: an opaque offsite on Wednesday, a transparent birthday on Tuesday.
    _event("offsite", "Offsite", "DTSTART;VALUE=DATE:20270331", "DTEND;VALUE=DATE:20270401"),
    _event("birthday", "Bob's birthday", "TRANSP:TRANSPARENT",
           "DTSTART;VALUE=DATE:20270330", "DTEND;VALUE=DATE:20270331"),
)

ALICE = _calendar(*_EVENTS, header="X-WR-CALNAME:alice@example.com\n")
# The same feed without a calendar name: the owner must be inferred from the attendees.
ALICE_UNNAMED = _calendar(*_EVENTS, header="X-WR-CALNAME:Work\n")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Alice's busy time per local day, in UTC.
ALICE_BUSY = {
    "thu-25": [(utc(2027, 3, 25, 9, 30), utc(2027, 3, 25, 9, 45)),
               (utc(2027, 3, 25, 15, 0), utc(2027, 3, 25, 16, 0))],
    "fri-26": [],
    "sun-28": [(utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 2, 0))],
    "mon-29": [(utc(2027, 3, 29, 10, 0), utc(2027, 3, 29, 10, 30)),
               (utc(2027, 3, 29, 12, 0), utc(2027, 3, 29, 14, 0))],
    "tue-30": [(utc(2027, 3, 30, 8, 30), utc(2027, 3, 30, 8, 45)),
               (utc(2027, 3, 30, 11, 0), utc(2027, 3, 30, 13, 0))],
    "wed-31": [(utc(2027, 3, 30, 23, 0), utc(2027, 3, 31, 23, 0))],
}

# Google's style: UTC times plus X-WR-TIMEZONE, and a floating lunch in the person's zone.
# The weekly 14:00Z (09:00 EST) meeting stays at 09:00 local after the US change on
# 2027-03-14, so it is 13:00Z on the 15th.
GOOGLE_STYLE = _calendar(
    _event("weekly", "Weekly 1:1", "DTSTART:20270308T140000Z", "DTEND:20270308T143000Z",
           "RRULE:FREQ=WEEKLY"),
    _event("lunch", "Lunch", "DTSTART:20270315T120000", "DTEND:20270315T130000"),
    header="X-WR-CALNAME:dev@example.com\nX-WR-TIMEZONE:America/New_York\n",
)

NOT_A_CALENDAR = b"<!doctype html><html><body>Please sign in</body></html>"
BROKEN = b"BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nDTSTART:notadate\nEND:VCALENDAR\n"
