"""Property tests: any YAML (random documents, mutated real files, hostile constructions) gives
a validated result or an error naming file and line, never another exception.

Covers the three YAML readers: content (ContentError), the deployment config (ConfigError) and
the settings file (SettingsError)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.content.loader import ContentError, load_library
from bot.core.yamlsource import YamlSyntaxError, parse_yaml
from bot.scheduling.config_file import ConfigError, parse_deployment_config
from bot.settings import Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]
CONTENT_FILES = sorted((REPO / "content").glob("*.yaml"))
EXAMPLE_CONFIG = REPO / "deploy" / "deskbreak.example.yaml"

KEYS = st.sampled_from([
    "version", "stretches", "tips", "prompts", "red_flags", "id", "name", "steps", "cautions",
    "dose", "hold_seconds", "areas", "where", "easier", "aliases", "text", "topic", "why",
    "workspaces", "platform", "schedules", "cron", "every", "timezone", "quiet", "settings",
    "log_level", "database_url", "discord_token", "<<",
])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    st.text(max_size=30), st.sampled_from(["1", "09:00", "hips", "desk", "UTC", "0 9 * * *"]),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(KEYS, st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=40,
)
DOCUMENTS = st.one_of(
    DATA.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.dictionaries(KEYS, DATA, max_size=6).map(
        lambda d: yaml.safe_dump({"version": 1, **d}, allow_unicode=True)
    ),
    st.text(max_size=300),
)
# Explicit tags and scalars that YAML's resolvers turn into dates, numbers and booleans: what
# a constructor may fail to build (2026-02-30, !!int abc, !!bool maybe, 5,000 digits).
TAGS = st.sampled_from([
    "", "", "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!str ", "!!null ", "!!binary ",
    "!!set ", "!!omap ", "!!pairs ", "!!map ", "!!seq ", "!!merge ", "!!value ", "!custom ",
    "!!python/none ", "!<tag:yaml.org,2002:int> ",
])
ODD_SCALARS = st.one_of(
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999),
              st.integers(0, 99), st.integers(0, 99)),
    st.builds(lambda y, m, d, h, mi: f"{y:04d}-{m}-{d} {h}:{mi:02d}:00", st.integers(1, 9999),
              st.integers(1, 20), st.integers(1, 40), st.integers(0, 30), st.integers(0, 70)),
    st.integers(1, 6000).map(lambda n: "9" * n),
    st.sampled_from(["abc", "maybe", "x", "0x", "0xZZ", "0o9", "0b2", "1_000", "1:20:30",
                     "190:20:30", ".inf", "-.NaN", "~", "=", "<<", "yes", "No", "on", "@@",
                     "'quoted'", "{}", "[]", "1e99999", "-0", "+12", "0.", "._", ":"]),
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=8),
)
ODD_DOCUMENTS = st.builds(
    lambda lines: "version: 1\n" + "".join(lines),
    st.lists(
        st.builds(
            lambda key, tag, scalar, shape: {
                "plain": f"{key}: {tag}{scalar}\n",
                "list": f"{key}: [{tag}{scalar}]\n",
                "nested": f"workspaces:\n  - platform: slack\n    id: T1\n"
                          f"    {key}: {tag}{scalar}\n",
                "settings": f"settings:\n  {key}: {tag}{scalar}\n",
                "key": f"? {tag}{scalar}\n: 1\n",
            }[shape],
            KEYS.filter(lambda k: k not in ("<<", "version")) | st.sampled_from(
                ["skip_dates", "topic", "grace_minutes", "tick_seconds"]),
            TAGS, ODD_SCALARS,
            st.sampled_from(["plain", "list", "nested", "settings", "key"]),
        ),
        min_size=1, max_size=3,
    ),
)
HOSTILE_DOCUMENTS = [
    # Nesting far past Python's recursion limit (the YAML composer recurses per level).
    "version: 1\nstretches: " + "[" * 700 + "]" * 700,
    "version: 1\nstretches: " + "{a: " * 700 + "1" + "}" * 700,
    "version: 1\nstretches:\n" + "".join(" " * i + f"k{i}:\n" for i in range(700)),
    # "Billion laughs": ten million list items by aliases of aliases.
    "version: 1\na: &a [x,x,x,x,x,x,x,x,x,x]\n"
    + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n"
        for p, n in zip("abcdef", "bcdefg", strict=True)
    )
    + "stretches: [*g]\n",
    "version: 1\nstretches: !!python/object/apply:os.system ['echo pwned']\n",
    "version: 1\ntips: !!python/name:os.system\n",
    "\ufeffversion: 1\x00\n",
    "version: 1\nstretches: [\n",
    "version: 1\nstretches: 'unclosed\n",
    "%YAML 9.9\n---\nversion: 1\n",
    "version: 1\n---\nversion: 2\n",
    "\t- tab indented\n",
]


def mutate(text: str, data: st.DataObject) -> str:
    """One random edit of a real file: delete, insert, duplicate or swap lines, or splice text."""
    lines = text.splitlines(keepends=True)
    kind = data.draw(st.sampled_from(["delete", "insert", "duplicate", "swap", "chars"]))
    i = data.draw(st.integers(0, max(0, len(lines) - 1)))
    if kind == "delete":
        del lines[i : i + data.draw(st.integers(1, 5))]
    elif kind == "insert":
        lines.insert(i, data.draw(st.text(max_size=40)) + "\n")
    elif kind == "duplicate":
        lines.insert(i, lines[i] if lines else "")
    elif kind == "swap" and len(lines) > 1:
        j = data.draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    else:
        joined = "".join(lines)
        at = data.draw(st.integers(0, len(joined)))
        cut = data.draw(st.integers(0, 20))
        return joined[:at] + data.draw(st.text(max_size=10)) + joined[at + cut :]
    return "".join(lines)


def assert_content_outcome(directory: Path) -> None:
    """A library, or a ContentError whose every problem names a file in ``directory``."""
    try:
        library = load_library([directory])
    except ContentError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file and problem.line >= 0 and problem.message
            assert str(problem).startswith(problem.file)
    else:
        assert library.stretches


@pytest.fixture(scope="module")
def scratch() -> Path:
    path = Path(tempfile.mkdtemp(prefix="deskbreak-yaml-fuzz-"))
    yield path  # type: ignore[misc]
    shutil.rmtree(path, ignore_errors=True)


FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(document=DOCUMENTS, name=st.sampled_from(["stretches.yaml", "x.yaml", "tips.yaml"]))
def test_random_content_documents(scratch: Path, document: str, name: str) -> None:
    """Random YAML in a content directory: a Library or a ContentError with file and line."""
    directory = scratch / "random"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    (directory / name).write_text(document, encoding="utf-8")
    assert_content_outcome(directory)


@settings(FUZZ, max_examples=20)
@given(data=st.data(), source=st.sampled_from(CONTENT_FILES))
def test_mutated_real_content_files(scratch: Path, data: st.DataObject, source: Path) -> None:
    """A real content file with a random edit: a Library or a ContentError with file and line."""
    directory = scratch / "mutated"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    for other in CONTENT_FILES:
        shutil.copy(other, directory / other.name)
    text = mutate(source.read_text(encoding="utf-8"), data)
    (directory / source.name).write_text(text, encoding="utf-8")
    assert_content_outcome(directory)


@pytest.mark.parametrize("document", HOSTILE_DOCUMENTS, ids=range(len(HOSTILE_DOCUMENTS)))
def test_hostile_yaml_is_a_content_error(tmp_path: Path, document: str) -> None:
    """Deep nesting, alias bombs, Python tags, NUL and broken syntax: a ContentError, quickly,
    and nothing constructed from a Python tag."""
    (tmp_path / "stretches.yaml").write_text(document, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_library([tmp_path])
    assert all(p.file.endswith("stretches.yaml") for p in caught.value.problems)


@pytest.mark.parametrize("document", HOSTILE_DOCUMENTS, ids=range(len(HOSTILE_DOCUMENTS)))
def test_hostile_yaml_parses_or_is_a_syntax_error(document: str) -> None:
    """The YAML reader itself only ever raises YamlSyntaxError (with a line, 0 when unknown)."""
    try:
        parse_yaml(document, Path("x.yaml"))
    except YamlSyntaxError as exc:
        assert exc.line >= 0 and exc.message


def config_outcome(parse: Callable[[], object], error: type[Exception]) -> None:
    try:
        parse()
    except error as exc:
        problems = getattr(exc, "problems", None)
        assert problems
        assert all(str(p) for p in problems)


@FUZZ
@given(document=st.one_of(DOCUMENTS,
                          st.builds(lambda d: "version: 1\nworkspaces:\n" + d, DOCUMENTS)))
def test_random_deployment_configs(document: str) -> None:
    """The deployment config reader: a config or a ConfigError, never another exception."""
    config_outcome(lambda: parse_deployment_config(document, Path("deskbreak.yaml")), ConfigError)


@FUZZ
@given(data=st.data())
def test_mutated_example_config(data: st.DataObject) -> None:
    """The shipped example config with a random edit: a config or a ConfigError."""
    text = mutate(EXAMPLE_CONFIG.read_text(encoding="utf-8"), data)
    config_outcome(lambda: parse_deployment_config(text, EXAMPLE_CONFIG), ConfigError)


@FUZZ
@given(document=DOCUMENTS)
def test_random_settings_files(scratch: Path, document: str) -> None:
    """The settings file reader: Settings or a SettingsError, never another exception."""
    path = scratch / "settings.yaml"
    path.write_text(document, encoding="utf-8")
    try:
        loaded = load_settings(env={}, config_path=path)
    except SettingsError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
    else:
        assert isinstance(loaded, Settings)


@pytest.mark.parametrize("document", HOSTILE_DOCUMENTS, ids=range(len(HOSTILE_DOCUMENTS)))
def test_hostile_yaml_is_a_config_or_settings_error(tmp_path: Path, document: str) -> None:
    """The same hostile documents as a deployment config or a settings file: their own errors."""
    config_outcome(lambda: parse_deployment_config(document, Path("deskbreak.yaml")), ConfigError)
    path = tmp_path / "settings.yaml"
    path.write_text(document, encoding="utf-8")
    try:  # a deployment-format file without a settings section is valid for Settings
        assert isinstance(load_settings(env={}, config_path=path), Settings)
    except SettingsError as exc:
        assert exc.problems


@FUZZ
@given(document=ODD_DOCUMENTS)
def test_tags_and_odd_scalars_in_every_reader(scratch: Path, document: str) -> None:
    """Explicit tags and odd scalars: the YAML reader raises only YamlSyntaxError (with a
    field when the YAML is well formed), and content, deployment config and settings give
    their own errors, never a constructor's ValueError, KeyError or AttributeError."""
    try:
        parse_yaml(document, Path("x.yaml"))
    except YamlSyntaxError as exc:
        assert exc.line >= 0 and exc.message
    config_outcome(lambda: parse_deployment_config(document, Path("deskbreak.yaml")), ConfigError)
    directory = scratch / "odd"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    (directory / "tips.yaml").write_text(document, encoding="utf-8")
    assert_content_outcome(directory)
    path = scratch / "odd-settings.yaml"
    path.write_text(document, encoding="utf-8")
    try:
        assert isinstance(load_settings(env={}, config_path=path), Settings)
    except SettingsError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
