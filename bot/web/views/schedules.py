"""Schedules: the list, the add/edit form with its preview, and pause/resume/test/remove.

Every change is one SchedulingCommands call with the same Actor rules as a slash command; the
facade's answer is shown as is, so the dashboard and the chat commands can never disagree about
what is allowed or why something was refused.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.core.messages import Message, MessageKind
from bot.scheduling.timezones import timezone_names
from bot.storage.records import ScheduleRow
from bot.web.directory import Channel
from bot.web.schedule_rows import DAY_KEYS, DAY_LABELS, ScheduleForm, schedule_views
from bot.web.views.common import Page, commands_of, page_for, render

ID = r"{id:[0-9]{1,18}}"


async def schedule_list(request: web.Request) -> web.StreamResponse:
    page = await page_for(request)
    ws, platform = page.workspace, str(page.workspace.platform)
    settings = await page.ctx.store.get_workspace(platform, ws.id)
    rows = await page.ctx.store.list_schedules(platform, ws.id)
    names = await page.directory.channel_names(ws.id, {r.channel_id for r in rows})
    # Off the event loop, like the rendering: 500 schedules' next times are CPU work.
    views = await page.ctx.off_loop(schedule_views, rows, settings, names, page.ctx.clock.now())
    return await render(request, "schedules.html", {
        "workspace": ws, "section": "schedules", "schedules": views,
        "timezone": settings.timezone, "title": f"Schedules · {ws.name}"})


async def _form_page(page: Page, form: ScheduleForm, *, editing: ScheduleRow | None = None,
                     preview: Message | None = None, status: int = 200) -> web.StreamResponse:
    channels = await page.directory.channels(page.workspace.id)
    if not form.channel and channels:
        form.channel = channels[0].id
    if preview is None:
        preview = await commands_of(page).schedule_draft(page.actor, **form.timing())
    if editing is not None and form.channel not in {c.id for c in channels}:
        # Keep the schedule's own channel choosable even if the bot can no longer see it.
        names = await page.directory.channel_names(page.workspace.id, {form.channel})
        channels = [Channel(form.channel, names.get(form.channel, form.channel)), *channels]
    settings = await page.ctx.store.get_workspace(str(page.workspace.platform), page.workspace.id)
    return await render(page.request, "schedule_form.html", {
        "workspace": page.workspace, "section": "schedules", "form": form,
        "channels": channels, "editing": editing, "preview": _preview(preview),
        "days": list(zip(DAY_KEYS, DAY_LABELS, strict=True)), "zones": timezone_names(),
        "workspace_zone": settings.timezone,
        # A schedule may post a routine (kind routine:<id>); the facade checks the id.
        "routines": sorted(commands_of(page).routines),
        "title": f"{'Edit' if editing else 'New'} schedule · {page.workspace.name}",
    }, status=status)


def _preview(message: Message) -> dict[str, Any]:
    return {"ok": message.kind is not MessageKind.ERROR, "title": message.title,
            "body": message.body, "times": [ln for s in message.sections for ln in s.lines]}


async def _posted_form(request: web.Request) -> ScheduleForm:
    data = await request.post()
    return ScheduleForm.from_post(data, [str(d) for d in data.getall("days", [])])


async def new_form(request: web.Request) -> web.StreamResponse:
    return await _form_page(await page_for(request), ScheduleForm())


async def preview_form(request: web.Request) -> web.StreamResponse:
    """The preview without JavaScript: the form posted back to itself, nothing saved."""
    page = await page_for(request)
    form = await _posted_form(request)
    editing = None
    if "id" in request.match_info:
        editing = await _own_row(page)
    return await _form_page(page, form, editing=editing)


async def preview_json(request: web.Request) -> web.StreamResponse:
    """The live preview the form's script asks for as the admin types (GET: changes nothing)."""
    page = await page_for(request)
    form = ScheduleForm.from_post(request.query, request.query.getall("days", []))
    message = await commands_of(page).schedule_draft(page.actor, **form.timing())
    return web.json_response(_preview(message))


async def add(request: web.Request) -> web.StreamResponse:
    page = await page_for(request)
    form = await _posted_form(request)
    message = await commands_of(page).schedule_add(
        page.actor, form.channel, form.kind, **form.timing())
    if message.kind is MessageKind.ERROR:
        return await _form_page(page, form, preview=message, status=400)
    raise await page.answered(message, "/schedules")


async def _own_row(page: Page) -> ScheduleRow:
    row = await page.ctx.store.get_schedule(int(page.request.match_info["id"]))
    if row is None or (row.platform, row.workspace_id) != (str(page.workspace.platform),
                                                          page.workspace.id):
        raise web.HTTPNotFound()
    return row


async def edit_form(request: web.Request) -> web.StreamResponse:
    page = await page_for(request)
    row = await _own_row(page)
    return await _form_page(page, ScheduleForm.from_row(row), editing=row)


async def save(request: web.Request) -> web.StreamResponse:
    page = await page_for(request)
    row = await _own_row(page)
    form = await _posted_form(request)
    message = await commands_of(page).schedule_edit(
        page.actor, row.id, form.channel, form.kind, **form.timing())
    if message.kind is MessageKind.ERROR:
        return await _form_page(page, form, editing=row, preview=message, status=400)
    raise await page.answered(message, "/schedules")


def _action(name: str) -> Any:
    async def handler(request: web.Request) -> web.StreamResponse:
        page = await page_for(request)
        call = getattr(commands_of(page), f"schedule_{name}")
        message = await call(page.actor, request.match_info["id"])
        raise await page.answered(message, "/schedules")

    handler.__name__ = f"schedule_{name}"
    return handler


async def confirm_remove(request: web.Request) -> web.StreamResponse:
    page = await page_for(request)
    row = await _own_row(page)
    names = await page.directory.channel_names(page.workspace.id, {row.channel_id})
    return await render(request, "confirm_remove.html", {
        "workspace": page.workspace, "section": "schedules", "row": row,
        "channel": names.get(row.channel_id, row.channel_id),
        "title": f"Remove schedule #{row.id}"})


def register(router: web.UrlDispatcher) -> None:
    base = "/w/{platform}/{workspace}/schedules"
    router.add_get(base, schedule_list)
    router.add_post(base, add)
    router.add_get(f"{base}/new", new_form)
    router.add_post(f"{base}/preview", preview_form)
    router.add_get(f"{base}/preview.json", preview_json)
    router.add_get(f"{base}/{ID}/edit", edit_form)
    router.add_post(f"{base}/{ID}", save)
    router.add_post(f"{base}/{ID}/preview", preview_form)
    for name in ("pause", "resume", "test", "remove"):
        router.add_post(f"{base}/{ID}/{name}", _action(name))
    router.add_get(f"{base}/{ID}/remove", confirm_remove)
