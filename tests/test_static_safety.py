"""Static checks over the package source: YAML only through safe loading, SQL only parametrised.

These read the code (``ast``), so a future ``yaml.load(...)`` or an f-string ``SELECT`` fails
the build before it can run; the detectors are themselves tested on samples so they cannot
silently pass everything.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bot"
SOURCES = sorted(PACKAGE.rglob("*.py"))

UNSAFE_YAML_CALLS = frozenset({"load", "load_all", "unsafe_load", "unsafe_load_all", "full_load",
                               "full_load_all"})
UNSAFE_YAML_LOADERS = frozenset({"Loader", "UnsafeLoader", "FullLoader", "CLoader",
                                 "CUnsafeLoader", "CFullLoader"})
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|DROP|ALTER|CREATE|WHERE|VALUES)\b")
CONSTANT = re.compile(r"[A-Z][A-Z0-9_]*")
# Calls that send a string to the database as SQL text.
RAW_SQL_CALLS = frozenset({"text", "exec_driver_sql", "execute", "executescript", "executemany"})


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def unsafe_yaml(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """``yaml.load``-family calls and any use of a non-safe yaml Loader class."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name.startswith("yaml.") and name.split(".", 1)[1] in UNSAFE_YAML_CALLS:
                yield node.lineno, name
        if isinstance(node, ast.Attribute) and _dotted(node.value) == "yaml" and (
            node.attr in UNSAFE_YAML_LOADERS
        ):
            yield node.lineno, f"yaml.{node.attr}"


def _formatted_sql(node: ast.AST) -> bool:
    """An f-string, ``%`` or ``.format``/``+`` building a string that reads like SQL."""
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values
                       if isinstance(v, ast.Constant) and isinstance(v.value, str))
        return (any(isinstance(v, ast.FormattedValue) for v in node.values)
                and not _only_constants(node) and bool(SQL.search(text)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return any(isinstance(side, ast.Constant) and isinstance(side.value, str)
                   and SQL.search(side.value) for side in (node.left, node.right))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format" and isinstance(node.func.value, ast.Constant)):
        return isinstance(node.func.value.value, str) and bool(SQL.search(node.func.value.value))
    return False


def _only_constants(node: ast.JoinedStr) -> bool:
    """An f-string interpolating nothing but module constants (``{SQLITE_BUSY_TIMEOUT_MS}``):
    fixed at import time, never input. SQLite's PRAGMAs take no bound parameters, so this is
    how a configured constant reaches one."""
    return all(isinstance(v.value, ast.Name) and CONSTANT.fullmatch(v.value.id)
               for v in node.values if isinstance(v, ast.FormattedValue))


def formatted_sql(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """SQL text built by string formatting anywhere, and raw-SQL calls given a non-constant."""
    for node in ast.walk(tree):
        if _formatted_sql(node):
            yield getattr(node, "lineno", 0), ast.unparse(node)[:80]
        if isinstance(node, ast.Call) and node.args:
            name = _dotted(node.func).rsplit(".", 1)[-1]
            first = node.args[0]
            built = isinstance(first, ast.BinOp) or (
                isinstance(first, ast.JoinedStr) and not _only_constants(first))
            if name in RAW_SQL_CALLS and built:
                yield node.lineno, ast.unparse(node)[:80]


def findings(detector: object, source: str) -> list[tuple[int, str]]:
    return list(detector(ast.parse(source)))  # type: ignore[operator]


def test_the_package_has_sources_to_check() -> None:
    """The scan sees the storage layer and the YAML readers (a wrong path would pass vacuously)."""
    names = {p.relative_to(PACKAGE).as_posix() for p in SOURCES}
    assert {"storage/store.py", "core/yamlsource.py", "settings.py"} <= names


@pytest.mark.parametrize("source", [
    "import yaml\nyaml.load(text)",
    "import yaml\nyaml.load(text, Loader=yaml.Loader)",
    "import yaml\nyaml.unsafe_load(text)",
    "import yaml\nyaml.full_load(text)",
    "import yaml\nyaml.load_all(text, yaml.FullLoader)",
    "import yaml\nloader = yaml.UnsafeLoader(text)",
])
def test_yaml_detector_flags_unsafe_loading(source: str) -> None:
    """The detector catches every unsafe form (so its silence below means something)."""
    assert findings(unsafe_yaml, source)


def test_yaml_detector_accepts_safe_loading() -> None:
    """safe_load and SafeLoader are fine."""
    assert findings(unsafe_yaml, "import yaml\nyaml.safe_load(t)\nyaml.SafeLoader(t)") == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_yaml_is_only_loaded_safely(path: Path) -> None:
    """No yaml.load / unsafe_load / full_load and no unsafe Loader class in the package."""
    assert findings(unsafe_yaml, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    'conn.execute(text(f"SELECT * FROM schedules WHERE id = {ident}"))',
    'cursor.execute("DELETE FROM kv WHERE key = \'%s\'" % key)',
    'q = "UPDATE reminders SET enabled = 0 WHERE id = {}".format(rid)',
    'q = "INSERT INTO kv VALUES (" + value + ")"',
    'engine.exec_driver_sql(f"DROP TABLE {name}")',
    'cursor.execute(f"PRAGMA user_version={version}")',
    'q = f"INSERT INTO kv VALUES {row}"',
    'q = f"SELECT * FROM {TABLE} WHERE id = {ident}"',
])
def test_sql_detector_flags_formatted_sql(source: str) -> None:
    """The detector catches f-strings, %, .format and + building SQL."""
    assert findings(formatted_sql, source)


def test_sql_detector_accepts_bound_parameters() -> None:
    """SQLAlchemy expressions and text() with bound parameters are fine."""
    source = ('conn.execute(sa.select(t.kv).where(t.kv.c.key == key))\n'
              'conn.execute(text("SELECT 1 FROM kv WHERE key = :key"), {"key": key})\n'
              'log.info(f"deleted {n} rows")\n'
              'cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")\n'
              'q = f"INSERT INTO deliveries ({NAMES}) VALUES {ROWS_10} {UPSERT}"\n')
    assert findings(formatted_sql, source) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_sql_is_only_parametrised(path: Path) -> None:
    """No SQL text is built by string formatting anywhere in the package."""
    assert findings(formatted_sql, path.read_text(encoding="utf-8")) == []
