"""The deskbreak command, run as people run it: a subprocess."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from tests.childenv import child_env

# Every test here runs a process: `pytest -m "not slow"` skips them for a quick loop.
pytestmark = pytest.mark.slow

FIXTURE_CONTENT = Path(__file__).resolve().parent / "fixtures" / "content"


def deskbreak(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI from a fresh directory: content must be found without the CWD."""
    clean = child_env()
    with tempfile.TemporaryDirectory() as scratch:
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True,
                              text=True, timeout=60, env={**clean, **(env or {})}, cwd=scratch)


def test_stretch_pigeon_prints_complete_instructions() -> None:
    """`deskbreak stretch pigeon` prints every step numbered, dose, cautions and disclaimer."""
    result = deskbreak("stretch", "pigeon")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Pigeon pose\n")
    numbered = re.findall(r"^  (\d+)\. ", out, flags=re.MULTILINE)
    assert numbered == [str(i) for i in range(1, len(numbered) + 1)] and len(numbered) >= 3
    for part in ("Steps", "Dose", "Cautions", "Easier option", "Why", "sharp pain",
                 "deskbreak redflags", "not medical advice"):
        assert part in out


def test_unknown_stretch_suggests_and_exits_1() -> None:
    """An unknown stretch prints suggestions and exits 1."""
    result = deskbreak("stretch", "neck", "side", "stretchy",
                       env={"DESKBREAK_BASE_CONTENT_DIR": str(FIXTURE_CONTENT)})
    assert result.returncode == 1
    assert "Did you mean" in result.stdout and "deskbreak stretch neck-side-bend" in result.stdout


@pytest.mark.parametrize(("name", "title"), [("", "Which stretch?"),
                                           ("鸽子", "No stretch called “鸽子”")])
def test_stretch_with_nothing_to_match_suggests_nothing(name: str, title: str) -> None:
    """`deskbreak stretch ''` asks which stretch, as the console does; neither lists any."""
    result = deskbreak("stretch", name, env={"DESKBREAK_BASE_CONTENT_DIR": str(FIXTURE_CONTENT)})
    assert result.returncode == 1
    assert result.stdout.startswith(f"{title}\n") and "deskbreak stretches" in result.stdout
    assert "Did you mean" not in result.stdout and "(deskbreak stretch " not in result.stdout


