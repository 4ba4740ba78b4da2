"""Load a YAML file and remember where every value came from.

``yaml.safe_load`` throws away positions, so an error found later by schema validation could only
say *what* is wrong, not *where*. This module composes the node tree with ``yaml.SafeLoader``
(exactly ``safe_load`` semantics: no Python tags), constructs the plain data from it, and keeps
the tree so a validation error's ``loc`` path (as pydantic reports it) maps back to a line.

API (used by the content loader and the deployment config loader):

- ``load_yaml(path) -> YamlDocument`` / ``parse_yaml(text, path) -> YamlDocument``
- ``YamlDocument.data``: the plain Python value (dicts, lists, scalars), as ``safe_load`` gives
- ``YamlDocument.line_of(loc)``: 1-based line of the value at ``loc`` (keys are str, list
  indexes int); if the path stops existing part-way (a missing field), the line of the deepest
  node that does exist, so "missing field" points at the mapping that lacks it
- ``YamlDocument.duplicate_keys``: keys given twice in one mapping (``safe_load`` silently keeps
  the last one, which hides mistakes) as ``(loc, line)`` pairs
- ``YamlSyntaxError``: raised for malformed YAML, with the parser's line
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]


class YamlSyntaxError(ValueError):
    """The file is not valid YAML; ``line`` is the parser's 1-based line (0 when unknown).

    ``field`` names the value (``workspaces[0].skip_dates[1]``) when the YAML is well formed
    but a value cannot be built from it (``2026-02-30``, ``!!int abc``); empty otherwise.
    """

    def __init__(self, path: Path, line: int, message: str, field: str = "") -> None:
        where = f"{field}: " if field else ""
        super().__init__(f"{path}:{line}: {where}{message}")
        self.path = path
        self.line = line
        self.message = message
        self.field = field


class _BadValue(Exception):
    """A scalar YAML reads but Python cannot build (raised by :class:`_Loader`)."""

    def __init__(self, node: yaml.Node, reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


class _Loader(yaml.SafeLoader):
    """``safe_load`` semantics, except that a value the constructors cannot build raises
    :class:`_BadValue` carrying its node, instead of whatever the constructor happened to
    raise: ``2026-02-30`` raises ValueError, ``!!bool maybe`` KeyError, ``!!timestamp x``
    AttributeError, ``!!int`` with no value IndexError, a 5,000-digit integer ValueError
    (Python's int_max_str_digits)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, LookupError, AttributeError, TypeError, ArithmeticError) as exc:
            raise _BadValue(node, _reason(node, exc)) from None


_KINDS = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:timestamp": "a date or time",
    "tag:yaml.org,2002:binary": "base64 data",
}


def _reason(node: yaml.Node, exc: BaseException) -> str:
    """Why the value cannot be read, in words an editor of the file can act on."""
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    shown = f"`{text}`" if 0 < len(text) <= 30 else f"that {len(text)}-character value"
    if not text.strip():
        shown = "an empty value"
    kind = _KINDS.get(node.tag, "a value")
    detail = str(exc).split(";")[0].strip() if isinstance(exc, ValueError) else ""
    if node.tag == "tag:yaml.org,2002:int" and "digits" in detail:
        return f"that {len(text)}-digit number is too long to read (at most 4300 digits)"
    if node.tag == "tag:yaml.org,2002:timestamp":
        if not text[:1].isdigit():  # only an explicit !!timestamp tag gets here
            return f"{shown} is not a date or time"
        # Unquoted, 2026-02-30 is read as a date, so a typo in a date fails here.
        why = f" ({detail})" if detail else ""
        return (f"{shown} is not a real date{why}; write a real one, or put it in quotes"
                " to keep it as text")
    if node.tag == "tag:yaml.org,2002:bool":
        return f"{shown} is not true or false"
    return f"{shown} cannot be read as {kind}"


@dataclass(frozen=True, slots=True)
class YamlDocument:
    path: Path
    data: Any
    root: yaml.Node | None
    duplicate_keys: tuple[tuple[Loc, int], ...] = field(default=())

    def line_of(self, loc: Sequence[str | int]) -> int:
        """Return the 1-based line of the node at ``loc`` (or of its deepest existing ancestor).

        For a mapping entry the key's line is used: that is where a person looks for
        ``cautions:`` even when the list itself starts on the next line.
        """
        node = self.root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in loc:
            child = _child(node, part)
            if child is None:
                break
            key_node, node = child
            line = (key_node or node).start_mark.line + 1
        return line


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node | None, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                return key_node, value_node
        return None
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int):
        if 0 <= part < len(node.value):
            return None, node.value[part]
    return None


def _duplicates(root: yaml.Node | None) -> list[tuple[Loc, int]]:
    """Keys given twice, found without recursion and visiting each node once.

    An alias is the *same* node object as its anchor, so a "billion laughs" document (aliases
    of aliases) is a small graph but an exponentially large tree: walking it as a tree would
    take minutes, walking the graph takes microseconds.
    """
    found: list[tuple[Loc, int]] = []
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node | None, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if node is None or id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        children: list[tuple[yaml.Node, Loc]] = []
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = key_node.value
                if key in keys and key != "<<":
                    found.append(((*loc, key), key_node.start_mark.line + 1))
                keys.add(key)
                children.append((value_node, (*loc, key)))
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, (*loc, i)) for i, item in enumerate(node.value)]
        stack.extend(reversed(children))
    found.sort(key=lambda item: item[1])
    return found


def _loc_of(root: yaml.Node | None, target: yaml.Node) -> Loc:
    """Where ``target`` sits under ``root`` (a key node: its mapping entry), visiting each
    node once like :func:`_duplicates`; ``()`` when it is the root or not found."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node | None, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if node is target:
            return loc
        children: list[tuple[yaml.Node, Loc]] = []
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                if key_node is target:
                    return (*loc, key)
                children.append((value_node, (*loc, key)))
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, (*loc, i)) for i, item in enumerate(node.value)]
        stack.extend(reversed(children))  # depth first, in file order: an anchor before aliases
    return ()


def parse_yaml(text: str, path: Path) -> YamlDocument:
    """Parse one YAML document from ``text``; ``path`` is only used in messages.

    Any text gives a document or ``YamlSyntaxError``: characters YAML forbids (NUL, say) are
    refused when the loader is created, and nesting deep enough to exhaust Python's stack
    (``[[[[...`` thousands deep) is refused rather than crashing the caller.
    """
    loader: yaml.SafeLoader | None = None
    root: yaml.Node | None = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _BadValue as exc:
        line = exc.node.start_mark.line + 1
        raise YamlSyntaxError(path, line, exc.reason, format_loc(_loc_of(root, exc.node))) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        message = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        started = exc.context_mark.line + 1 if exc.context_mark is not None else line
        if started != line:
            # An unclosed quote is found at the end of the file; say where it began.
            message += f" (the construct began on line {started})"
        raise YamlSyntaxError(path, line, message) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(path, 0, " ".join(str(exc).split())) from exc
    except RecursionError:
        raise YamlSyntaxError(path, 0, "nested too deeply to read") from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(path=path, data=data, root=root, duplicate_keys=tuple(_duplicates(root)))


def load_yaml(path: Path) -> YamlDocument:
    """Read and parse ``path`` (UTF-8). ``OSError`` propagates for unreadable files."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise YamlSyntaxError(path, 0, f"not UTF-8 text ({exc.reason})") from exc
    return parse_yaml(text, path)


def format_loc(loc: Sequence[str | int]) -> str:
    """Render a loc path the way people read it: ``stretches[3].cautions``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
