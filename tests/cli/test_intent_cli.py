"""`hotline flows try`: first texts in bulk through the webhook's path, without Redis."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from tests.conftest import ROOT

ROWS = [
    ("lang", "urgent", "topic", "style", "text"),
    ("en", "yes", "door", "clean", "ICE is at my door right now"),
    ("es", "no", "menu", "clean", "hola"),
    ("en", "no", "lawyer", "clean", "I need a lawyer"),
]


def _tsv(tmp_path: Path) -> Path:
    path = tmp_path / "first.tsv"
    path.write_text("\n".join("\t".join(row) for row in ROWS) + "\n", encoding="utf-8")
    return path


def test_try_prints_one_object_per_row_then_a_summary(tmp_path: Path) -> None:
    env = {"HOTLINE_CONTENT_DIR": str(ROOT), "REDIS_URL": "redis://127.0.0.1:1/0"}
    result = CliRunner().invoke(main, ["flows", "try", str(_tsv(tmp_path)), "--json"], env=env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    door, hola, lawyer, last = lines
    assert door["case_opened"] and door["node"] == "door" and door["layer"] == "trigger"
    assert door["language"] == "en" and door["urgency"] == "urgent"
    assert "case_opened" in [e["type"] for e in door["events"]]
    assert hola["language"] == "es" and hola["node"] == "menu" and not hola["case_opened"]
    # A topic answer that ends at once still names the node it reached.
    assert lawyer["node"] == "lawyer" and lawyer["language"] == "en"
    summary = last["summary"]
    assert summary["overall"]["urgent_recall"] == 100.0
    assert summary["overall"]["topic"] == 100.0
    assert summary["lang:es"]["rows"] == 1 and "style:clean" in summary


def test_try_without_a_text_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("lang\tmessage\nen\thi\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["flows", "try", str(path)], env={"HOTLINE_CONTENT_DIR": str(ROOT)}
    )
    assert result.exit_code != 0
    assert "text" in result.output


def test_a_romanized_text_is_read_in_english_with_the_offer_whatever_its_style() -> None:
    from bot.cli.intent import language_right

    hotline = ["en", "es", "ur"]
    base = {"lang": "ur", "style": "caps", "keys": ["door.now", "lang.offer"]}
    romanized = dict(base, text="ICE DARWAZE PE HAI", language="en")
    assert language_right(romanized, hotline)
    assert not language_right(dict(romanized, keys=["door.now"]), hotline)  # no offer
    native = dict(base, text="ICE دروازے پر ہے", language="en")
    assert not language_right(native, hotline)  # Urdu script answered in English
    assert language_right(dict(native, language="ur"), hotline)
    unsupported = {"lang": "pt", "style": "unsupported", "keys": [], "text": "oi"}
    assert language_right(dict(unsupported, language=None), hotline)
    assert not language_right(dict(unsupported, language="es"), hotline)