def test_validate_counts_read_as_english(tmp_path: Path) -> None:
    """`deskbreak validate` on one stretch and one tip says "1 stretch, 1 tip"."""
    stretches = (FIXTURE_CONTENT / "stretches.yaml").read_text()
    one = stretches[: stretches.index("\n  - id: thread-the-needle")].replace(
        "    easier: thread-the-needle\n", ""
    )
    (tmp_path / "stretches.yaml").write_text(one + "\n")
    (tmp_path / "tips.yaml").write_text(
        "version: 1\ntips:\n  - {id: t, topic: screen, text: Raise the screen.}\n"
    )
    result = deskbreak("validate", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: 1 stretch, 1 tip, 0 prompts, 0 red flags in 2 files")
    # A folder checked alone is not checked over the shipped content: say how to do that.
    assert "Checked on their own" in result.stdout and "deskbreak validate " in result.stdout


def test_validating_extra_content_over_the_shipped_content_finds_clashes(tmp_path: Path) -> None:
    """Extra content whose aliases ("pigeon", "half pigeon") belong to a shipped stretch passes
    alone but fails where the bot loads it (over the shipped content), which `deskbreak
    validate` checks when DESKBREAK_CONTENT_DIR is set."""
    stretches = (FIXTURE_CONTENT / "stretches.yaml").read_text()
    one = stretches[: stretches.index("\n  - id: thread-the-needle")].replace(
        "    easier: thread-the-needle\n", ""
    )
    (tmp_path / "stretches.yaml").write_text(one + "\n")
    alone = deskbreak("validate", str(tmp_path))
    assert alone.returncode == 0, alone.stdout + alone.stderr
    layered = deskbreak("validate", env={"DESKBREAK_CONTENT_DIR": str(tmp_path)})
    assert layered.returncode == 1
    assert "pigeon" in layered.stdout and "stretches.yaml" in layered.stdout


def test_stretches_tip_and_redflags_commands() -> None:
    """The listing, tip and red-flags commands print their content."""
    env = {"DESKBREAK_BASE_CONTENT_DIR": str(FIXTURE_CONTENT)}
    listing = deskbreak("stretches", "--area", "hips", "--where", "desk", env=env)
    assert listing.returncode == 0 and "deskbreak stretch seated-figure-four" in listing.stdout
    assert "pigeon-pose" not in listing.stdout
    tip = deskbreak("tip", env=env)
    assert tip.returncode == 0 and tip.stdout.startswith("Desk tip: ")
    flags = deskbreak("redflags", env=env)
    assert flags.returncode == 0 and "Numbness or tingling" in flags.stdout


def test_broken_content_makes_commands_exit_1(tmp_path: Path) -> None:
    """With broken content, a content command names the problem and exits 1."""
    result = deskbreak("tip", env={"DESKBREAK_BASE_CONTENT_DIR": str(tmp_path)})
    assert result.returncode == 1 and "no stretches found" in result.stderr


def test_bad_config_exits_2(tmp_path: Path) -> None:
    """An invalid config file is a usage error (exit 2) pointing at its line."""
    config = tmp_path / "c.yaml"
    config.write_text("slack_bot_token: xoxb\n")
    result = deskbreak("validate", "--config", str(config))
    assert result.returncode == 2 and f"{config}:1: slack_bot_token" in result.stderr


def test_validate_checks_config_and_content(tmp_path: Path) -> None:
    """validate --config reads the config's content dirs and reports both OK."""
    config = tmp_path / "c.yaml"
    config.write_text(f"base_content_dir: {FIXTURE_CONTENT}\n")
    result = deskbreak("validate", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 7 stretches" in result.stdout and "config" in result.stdout


@pytest.mark.parametrize("command", ["run", "stretch", "stretches", "tip", "redflags",
                                     "validate"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--help works for every subcommand."""
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0 and "--config" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Bare `deskbreak` shows the command list."""
    assert main([]) == 2
    assert "validate" in capsys.readouterr().out


def test_run_rejects_unknown_platform() -> None:
    """--platform only accepts known platforms."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--platform", "irc"])


def test_run_with_a_bad_workspaces_config_exits_1_naming_the_line(tmp_path: Path) -> None:
    """`run --config` refuses to start on a bad schedule, pointing at its file and line."""
    config = tmp_path / "deskbreak.yaml"
    config.write_text(
        "version: 1\nworkspaces:\n  - platform: slack\n    id: T1\n    schedules:\n"
        "      - {channel: C1, kind: break, cron: '61 * * * *'}\n"
    )
    result = deskbreak("run", "--platform", "console", "--config", str(config))
    assert result.returncode == 1 and f"{config}:6: " in result.stderr


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`deskbreak --version` prints "deskbreak X.Y.Z", the version pyproject builds with."""
    import bot

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"deskbreak {bot.__version__}\n"


def test_one_shot_output_suggests_shell_commands() -> None:
    """Piped one-shot answers point at shell commands, never at slash commands or buttons:
    the card's easier option, the footer and the next page all read `deskbreak ...`."""
    card = deskbreak("stretch", "pigeon").stdout
    assert "(deskbreak stretch thread-the-needle)" in card and "deskbreak redflags" in card
    assert "/stretch" not in card and "/redflags" not in card and "[" not in card
    listing = deskbreak("stretches", "--area", "hips").stdout
    assert "Next: deskbreak stretches --area hips --page 2" in listing
    assert "/stretch" not in listing and "▶" not in listing


def test_piped_output_is_plain_and_unwrapped() -> None:
    """In a pipe: no escape codes, no backticks, and each step on one line however long."""
    out = deskbreak("stretch", "pigeon").stdout
    assert "\x1b" not in out and "`" not in out
    assert max(len(line) for line in out.splitlines()) > 100


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["stretches", "--bogus"], "usage: deskbreak stretches"),
        (["stretch", "pigeon", "--foo"], "usage: deskbreak stretch "),
        (["schedule", "preview", "--cron", "0 9 * * *", "--nope"],
         "usage: deskbreak schedule preview"),
        (["stretch"], "usage: deskbreak stretch "),
    ],
)
def test_bad_subcommand_arguments_show_that_subcommands_usage(
    args: list[str], usage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong argument to a subcommand answers with the subcommand's usage, exit 2."""
    with pytest.raises(SystemExit) as info:
        main(args)
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.startswith(usage), err


def test_stretches_takes_area_and_place_as_words() -> None:
    """`deskbreak stretches hips` and `deskbreak stretches neck desk` filter, as the console's
    /stretches does."""
    env = {"DESKBREAK_BASE_CONTENT_DIR": str(FIXTURE_CONTENT)}
    hips = deskbreak("stretches", "hips", env=env)
    assert hips.returncode == 0 and hips.stdout.startswith("Stretches (hips)")
    both = deskbreak("stretches", "neck", "desk", env=env)
    assert both.returncode == 0 and both.stdout.startswith("Stretches (neck · at your desk)")


def test_preview_of_a_schedule_that_never_fires_exits_1() -> None:
    """`schedule preview --cron "0 9 30 2 *"` (30 February) says it never fires and exits 1."""
    result = deskbreak("schedule", "preview", "--cron", "0 9 30 2 *")
    assert result.returncode == 1
    assert result.stdout == "" and "never fires" in result.stderr


def test_validate_reports_settings_content_and_schedules_at_once(tmp_path: Path) -> None:
    """One run lists a bad setting, broken content and a bad schedule together."""
    content = tmp_path / "content"
    content.mkdir()
    (content / "tips.yaml").write_text("version: 7\ntips: []\n")
    (content / "stretches.yaml").write_text(
        (FIXTURE_CONTENT / "stretches.yaml").read_text().replace("    name:", "    nmae:", 1)
    )
    config = tmp_path / "deskbreak.yaml"
    config.write_text(
        "version: 1\nsettings:\n  grace_minutes: soon\nworkspaces:\n  - platform: slack\n"
        "    id: T1\n    schedules:\n      - {channel: C1, kind: break, cron: '61 * * * *'}\n"
    )
    result = deskbreak("validate", "--config", str(config),
                       env={"DESKBREAK_BASE_CONTENT_DIR": str(content)})
    assert result.returncode == 2
    assert f"{config}:3: grace_minutes" in result.stderr
    assert "tips.yaml:1: version: unsupported version 7" in result.stdout
    assert "stretches.yaml" in result.stdout and "nmae: unknown key" in result.stdout
    assert f"{config}:8: workspaces[0].schedules[0].cron" in result.stdout
    assert "problems found." in result.stderr


@pytest.mark.parametrize(
    "text",
    ["settings:\n  grace_minutes: 5\n",
     "settings:\n  grace_minutes: 5\nworkspaces: []\n"],
)
def test_a_config_without_version_says_the_key_is_missing(tmp_path: Path, text: str) -> None:
    """A deployment config that forgot `version:` is told so, not "unknown setting"."""
    config = tmp_path / "deskbreak.yaml"
    config.write_text(text)
    result = deskbreak("validate", "--config", str(config))
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{config}:1: version: key is missing" in out and "version: 1" in out
    assert "unknown setting" not in out


def test_validate_names_the_line_of_a_schedule_posting_an_unknown_routine(
        tmp_path: Path) -> None:
    """`validate --config` checks a schedule's routine:<id> against the content's routines."""
    config = tmp_path / "deskbreak.yaml"
    config.write_text(
        "version: 1\nworkspaces:\n  - platform: slack\n    id: T1\n    schedules:\n"
        "      - {channel: C1, kind: 'routine:desk-reset', every: 60}\n"
        "      - {channel: C1, kind: 'routine:lunch', every: 60}\n"
    )
    result = deskbreak("validate", "--config", str(config))
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert f"{config}:7: " in out and "No routine called `lunch`" in out
    assert f"{config}:6: " not in out


def test_stretch_at_a_terminal_points_at_its_picture(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """At a terminal `deskbreak stretch pigeon` ends by saying how to save its picture; a
    pipe gets the card alone, so scripts reading it see nothing new."""
    monkeypatch.setenv("DESKBREAK_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert main(["stretch", "pigeon"]) == 0
    assert capsys.readouterr().out.rstrip().endswith(
        "Picture: add --picture pigeon.png to save this stretch's drawing.")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    assert main(["stretch", "pigeon"]) == 0
    assert "--picture" not in capsys.readouterr().out
