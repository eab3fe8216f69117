"""Every command in docs/organizers.md runs, in order, against a copy of the test content."""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from click.testing import CliRunner

from bot.cli import main
from tests.conftest import FIXTURE

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDE = DOCS / "organizers.md"
# A ```console block runs each `$ hotline ...` line; `you> ` lines under one are what is typed
# into it; an <!-- exit N --> line right above the block says each command exits with N.
BLOCK = re.compile(r"(?:<!-- exit (\d+) -->\n)?```console\n(.*?)```", re.DOTALL)


@dataclass(frozen=True)
class Command:
    line: str
    typed: str
    exit_code: int


def commands(markdown: str) -> list[Command]:
    found: list[Command] = []
    for match in BLOCK.finditer(markdown):
        exit_code = int(match[1] or 0)
        for line in match[2].splitlines():
            if line.startswith("$ "):
                found.append(Command(line[2:], "", exit_code))
            elif line.startswith("you> ") and found:
                last = found[-1]
                found[-1] = Command(last.line, last.typed + line[5:] + "\n", last.exit_code)
    return found


def needs_graphviz(command: Command) -> bool:
    return command.line.startswith("hotline flows graph") and (
        "svg" in command.line or "png" in command.line
    )


def test_the_guide_has_commands_and_each_is_the_hotline_command() -> None:
    found = commands(GUIDE.read_text(encoding="utf-8"))
    assert len(found) >= 15
    assert all(c.line.split()[0] == "hotline" for c in found)
    lines = " | ".join(c.line for c in found)
    for command in (
        "flows check",
        "flows check --json",
        "flows graph",
        "flows test",
        "flows try",
        "chat --save-transcript",
        "translations export",
        "translations import",
        "translations status",
    ):
        assert f"hotline {command}" in lines, f"the guide shows no `hotline {command}`"
    assert any(c.exit_code == 1 for c in found)  # the marker is read


def test_every_command_in_the_guide_runs(
    config: dict[str, Any], r: redis.Redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    monkeypatch.chdir(content)
    env = {**{k: str(v) for k, v in config.items()}, "HOTLINE_CONTENT_DIR": str(content)}
    ran = 0
    for command in commands(GUIDE.read_text(encoding="utf-8")):
        if needs_graphviz(command) and shutil.which("dot") is None:
            continue  # CI installs Graphviz; test_graph.py says so when it is missing
        args = shlex.split(command.line)[1:]
        result = CliRunner().invoke(main, args, input=command.typed or None, env=env)
        assert result.exit_code == command.exit_code, (
            f"`{command.line}` exited with {result.exit_code}, the guide says "
            f"{command.exit_code}:\n{result.output}"
        )
        ran += 1
    assert ran >= 12
    saved = content / "tests" / "transcripts" / "menu" / "hi_then_1_answers_the_first_topic.yaml"
    assert saved.is_file()  # the chat example saved its test, and the next command ran it


def test_yaml_examples_in_the_guide_are_valid_yaml() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) >= 5
    for block in blocks:
        assert isinstance(yaml.safe_load(block), dict), block


def test_the_guide_shows_the_flow_picture() -> None:
    assert "](flow.svg)" in GUIDE.read_text(encoding="utf-8")
    assert (DOCS / "flow.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "<svg" in (DOCS / "flow.svg").read_text(encoding="utf-8")
    assert (DOCS / "flow.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
