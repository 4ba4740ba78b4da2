"""Read content YAML, check all of it, and build a :class:`Library` or report every problem.

A content author fixing a file wants the whole list at once, each with file, line and field,
so nothing here stops at the first problem: every file is read, every entry is validated, the
cross-file checks (duplicate ids, clashing aliases, ``easier`` references) run over whatever
validated, and only then is a single :class:`ContentError` raised.

Later directories add to or override earlier ones by id: the repo's ``content/`` first, then the
admin's ``DESKBREAK_CONTENT_DIR``. Within one directory an id may appear only once.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.core import render
from bot.core.content.library import Library, break_pool
from bot.core.content.models import (
    SUPPORTED_VERSIONS,
    Dose,
    Prompt,
    PromptFile,
    RedFlag,
    RedFlagFile,
    Stretch,
    StretchFile,
    Tip,
    TipFile,
)
from bot.core.content.pose import Arrow, Panel, Pose, Props
from bot.core.limits import EMBED_TOTAL_BUDGET
from bot.core.lookup import normalize
from bot.core.yamlsource import Loc, YamlDocument, YamlSyntaxError, format_loc, load_yaml

# The top-level key decides what a file holds.
FILE_MODELS: dict[str, type[BaseModel]] = {
    "stretches": StretchFile,
    "tips": TipFile,
    "prompts": PromptFile,
    "red_flags": RedFlagFile,
}
ITEM_MODELS: dict[str, type[BaseModel]] = {
    "stretches": Stretch,
    "tips": Tip,
    "prompts": Prompt,
    "red_flags": RedFlag,
}
# Which model owns the keys under a loc segment, for "did you mean" on unknown keys.
_PARENT_MODELS: dict[str, type[BaseModel]] = {
    **ITEM_MODELS,
    "dose": Dose,
    "pose": Pose,
    "panels": Panel,
    "props": Props,
    "arrows": Arrow,
}


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


class ContentError(Exception):
    """Content failed validation; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{count} content problem{'s' if count != 1 else ''}:\n{lines}")


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it (``content/stretches.yaml``)."""
    try:
        return os.path.relpath(path) if path.is_absolute() and _inside_cwd(path) else str(path)
    except ValueError:  # a different drive on Windows
        return str(path)


def _inside_cwd(path: Path) -> bool:
    try:
        path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return False
    return True


@dataclass(slots=True)
class _Entry:
    """One validated item and where it came from."""

    item: Any
    file: str
    line: int
    doc: YamlDocument
    loc: Loc
    dir_index: int


@dataclass(slots=True)
class _Collected:
    problems: list[Problem] = field(default_factory=list)
    # kind -> id -> entry; later directories replace earlier ones.
    entries: dict[str, dict[str, _Entry]] = field(default_factory=dict)
    # Ids seen in raw data, valid or not, so a broken stretch doesn't also cause dangling refs.
    raw_stretch_ids: set[str] = field(default_factory=set)
    red_flags_text: tuple[str, str] = ("", "")
    files: list[Path] = field(default_factory=list)


def load_library(dirs: Sequence[Path]) -> Library:
    """Load and check every ``*.yaml`` in ``dirs``; raise ContentError listing all problems."""
    state = _Collected(entries={kind: {} for kind in FILE_MODELS})
    for dir_index, directory in enumerate(dirs):
        if not directory.is_dir():
            state.problems.append(
                Problem(display_path(directory), 0, "(directory)", "content directory not found")
            )
            continue
        for path in sorted(directory.glob("*.yaml")):
            state.files.append(path)
            _load_file(path, dir_index, state)
    stretches = state.entries["stretches"]
    # With other problems, an empty library is just their consequence: don't pile on.
    if not stretches and not state.problems:
        where = ", ".join(display_path(d) for d in dirs) or "(no directories given)"
        state.problems.append(
            Problem(where, 0, "stretches", "no stretches found: the library needs at least one")
        )
    _check_easier(stretches, state)
    _check_prompts(state.entries["prompts"], stretches, state)
    _check_names(stretches, state)
    _check_card_sizes(stretches, state)
    if state.problems:
        raise ContentError(state.problems)
    intro, outro = state.red_flags_text
    return Library(
        stretches=(e.item for e in stretches.values()),
        tips=(e.item for e in state.entries["tips"].values()),
        prompts=(e.item for e in state.entries["prompts"].values()),
        red_flags=(e.item for e in state.entries["red_flags"].values()),
        red_flags_intro=intro,
        red_flags_outro=outro,
        sources=state.files,
    )


def _load_file(path: Path, dir_index: int, state: _Collected) -> None:
    shown = display_path(path)
    add = state.problems.append
    try:
        doc = load_yaml(path)
    except YamlSyntaxError as exc:
        add(Problem(shown, exc.line, exc.field or "(yaml)", exc.message))
        return
    except OSError as exc:
        add(Problem(shown, 0, "(file)", f"cannot read: {exc.strerror or exc}"))
        return
    for loc, line in doc.duplicate_keys:
        add(Problem(shown, line, format_loc(loc), "key given twice (the first would be ignored)"))
    data = doc.data
    if not isinstance(data, dict):
        add(Problem(shown, doc.line_of(()), "(file)", "expected a mapping with a version key"))
        return
    kinds = [k for k in FILE_MODELS if k in data]
    if len(kinds) != 1:
        expected = ", ".join(FILE_MODELS)
        detail = "none" if not kinds else " and ".join(kinds)
        add(Problem(shown, 1, "(file)", f"expected exactly one of {expected}; found {detail}"))
        return
    kind = kinds[0]
    if not _version_ok(doc, shown, add):
        return
    if kind == "stretches":
        for item in data["stretches"] if isinstance(data["stretches"], list) else ():
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                state.raw_stretch_ids.add(item["id"])
    model = FILE_MODELS[kind]
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            add(_problem_from_error(err, doc, shown, model))
        items = _salvage(kind, data)
    else:
        items = [(i, item) for i, item in enumerate(getattr(parsed, kind))]
        if isinstance(parsed, RedFlagFile):
            state.red_flags_text = (parsed.intro, parsed.outro)
    seen_here = state.entries[kind]
    for i, item in items:
        item_loc: Loc = (kind, i)
        entry = _Entry(item, shown, doc.line_of(item_loc), doc, item_loc, dir_index)
        earlier = seen_here.get(item.id)
        if earlier is not None and earlier.dir_index == dir_index:
            add(
                Problem(
                    shown,
                    doc.line_of((*item_loc, "id")),
                    format_loc((*item_loc, "id")),
                    f"duplicate id {item.id!r} (first defined at {earlier.file}:{earlier.line})",
                )
            )
            continue
        seen_here[item.id] = entry


def _version_ok(doc: YamlDocument, shown: str, add: Callable[[Problem], None]) -> bool:
    version = doc.data.get("version")
    if version is None:
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_VERSIONS))
        add(Problem(shown, 1, "version", f"missing; add `version: {supported}` at the top"))
        return False
    # An int check first: a list or mapping here is unhashable, and True == 1 in Python.
    known = isinstance(version, int) and not isinstance(version, bool)
    if not known or version not in SUPPORTED_VERSIONS:
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_VERSIONS))
        add(
            Problem(
                shown,
                doc.line_of(("version",)),
                "version",
                f"unsupported version {version!r} (this deskbreak reads version {supported})",
            )
        )
        return False
    return True


def _salvage(kind: str, data: dict[str, Any]) -> list[tuple[int, Any]]:
    """The items of a failed file that are valid on their own, for the cross-file checks."""
    raw = data.get(kind)
    if not isinstance(raw, list):
        return []
    model = ITEM_MODELS[kind]
    good: list[tuple[int, Any]] = []
    for i, item in enumerate(raw):
        try:
            good.append((i, model.model_validate(item)))
        except ValidationError:
            continue
    return good


def _problem_from_error(
    err: Any, doc: YamlDocument, shown: str, file_model: type[BaseModel]
) -> Problem:
    loc: Loc = tuple(err["loc"])
    kind = err["type"]
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind == "value_error":
        # A whole-entry check whose message starts with a field name ("cautions must ...")
        # is about that field: point at it.
        first = message.split(" ", 1)[0]
        if first in _owner(loc + (first,), file_model).model_fields:
            loc = (*loc, first)
    if kind == "missing":
        message = "missing required field"
        if loc[-1] == "pose":
            message += "; the stretch's picture is drawn from it (bot/core/content/pose.py)"
    elif kind == "extra_forbidden":
        message = "unknown key" + _did_you_mean(loc, file_model)
    elif kind not in ("value_error", "assertion_error"):
        given = err.get("input")
        if isinstance(given, str | int | float | bool) and not isinstance(given, dict):
            message += f" (got {given!r})"
    item = _item_label(doc, loc)
    if item:
        message += f" [in {item}]"
    return Problem(shown, doc.line_of(loc), format_loc(loc) or "(file)", message)


def _owner(loc: Loc, file_model: type[BaseModel]) -> type[BaseModel]:
    """The model whose field the last element of ``loc`` names."""
    for part in reversed(loc[:-1]):
        if isinstance(part, str) and part in _PARENT_MODELS:
            return _PARENT_MODELS[part]
    return file_model


def _did_you_mean(loc: Loc, file_model: type[BaseModel]) -> str:
    fields = _owner(loc, file_model).model_fields
    allowed = [info.alias or name for name, info in fields.items()]  # pose panels say "from"
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"{hint} (allowed: {', '.join(allowed)})"


def _item_label(doc: YamlDocument, loc: Loc) -> str:
    """``stretch 'pigeon'`` for errors inside an entry that has a usable id."""
    if len(loc) < 2 or not isinstance(loc[1], int) or loc[0] not in ITEM_MODELS:
        return ""
    items = doc.data.get(loc[0]) if isinstance(doc.data, dict) else None
    if not isinstance(items, list) or loc[1] >= len(items) or not isinstance(items[loc[1]], dict):
        return ""
    item_id = items[loc[1]].get("id")
    noun = {"stretches": "stretch", "tips": "tip", "prompts": "prompt", "red_flags": "red flag"}
    return f"{noun[str(loc[0])]} {item_id!r}" if isinstance(item_id, str) else ""


def _check_easier(stretches: dict[str, _Entry], state: _Collected) -> None:
    for entry in stretches.values():
        target = entry.item.easier
        if target is None:
            continue
        loc = (*entry.loc, "easier")
        if target == entry.item.id:
            message = "a stretch cannot be its own easier alternative"
        elif target in stretches or target in state.raw_stretch_ids:
            continue
        else:
            close = difflib.get_close_matches(target, list(stretches), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            message = f"easier refers to unknown stretch id {target!r}{hint}"
        state.problems.append(
            Problem(entry.file, entry.doc.line_of(loc), format_loc(loc), message)
        )


def _check_prompts(
    prompts: dict[str, _Entry], stretches: dict[str, _Entry], state: _Collected
) -> None:
    """A prompt's pairing must leave it a stretch to sit beside, or it is never shown."""
    pool = break_pool([e.item for e in stretches.values()])
    pool_ids = {s.id for s in pool}
    pool_areas = {a for s in pool for a in s.areas}
    for entry in prompts.values():
        prompt: Prompt = entry.item
        if prompt.stretch is not None:
            loc: Loc = (*entry.loc, "stretch")
            if prompt.stretch in pool_ids:
                continue
            if prompt.stretch in stretches:
                message = (f"stretch {prompt.stretch!r} is never suggested in a break (breaks"
                           " suggest stretches done at the desk), so this prompt would never show")
            elif prompt.stretch in state.raw_stretch_ids:
                continue  # that stretch has problems of its own, reported already
            else:
                close = difflib.get_close_matches(prompt.stretch, list(stretches), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                message = f"stretch refers to unknown stretch id {prompt.stretch!r}{hint}"
        elif prompt.areas and not pool_areas.intersection(prompt.areas) and stretches:
            loc = (*entry.loc, "areas")
            names = ", ".join(a.value for a in prompt.areas)
            message = (f"no stretch a break suggests works {names}, so this prompt would never"
                       " show")
        else:
            continue
        state.problems.append(Problem(entry.file, entry.doc.line_of(loc), format_loc(loc),
                                      message))


def _check_names(stretches: dict[str, _Entry], state: _Collected) -> None:
    """Every id, name and alias must lead to one stretch only, after normalisation."""
    owners: dict[str, tuple[_Entry, str]] = {}
    for entry in stretches.values():
        s: Stretch = entry.item
        named: list[tuple[Loc, str, str]] = [
            ((*entry.loc, "id"), s.id, "id"),
            ((*entry.loc, "name"), s.name, "name"),
            *(((*entry.loc, "aliases", j), a, "alias") for j, a in enumerate(s.aliases)),
        ]
        for loc, text, what in named:
            key = normalize(text)
            owner = owners.get(key)
            if owner is None:
                owners[key] = (entry, what)
                continue
            other, other_what = owner
            if other is entry:
                continue
            state.problems.append(
                Problem(
                    entry.file,
                    entry.doc.line_of(loc),
                    format_loc(loc),
                    f"{what} {text!r} of stretch {s.id!r} clashes with the {other_what} of"
                    f" stretch {other.item.id!r} ({other.file}:{other.line}); names and aliases"
                    " must lead to one stretch",
                )
            )


def _check_card_sizes(stretches: dict[str, _Entry], state: _Collected) -> None:
    """A card Discord would cut short must be fixed in the content, not truncated silently."""
    by_id = {sid: e.item for sid, e in stretches.items()}
    for entry in stretches.values():
        size = render.card_size(entry.item, by_id.get(entry.item.easier or ""))
        if size > EMBED_TOTAL_BUDGET:
            state.problems.append(
                Problem(
                    entry.file,
                    entry.line,
                    format_loc(entry.loc),
                    f"card for {entry.item.id!r} is {size} characters; keep it under"
                    f" {EMBED_TOTAL_BUDGET} so chat platforms show all of it",
                )
            )
