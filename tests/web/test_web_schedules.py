"""Schedules in the dashboard: every change is the facade's, shown as the facade words it."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

from bot.storage.audit import DASHBOARD
from tests.web.conftest import Site, post_form

WS = "/w/console/console"
EVERY_30 = {"kind": "break", "channel": "console", "mode": "every", "every": "30",
            "start": "09:00", "end": "11:00", "timezone": ""}
WEEKDAYS = [("days", d) for d in ("mon", "tue", "wed", "thu", "fri")]


def form(**changes: str) -> list[tuple[str, str]]:
    return [*{**EVERY_30, **changes}.items(), *WEEKDAYS]


async def add(client: TestClient[Any, Any], **changes: str) -> Any:
    return await post_form(client, f"{WS}/schedules/new", f"{WS}/schedules", form(**changes))


async def test_adding_a_schedule_lists_it_with_its_next_five_times(
        site: Site, browser: TestClient[Any, Any]) -> None:
    """A saved form redirects to the list, which shows channel, rule, zone and 5 times."""
    response = await add(browser)
    assert response.status == 303 and response.headers["Location"] == f"{WS}/schedules"
    page = await (await browser.get(f"{WS}/schedules")).text()
    assert "Schedule #1 added" in page  # the facade's own answer, shown once
    assert "every 30 min, 09:00–11:00, Mon–Fri" in page and "#</span>console" in page
    times = re.findall(r"<li>(Mon 01 Mar, \d\d:\d\d)</li>", page)
    assert times == ["Mon 01 Mar, 09:00", "Mon 01 Mar, 09:30", "Mon 01 Mar, 10:00",
                     "Mon 01 Mar, 10:30", "Mon 01 Mar, 11:00"]
    again = await (await browser.get(f"{WS}/schedules")).text()
    assert "Schedule #1 added" not in again


async def test_times_are_shown_in_the_workspace_zone(site: Site,
                                                     browser: TestClient[Any, Any]) -> None:
    """A schedule in its own zone fires on its clock but is listed in the workspace's."""
    await post_form(browser, f"{WS}/settings", f"{WS}/settings/timezone",
                    {"timezone": "Europe/London"})
    await add(browser, mode="cron", cron="0 9 * * *", timezone="America/New_York")
    page = await (await browser.get(f"{WS}/schedules")).text()
    assert "America/New_York" in page and "Europe/London" in page
    assert "<li>Mon 01 Mar, 14:00</li>" in page  # 09:00 in New York is 14:00 in London


async def test_a_refused_form_shows_the_facades_message_and_saves_nothing(
        site: Site, browser: TestClient[Any, Any]) -> None:
    """A bad cron answers 400 with /schedule add's own message; the database is unchanged."""
    before = await site.app.store.snapshot()
    response = await add(browser, mode="cron", cron="61 * * * *")
    page = await response.text()
    assert response.status == 400
    assert "minute" in page and "61" in page and 'value="61 * * * *"' in page
    assert await site.app.store.snapshot() == before


async def test_live_preview_json_uses_the_facades_rules(site: Site,
                                                        browser: TestClient[Any, Any]) -> None:
    """The preview endpoint answers times for a valid draft and the facade's error otherwise."""
    ok = await (await browser.get(f"{WS}/schedules/preview.json",
                                  params={"mode": "every", "every": "45", "start": "09:00",
                                          "end": "10:30", "days": "mon"})).json()
    assert ok["ok"] and len(ok["times"]) == 5 and ok["times"][0].startswith("Mon 2027-03-01 09:00")
    bad = await (await browser.get(f"{WS}/schedules/preview.json",
                                   params={"mode": "every", "every": "0"})).json()
    assert not bad["ok"] and "every must be between 1 and 1440" in bad["body"]


async def test_preview_without_javascript_posts_the_form_back(
        site: Site, browser: TestClient[Any, Any]) -> None:
    """"Preview times" re-renders the form with the times and saves nothing."""
    response = await post_form(browser, f"{WS}/schedules/new", f"{WS}/schedules/preview",
                               form(every="20", end="09:40"))
    page = await response.text()
    assert response.status == 200 and "09:20" in page and 'value="20"' in page
    assert await site.app.store.count_schedules("console", "console") == 0


