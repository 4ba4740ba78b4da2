"""Meetings and focus time: don't nudge people who are busy (issue 16).

Everything here is platform-neutral except the presence adapters, which live beside their
platform (``bot/adapters/slack/presence.py``, ``bot/adapters/discord/presence.py``):

* :mod:`bot.meetings.ssrf` - which calendar addresses may be fetched, checked on the address
  actually connected to;
* :mod:`bot.meetings.fetch` - one guarded, bounded download of a person's ICS feed;
* :mod:`bot.meetings.calendar` - ICS text -> the person's busy intervals;
* :mod:`bot.meetings.feeds` - per-person cache of those intervals, last good copy, one notice;
* :mod:`bot.meetings.presence` - the presence port, its model and the cached, batching front;
* :mod:`bot.meetings.statuses` - which status emoji/texts mean "busy";
* :mod:`bot.meetings.policy` - the pure hold/deliver/drop decision for one due nudge;
* :mod:`bot.meetings.secrets` and :mod:`bot.meetings.store` - the calendar URL, encrypted.
"""
