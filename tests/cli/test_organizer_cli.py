"""Transcript tests organizers write: `hotline chat --save-transcript` and `hotline flows test`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis
from click.testing import CliRunner, Result

from bot.cli import main
from bot.content import transcripts


@pytest.fixture
def env(config: dict[str, Any], content: Path, r: redis.Redis) -> dict[str, str]:
    return {**{k: str(v) for k, v in config.items()}, "HOTLINE_CONTENT_DIR": str(content)}


def hotline(env: dict[str, str], *args: str, text: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=text, env=env)


def test_a_saved_chat_is_a_transcript_test_that_passes(
    env: dict[str, str], content: Path, r: redis.Redis
) -> None:
    saved = content / "tests" / "transcripts" / "menu" / "hi_then_1_gives_the_fact.yaml"
    result = hotline(env, "chat", "--save-transcript", str(saved), text="hi\n1\nfire\n")
    assert result.exit_code == 0, result.output
    assert f"Saved 3 step(s) to {saved}. Run it: hotline flows test {saved}" in result.output
    assert r.keys("hl:s:*") == []  # saving a test keeps nothing of the chat in Redis
    transcript = transcripts.load(saved)
    assert transcript.channel == "sms"
    first, second, third = (
        s.model_dump(include={"user", "expect", "language", "node", "events"})
        for s in transcript.steps
    )
    assert first == {
        "user": "hi",
        "expect": ["welcome", "menu"],
        "language": "en",
        "node": "menu",
        "events": ["language_changed"],
    }
    assert second["user"] == "1" and "fact" in second["expect"] and second["node"] is None
    assert third == {
        "user": "fire",
        "expect": ["alarm"],
        "language": "en",
        "node": None,
        "events": ["triggered", "case_opened", "ended"],
    }
    assert "  - user: '1'\n    expect: [" in saved.read_text()  # numbers stay text

    run = hotline(env, "flows", "test", str(saved))
    assert run.exit_code == 0, run.output
    assert run.output.endswith("1 passed, 0 failed\n")


def test_save_transcript_will_not_overwrite_a_test(env: dict[str, str], content: Path) -> None:
    saved = content / "kept.yaml"
    saved.write_text("steps: []\n")
    result = hotline(env, "chat", "--save-transcript", str(saved), text="hi\n")
    assert result.exit_code == 2
    assert "already exists: choose a new name" in result.output
    assert saved.read_text() == "steps: []\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = "steps:\n  - user: hi\n    expect: [welcome, menu]\n    language: en\n"


def test_flows_test_runs_every_transcript_and_prints_expected_and_got(
    env: dict[str, str], content: Path
) -> None:
    folder = content / "tests" / "transcripts"
    write(folder / "a" / "hi_shows_the_menu.yaml", GOOD)
    write(
        folder / "b" / "hola_is_spanish.yaml",
        "steps:\n  - user: hola\n    expect: [welcome, welcome.machine, menu]\n    language: en\n"
        "  - user: fire\n    says: Un dato\n",
    )
    result = hotline(env, "flows", "test")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("passed ") and lines[0].endswith("hi_shows_the_menu.yaml")
    assert lines[1].startswith("FAILED ") and lines[1].endswith("hola_is_spanish.yaml")
    assert lines[2:] == [
        "  step 1 ('hola'): language",
        "    expected: en",
        "    got:      es",
        "  step 2 ('fire'): text",
        "    expected: Un dato",
        "    got:      Alarm guidance.",
        "1 passed, 1 failed",
    ]


def test_flows_test_names_the_line_of_a_broken_transcript(
    env: dict[str, str], tmp_path: Path
) -> None:
    broken = write(tmp_path / "typo.yaml", "steps:\n  - user: hi\n    expcet: [welcome]\n")
    result = hotline(env, "flows", "test", str(broken))
    assert result.exit_code == 1
    assert result.output == (
        f"FAILED {broken}: not a valid transcript\n"
        f"  {broken}:3: error: steps.0.expcet: Extra inputs are not "
        "permitted\n0 passed, 1 failed\n"
    )


def test_flows_test_with_files_and_folders_given(env: dict[str, str], tmp_path: Path) -> None:
    one = write(tmp_path / "one.yaml", GOOD)
    write(tmp_path / "more" / "two.yaml", GOOD)
    result = hotline(env, "flows", "test", str(one), str(tmp_path / "more"))
    assert result.exit_code == 0, result.output
    assert result.output.endswith("2 passed, 0 failed\n")


def test_flows_test_with_nothing_to_run_fails(env: dict[str, str], content: Path) -> None:
    result = hotline(env, "flows", "test")
    assert result.exit_code == 1
    assert result.output == (
        f"no transcript files (*.yaml) found in {content / 'tests' / 'transcripts'}\n"
    )


def test_flows_test_refuses_to_run_on_broken_flows(
    env: dict[str, str], content: Path, tmp_path: Path
) -> None:
    flow = content / "flows" / "main.yaml"
    flow.write_text(flow.read_text().replace("go: old_fact}", "go: nowhere}"))
    result = hotline(env, "flows", "test", str(write(tmp_path / "t.yaml", GOOD)))
    assert result.exit_code == 1
    assert "no node named 'nowhere'" in result.output
    assert result.output.endswith("The flows have errors (hotline flows check): no test can run.\n")