async def test_edit_pause_resume_test_and_remove(site: Site,
                                                 browser: TestClient[Any, Any]) -> None:
    """Each action is one facade call; its answer is shown and the audit log names each."""
    await add(browser)
    edit = await post_form(browser, f"{WS}/schedules/1/edit", f"{WS}/schedules/1",
                           form(kind="tip", mode="cron", cron="15 10 * * *"))
    assert edit.status == 303
    row = await site.app.store.get_schedule(1)
    assert row is not None and row.kind == "tip" and row.spec.cron == "15 10 * * *"
    for action, expected in (("pause", "Schedule #1 paused"), ("resume", "Schedule #1 resumed"),
                             ("test", "Posted a test tip from schedule #1")):
        await post_form(browser, f"{WS}/schedules", f"{WS}/schedules/1/{action}", {})
        assert expected in await (await browser.get(f"{WS}/schedules")).text()
    assert "Desk tip:" in site.out.getvalue()  # the test post reached the console
    confirm = await (await browser.get(f"{WS}/schedules/1/remove")).text()
    assert "Remove schedule #1?" in confirm
    await post_form(browser, f"{WS}/schedules/1/remove", f"{WS}/schedules/1/remove", {})
    assert await site.app.store.get_schedule(1) is None
    log = await site.dashboard.ctx.audit.page("console", "console")
    assert [r.action for r in log] == ["schedule.remove", "schedule.test", "schedule.resume",
                                       "schedule.pause", "schedule.edit", "schedule.add"]
    assert {r.origin for r in log} == {DASHBOARD} and {r.user_name for r in log} == {"you"}


async def test_the_workspace_schedule_limit_applies(site: Site,
                                                    browser: TestClient[Any, Any]) -> None:
    """The dashboard cannot exceed DESKBREAK_MAX_SCHEDULES any more than /schedule add can."""
    site.dashboard.ctx.commands.max_schedules = 1  # type: ignore[union-attr]
    assert (await add(browser)).status == 303
    response = await add(browser)
    assert response.status == 400 and "already has 1 schedules" in await response.text()
    assert await site.app.store.count_schedules("console", "console") == 1


async def test_another_workspaces_schedule_is_not_found(site: Site,
                                                        browser: TestClient[Any, Any]) -> None:
    """A schedule id from another workspace is 404 on every route, and stays untouched."""
    other = await site.app.store.add_schedule(
        platform="discord", workspace_id="42", channel_id="7", kind="break",
        spec=__import__("bot.storage", fromlist=["Spec"]).Spec(cron="0 9 * * *"),
        timezone=None, next_due=None, created_by="x")
    assert other is not None
    assert (await browser.get(f"{WS}/schedules/{other.id}/edit")).status == 404
    response = await post_form(browser, f"{WS}/schedules", f"{WS}/schedules/{other.id}/pause",
                               {})
    assert response.status == 303
    assert "There is no schedule" in await (await browser.get(f"{WS}/schedules")).text()
    still = await site.app.store.get_schedule(other.id)
    assert still is not None and not still.paused


async def test_the_form_offers_routines_and_saves_one(site: Site,
                                                      browser: TestClient[Any, Any]) -> None:
    """The form lists each routine as a kind; choosing one saves kind routine:<id>, listed as
    a routine."""
    blank = await (await browser.get(f"{WS}/schedules/new")).text()
    assert 'value="routine:desk-reset"' in blank and 'value="routine:eyes"' in blank
    response = await add(browser, kind="routine:eyes")
    assert response.status == 303
    (row,) = await site.app.store.list_schedules("console", "console")
    assert row.kind == "routine:eyes"
    page = await (await browser.get(f"{WS}/schedules")).text()
    assert "Routine eyes" in page


async def test_an_unknown_routine_is_refused_by_the_form(site: Site,
                                                         browser: TestClient[Any, Any]) -> None:
    """A posted routine the content does not have: 400, the facade's words, nothing saved."""
    before = await site.app.store.snapshot()
    response = await add(browser, kind="routine:lunch")
    assert response.status == 400
    assert "No routine called" in await response.text()
    assert await site.app.store.snapshot() == before
