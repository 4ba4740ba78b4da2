"""The layers hold: every import in bot/ (module level, lazy or type-only) is read from the
source and checked against the rules ARCHITECTURE.md states."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"

PLATFORM_LIBRARIES = {"discord": "bot.adapters.discord", "slack_bolt": "bot.adapters.slack",
                      "slack_sdk": "bot.adapters.slack"}
DATABASE_LIBRARIES = ("sqlalchemy", "asyncpg", "aiosqlite", "alembic")
# Outside bot/storage, nothing may name a database library: the store lets out only
# StorageError, so no caller needs to. (A module that must would be listed here, with why.)
DATABASE_EXCEPTIONS: frozenset[str] = frozenset()
ADAPTERS = ("console", "discord", "slack")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "bot.core.render"
    target: str  # what it imports, e.g. "bot.core.messages" or "discord.ui"
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[Import]:
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # "from bot.adapters import slack" imports the module bot.adapters.slack.
                yield Import(module, f"{base}.{alias.name}" if base else alias.name, node.lineno)


ALL = [imp for path in sorted(BOT.rglob("*.py")) for imp in imports_of(path)]


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(check: Callable[[Import], bool]) -> list[str]:
    return [f"{i.module}:{i.line} imports {i.target}" for i in ALL if check(i)]


def test_the_import_scanner_sees_lazy_relative_and_type_only_imports() -> None:
    """The scanner finds imports inside functions and TYPE_CHECKING blocks (it reads every
    node), resolves relative ones, and names module imports by their full path."""
    source = BOT.parent / "tests" / "fixtures" / "layers_sample.py"
    found = {i.target for i in imports_of(source)}
    assert {"bot.adapters.slack.adapter.SlackAdapter", "discord", "tests.core.messages",
            "bot.adapters.discord"} <= found


def test_core_imports_no_platform_library_and_nothing_above_it() -> None:
    """bot/core is platform-neutral and at the bottom: it imports only bot.core."""
    assert violations(lambda i: within(i.module, "bot.core") and (
        i.target.split(".")[0] in (*PLATFORM_LIBRARIES, *DATABASE_LIBRARIES, "aiohttp")
        or (within(i.target, "bot") and not within(i.target, "bot.core")
            and i.target != "bot")
    )) == []


def test_platform_libraries_are_imported_only_by_their_adapter() -> None:
    """discord.py only under bot/adapters/discord; slack_bolt/slack_sdk only under slack."""
    assert violations(lambda i: i.target.split(".")[0] in PLATFORM_LIBRARIES
                      and not within(i.module, PLATFORM_LIBRARIES[i.target.split(".")[0]])) == []


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_adapters_import_no_other_adapter_and_not_the_cli(adapter: str) -> None:
    """An adapter depends on the core, scheduling and the command table, never on another
    adapter or on the CLI."""
    package = f"bot.adapters.{adapter}"
    others = [f"bot.adapters.{a}" for a in ADAPTERS if a != adapter]
    assert violations(lambda i: within(i.module, package) and (
        any(within(i.target, o) for o in others) or within(i.target, "bot.cli")
    )) == []


def test_the_wiring_and_the_command_table_import_no_adapter() -> None:
    """bot.app, bot.serve, bot.platforms and bot.commands name no adapter (the registry
    loads them by name), so no app <-> runner or cli <-> adapter import circle comes back."""
    assert violations(lambda i: (within(i.module, "bot.commands") or i.module in (
        "bot.app", "bot.serve", "bot.platforms")) and within(i.target, "bot.adapters")) == []


def test_scheduling_and_storage_import_no_adapter_or_command_table() -> None:
    """The scheduler and the database layer sit below the adapters and the command table."""
    assert violations(lambda i: (within(i.module, "bot.scheduling")
                                 or within(i.module, "bot.storage"))
                      and (within(i.target, "bot.adapters") or within(i.target, "bot.commands")
                           or within(i.target, "bot.cli"))) == []


def test_only_storage_talks_to_the_database_libraries() -> None:
    """Nothing outside bot/storage imports SQLAlchemy or a driver, so no driver error can be
    caught (or leak) above storage: callers see StorageError."""
    assert violations(lambda i: i.target.split(".")[0] in DATABASE_LIBRARIES
                      and not within(i.module, "bot.storage")
                      and i.module not in DATABASE_EXCEPTIONS) == []


def test_the_dashboard_names_no_adapter() -> None:
    """bot.web loads each platform's directory by name (bot/web/platforms.py), so serve()
    importing the dashboard imports no adapter, and no platform library comes with it."""
    assert violations(lambda i: within(i.module, "bot.web")
                      and within(i.target, "bot.adapters")) == []


def test_meetings_sit_just_above_the_core() -> None:
    """bot.meetings (presence, calendars, the hold policy) imports only the core and itself:
    storage keeps its SQL (bot/storage/meetings.py) and adapters its presence sources."""
    assert violations(lambda i: within(i.module, "bot.meetings") and within(i.target, "bot")
                      and not (within(i.target, "bot.core") or within(i.target, "bot.meetings"))
                      ) == []
