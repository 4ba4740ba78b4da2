"""Stretch pictures, rendered once and kept by content hash, in memory and on disk.

Drawing a figure takes tens of milliseconds of CPU in matplotlib: fine once, wasteful on every
``/stretch``, and never acceptable on the event loop that also serves Discord, Slack and the
scheduler. So:

- the key is a hash of the pose and of the drawing code itself (``look.py``, the skeleton and
  the renderer), so editing a pose or the house style renders again, and nothing else does;
- a hit in memory is returned at once, even from async code;
- a miss is looked up on disk (``<data folder>/pictures/<key>.png``, next to the SQLite
  database by default), then rendered; async callers render in a worker thread, and callers
  asking for the same picture at the same time share one render;
- a disk that cannot be written costs a warning, never a picture: the cache carries on in
  memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import multiprocessing
import os
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import cache
from pathlib import Path

from bot.core.content.models import Stretch
from bot.core.content.pose import Pose
from bot.core.messages import Attachment
from bot.pictures import figures, look, skeleton

log = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MEMORY_ITEMS = 256  # about 25 KB each: a few MB at most, even with admins' extra stretches

Renderer = Callable[[Pose], bytes]
KEY = re.compile(r"^[0-9a-f]{32}$")  # what pose_key returns: the only names served by key


@cache
def drawing_fingerprint() -> str:
    """A hash of the code that decides how a picture looks.

    Part of every cache key, so a change to the house style, the body's proportions or the
    renderer makes every cached picture stale at once, with no version number to forget.
    """
    digest = hashlib.sha256()
    for module in (look, skeleton, figures):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()


def pose_key(pose: Pose) -> str:
    """The content hash of a picture: its pose (canonical JSON) and the drawing code."""
    data = json.dumps(pose.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{drawing_fingerprint()}\n{data}".encode()).hexdigest()[:32]


def process_executor() -> ProcessPoolExecutor:
    """One worker process for renders, for a bot that wants them off its GIL as well as off
    its loop (bench/bench_pictures.py: the loop's p99 wake-up stays near its baseline).

    Spawned rather than forked: the bot runs threads (aiosqlite, the executor), and forking a
    process with threads can copy a lock in its held state. The caller shuts it down.
    """
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


def alt_text(stretch: Stretch) -> str:
    """What a screen reader says for the picture: what it shows, panel by panel."""
    labels = [p.label for p in stretch.pose.panels if p.label]
    shown = f" ({'; then '.join(labels)})" if labels else ""
    count = len(stretch.pose.panels)
    drawing = "Drawing" if count == 1 else f"{count}-step drawing"
    return f"{drawing} of {stretch.name}{shown}."


def _attachment(stretch: Stretch, data: bytes) -> Attachment:
    """A stretch picture is content anyone may see: it carries its key for public URLs."""
    return Attachment(f"{stretch.id}.png", data, alt_text(stretch),
                      public_key=pose_key(stretch.pose))


class StretchPictures:
    """The picture of each stretch, rendered at most once per pose and drawing code.

    ``cache_dir`` None keeps pictures in memory only. ``render`` is the renderer (tests pass
    a slow or counting one); ``executor`` runs renders for async callers: by default one
    worker thread of its own (matplotlib draws one figure at a time anyway). A thread still
    shares the GIL with the loop; :func:`process_executor` (with the default renderer) takes
    even that off the bot's process: see bench/bench_pictures.py.
    """

    def __init__(
        self,
        cache_dir: Path | None,
        *,
        render: Renderer = figures.render_pose,
        executor: Executor | None = None,
        memory_items: int = MEMORY_ITEMS,
        owns_executor: bool = False,
    ) -> None:
        self.cache_dir = cache_dir
        self._render = render
        self._executor = executor
        self._owns_executor = owns_executor  # close() shuts ``executor`` down too
        self._own_executor: ThreadPoolExecutor | None = None
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._memory_items = memory_items
        self._lock = threading.Lock()  # the memory dict, from the loop and worker threads
        self._inflight: dict[str, asyncio.Future[bytes]] = {}
        self._disk_ok = cache_dir is not None
        self.renders = 0  # how many pictures this instance drew (the rest came from a cache)

    # ----------------------------------------------------------------- sync

    def picture(self, stretch: Stretch) -> bytes:
        """PNG bytes for ``stretch``; renders on this thread if no cache has it."""
        return self._load_or_render(pose_key(stretch.pose), stretch.pose)

    def attachment(self, stretch: Stretch) -> Attachment:
        return _attachment(stretch, self.picture(stretch))

    def ready(self, stretch: Stretch) -> Attachment | None:
        """The picture if it is in memory now (no disk, no render): safe on the event loop."""
        data = self._remembered(pose_key(stretch.pose))
        return None if data is None else _attachment(stretch, data)

    def by_key(self, key: str) -> bytes | None:
        """A cached picture by its content hash, for the web server (``/pictures/<key>.png``);
        None for anything that is not a cached stretch picture. Reads the disk: call it from
        a worker thread."""
        if not KEY.fullmatch(key):
            return None
        data = self._remembered(key) or self._read_disk(key)
        if data is not None:
            self._remember(key, data)
        return data

    # ----------------------------------------------------------------- async

    async def picture_async(self, stretch: Stretch) -> bytes:
        """PNG bytes without blocking the event loop: a memory hit returns at once, anything
        else (disk read, render) runs in the executor, shared by concurrent callers."""
        key = pose_key(stretch.pose)
        hit = self._remembered(key)
        if hit is not None:
            return hit
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(key, stretch.pose))
            self._inflight[key] = pending
            pending.add_done_callback(lambda _done: self._inflight.pop(key, None))
        # Shielded: one caller giving up (a cancelled interaction) must not cancel the
        # render the others are waiting for.
        return await asyncio.shield(pending)

    async def attachment_async(self, stretch: Stretch) -> Attachment:
        return _attachment(stretch, await self.picture_async(stretch))

    def prune(self, keep: Iterable[Stretch]) -> int:
        """Delete cached files no stretch in ``keep`` uses any more; returns how many.

        Every change to a pose or to the drawing code leaves the old files behind under new
        keys; whoever knows the whole library (``render-pictures``) sweeps them.
        """
        if self.cache_dir is None or not self.cache_dir.is_dir():
            return 0
        wanted = {f"{pose_key(s.pose)}.png" for s in keep}
        removed = 0
        for path in self.cache_dir.glob("*.png"):
            if path.name not in wanted:
                try:
                    path.unlink()
                    removed += 1
                except OSError as exc:
                    log.warning("cannot remove stale picture %s: %s", path, exc)
        return removed

    def close(self) -> None:
        """Stop the worker thread this instance started, if any (and the executor it was
        given, when it owns it)."""
        if self._own_executor is not None:
            self._own_executor.shutdown(wait=True)
            self._own_executor = None
        if self._owns_executor and self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    # ----------------------------------------------------------------- internals

    def _worker(self) -> Executor:
        if self._executor is not None:
            return self._executor
        if self._own_executor is None:
            self._own_executor = ThreadPoolExecutor(1, thread_name_prefix="deskbreak-pictures")
        return self._own_executor

    def _remembered(self, key: str) -> bytes | None:
        with self._lock:
            data = self._memory.get(key)
            if data is not None:
                self._memory.move_to_end(key)
            return data

    def _remember(self, key: str, data: bytes) -> None:
        with self._lock:
            self._memory[key] = data
            self._memory.move_to_end(key)
            while len(self._memory) > self._memory_items:
                self._memory.popitem(last=False)

    async def _fetch(self, key: str, pose: Pose) -> bytes:
        """Disk, else a render, off the loop. Only the renderer itself crosses into the
        executor, so a process pool works as well as a thread (no locks to pickle)."""
        loop = asyncio.get_running_loop()
        data = await asyncio.to_thread(self._read_disk, key)
        if data is None:
            data = await loop.run_in_executor(self._worker(), self._render, pose)
            self.renders += 1
            await asyncio.to_thread(self._write_disk, key, data)
        self._remember(key, data)
        return data

    def _load_or_render(self, key: str, pose: Pose) -> bytes:
        data = self._remembered(key) or self._read_disk(key)
        if data is None:
            data = self._render(pose)
            self.renders += 1
            self._write_disk(key, data)
        self._remember(key, data)
        return data

    def _path(self, key: str) -> Path | None:
        return self.cache_dir / f"{key}.png" if self.cache_dir is not None else None

    def _read_disk(self, key: str) -> bytes | None:
        path = self._path(key)
        if path is None or not self._disk_ok:
            return None
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read cached picture %s: %s", path, exc)
            return None
        # A torn or foreign file is not a picture: draw it again (and overwrite it).
        return data if data.startswith(PNG_SIGNATURE) else None

    def _write_disk(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if path is None or not self._disk_ok:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write beside the target and rename: a reader never sees half a file, and two
            # processes writing the same picture both end with a whole one.
            fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self._disk_ok = False
            log.warning(
                "cannot write pictures under %s (%s); keeping them in memory only",
                path.parent,
                exc,
            )
