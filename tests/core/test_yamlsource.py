"""The YAML-with-lines helper the content and config loaders share."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.yamlsource import YamlSyntaxError, format_loc, load_yaml, parse_yaml

TEXT = """\
version: 1
stretches:
  - id: a
    dose:
      hold_seconds: 5
  - id: b
    cautions:
      - one
"""


def test_data_matches_safe_load() -> None:
    """The constructed data is plain Python, as yaml.safe_load would give."""
    doc = parse_yaml(TEXT, Path("x.yaml"))
    assert doc.data["stretches"][0]["dose"] == {"hold_seconds": 5}


def test_line_of_nested_value() -> None:
    """line_of follows keys and indexes to the line of the key people look for."""
    doc = parse_yaml(TEXT, Path("x.yaml"))
    assert doc.line_of(("stretches", 0, "dose", "hold_seconds")) == 5
    assert doc.line_of(("stretches", 1, "cautions", 0)) == 8
    assert doc.line_of(("stretches", 1)) == 6


def test_line_of_missing_field_points_at_its_parent() -> None:
    """A loc that does not exist resolves to its deepest existing ancestor."""
    doc = parse_yaml(TEXT, Path("x.yaml"))
    assert doc.line_of(("stretches", 1, "why")) == 6


def test_duplicate_keys_are_reported() -> None:
    """A key given twice in one mapping is listed with its line."""
    doc = parse_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", Path("x.yaml"))
    assert doc.duplicate_keys == ((("b", "c"), 4),)


def test_syntax_error_carries_line(tmp_path: Path) -> None:
    """Malformed YAML raises YamlSyntaxError with the parser's line."""
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: c: d\n")
    with pytest.raises(YamlSyntaxError) as info:
        load_yaml(path)
    assert info.value.line == 2 and info.value.path == path


def test_python_tags_are_refused() -> None:
    """Safe-load semantics: no arbitrary Python objects from content files."""
    with pytest.raises(YamlSyntaxError):
        parse_yaml("x: !!python/object/apply:os.system ['true']\n", Path("x.yaml"))


def test_format_loc() -> None:
    """Locs render the way people write paths: stretches[3].cautions."""
    assert format_loc(("stretches", 3, "cautions")) == "stretches[3].cautions"
