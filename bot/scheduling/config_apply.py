"""Apply the deployment config's ``workspaces:`` to the store at start-up, idempotently.

The file is declarative, and restarts are routine, so applying it twice must change nothing:

- Workspace settings: only the fields written in the file (``timezone``, ``quiet_hours``,
  ``skip_dates``) are set; a field left out stays under the admins' ``/config`` control.
- Schedules: each declared schedule has a stable identity,
  ``config:<platform>:<workspace>:<channel>:<name or #position>``, stored as its
  ``created_by`` (hashed when longer than the column). A restart finds the row by it and
  updates it in place (same id, so its ledger history and pause state stay), a schedule that
  disappeared from the file is removed, and a schedule an admin created by command (whose
  ``created_by`` is a user id) is never touched.
- A workspace dropped from the file entirely loses its config schedules too: the workspaces
  the file declared last time are remembered in the ``kv`` table.

Several processes on one database must not race to create the same rows, so with
DESKBREAK_SHARD_IDS only the process running shard 0 applies the file (:func:`applies_here`).
Known limit: two *unsharded* processes (say one per platform) starting at the same instant
could still both create a new schedule; give only one of them the ``workspaces:`` section.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.scheduling.commands import set_workspace_zone
from bot.scheduling.config_file import DeploymentConfig, ScheduleEntry, WorkspaceConfig
from bot.scheduling.specs import spec_of, zone
from bot.settings import ShardSettings
from bot.storage.records import ScheduleRow
from bot.storage.store import Store

log = logging.getLogger(__name__)

PREFIX = "config:"
MAX_IDENTITY = 64  # schedules.created_by
KV_NAMESPACE = "config"
KV_DECLARED = "workspaces"


@dataclass(slots=True)
class ApplyReport:
    """What one application changed (schedule ids), for the start-up log and for tests."""

    workspaces: int = 0
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)


def applies_here(shards: ShardSettings) -> bool:
    """Whether this process applies the file: unsharded, or the one running shard 0."""
    return shards.ids is None or 0 in shards.ids


def schedule_identity(platform: str, workspace_id: str, channel: str, key: str) -> str:
    """The ``created_by`` of a config schedule; a digest when the readable form is too long."""
    readable = f"{PREFIX}{platform}:{workspace_id}:{channel}:{key}"
    if len(readable) <= MAX_IDENTITY:
        return readable
    return PREFIX + hashlib.sha256(readable.encode()).hexdigest()[:40]


def is_from_config(row: ScheduleRow) -> bool:
    """Whether the config file owns this schedule (admins' schedules carry a user id)."""
    return row.created_by.startswith(PREFIX)


def declared_schedules(ws: WorkspaceConfig) -> dict[str, ScheduleEntry]:
    """Each schedule of a workspace by identity: its name, else its position among the
    channel's unnamed entries (so adding or moving a named one shifts nothing)."""
    positions: Counter[str] = Counter()
    out: dict[str, ScheduleEntry] = {}
    for entry in ws.schedules:
        if entry.name is None:
            positions[entry.channel] += 1
        key = entry.name or f"#{positions[entry.channel]}"
        out[schedule_identity(ws.platform, ws.id, entry.channel, key)] = entry
    return out


async def apply_workspaces(store: Store, config: DeploymentConfig, now: datetime) -> ApplyReport:
    """Make the store match the file's workspaces; safe to run on every start."""
    report = ApplyReport()
    declared = [(ws.platform, ws.id) for ws in config.workspaces]
    for ws in config.workspaces:
        await _apply_settings(store, ws, now)
        await _reconcile(store, ws.platform, ws.id, declared_schedules(ws), now, report)
        report.workspaces += 1
    previous: Iterable[Any] = await store.kv_get_json(KV_NAMESPACE, KV_DECLARED) or []
    for platform, workspace_id in {(str(p), str(w)) for p, w in previous} - set(declared):
        await _reconcile(store, platform, workspace_id, {}, now, report)
    await store.kv_set_json(KV_NAMESPACE, KV_DECLARED, sorted(declared))
    if report.changed:
        log.info(
            "config applied: %d workspace(s); schedules created %s, updated %s, removed %s",
            report.workspaces,
            report.created,
            report.updated,
            report.removed,
        )
    return report


async def _apply_settings(store: Store, ws: WorkspaceConfig, now: datetime) -> None:
    given = ws.model_fields_set
    changes: dict[str, Any] = {}
    if "quiet_hours" in given:
        quiet = ws.quiet_hours
        changes["quiet_start"] = None if quiet is None else f"{quiet.start:%H:%M}"
        changes["quiet_end"] = None if quiet is None else f"{quiet.end:%H:%M}"
    if "skip_dates" in given:
        changes["skip_dates"] = set(ws.skip_dates)
    current = await store.get_workspace(ws.platform, ws.id)
    if changes and any(getattr(current, k) != _as_stored(k, v) for k, v in changes.items()):
        await store.update_workspace(ws.platform, ws.id, **changes)
    if "timezone" in given and current.timezone != ws.timezone:
        await set_workspace_zone(store, ws.platform, ws.id, zone(ws.timezone), now)


def _as_stored(name: str, value: Any) -> Any:
    """A change in the form WorkspaceRow reports it, to tell a real change from a repeat."""
    return tuple(sorted(value)) if name == "skip_dates" else value


async def _reconcile(
    store: Store,
    platform: str,
    workspace_id: str,
    wanted: dict[str, ScheduleEntry],
    now: datetime,
    report: ApplyReport,
) -> None:
    """Create, update and remove this workspace's config schedules to match ``wanted``."""
    existing: dict[str, ScheduleRow] = {}
    for row in await store.list_schedules(platform, workspace_id):
        if not is_from_config(row):
            continue
        if row.created_by in wanted and row.created_by not in existing:
            existing[row.created_by] = row
        elif await store.delete_schedule(row.id):
            report.removed.append(row.id)
    ws_zone = (await store.get_workspace(platform, workspace_id)).timezone
    for identity, entry in wanted.items():
        spec = spec_of(entry.recurrence)
        next_due = entry.recurrence.next_after(now, zone(entry.timezone or ws_zone))
        found = existing.get(identity)
        if found is None:
            added = await store.add_schedule(
                platform=platform,
                workspace_id=workspace_id,
                channel_id=entry.channel,
                kind=entry.kind,
                spec=spec,
                timezone=entry.timezone,
                next_due=next_due,
                created_by=identity,
            )
            assert added is not None  # no limit was given
            report.created.append(added.id)
        elif (found.channel_id, found.kind, found.spec, found.timezone) != (
            entry.channel,
            entry.kind,
            spec,
            entry.timezone,
        ):
            changes: dict[str, Any] = {
                "channel_id": entry.channel,
                "kind": entry.kind,
                "spec": spec,
                "timezone": entry.timezone,
            }
            if not found.paused:  # a paused one gets its next time when resumed
                changes["next_due"] = next_due
            await store.update_schedule(found.id, **changes)
            report.updated.append(found.id)
        else:
            report.unchanged += 1
