"""The README documents every setting the code reads, and its two commands exist."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import SETTINGS

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in SETTINGS if f"| `{name}` |" not in readme]
    assert not missing, f"add to the README's configuration table: {missing}"


def test_the_two_commands_are_make_targets() -> None:
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test"):
        assert f"make {target}" in readme
        assert f"\n{target}: " in makefile


def test_every_file_the_readme_names_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    named = set(re.findall(r"\bbot/[\w/]*(?:\.py|/)", readme))
    assert "bot/turn/effects.py" in named  # the map is read, not skipped
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"the README names files that do not exist: {missing}"
