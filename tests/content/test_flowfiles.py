"""Broken flow and locale files are refused with file, line and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.content.bundle import check, load
from bot.content.yamlfile import FlowError
from tests.conftest import FIXTURE, edit

ROOT = Path(__file__).resolve().parents[2]


def errors(root: Path) -> list[str]:
    bundle, problems = check(root)
    assert bundle is None
    return [str(p) for p in problems if p.severity == "error"]


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_shipped_and_fixture_content_load() -> None:
    assert load(FIXTURE).start == "welcome"
    assert load(ROOT).start


def test_yaml_syntax_error_names_file_and_line(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "    say: nyc\n", "    say: [nyc\n")
    [error] = errors(content)
    assert error.startswith("flows/main.yaml:")
    assert "YAML syntax" in error


def test_a_list_as_a_key_is_refused_with_its_line(content: Path) -> None:
    """Session 34, found by the fuzz test: a YAML complex key ("? [a, b]") crashed the loader
    with a TypeError instead of naming file and line."""
    flow = content / "flows" / "main.yaml"
    edit(flow, "  long:\n", "  ? [alarm, fact]\n  : x\n  long:\n")
    line = line_of(flow, "? [alarm, fact]")
    [error] = errors(content)
    assert error.startswith(f"flows/main.yaml:{line}: error: YAML syntax: a key must be a word")


def test_go_to_a_missing_node(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "go: old_fact}", "go: no_such_node}")
    line = line_of(flow, "no_such_node")
    assert errors(content) == [
        f"flows/main.yaml:{line}: error: [menu] option go: no node named 'no_such_node'"
    ]


def test_unknown_field_is_located(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "    say: alarm\n", "    say: alarm\n    sya: typo\n")
    line = line_of(flow, "sya: typo")
    [error] = errors(content)
    assert error == (
        f"flows/main.yaml:{line}: error: nodes.alarm.sya: Extra inputs are not permitted"
    )


def test_duplicate_node_id_is_an_error_not_a_silent_override(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "  long:\n", "  fact:\n    say: fact\n    end: true\n  long:\n")
    second = [i for i, t in enumerate(flow.read_text().splitlines(), 1) if t == "  fact:"][1]
    assert f"flows/main.yaml:{second}: error: duplicate key 'fact'" in errors(content)[0]


def test_unknown_message_key(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "    say: state\n", "    say: stat\n")
    line = line_of(flow, "say: stat")
    assert errors(content) == [
        f"flows/main.yaml:{line}: error: [state_answer] message key 'stat' is not in "
        "locales/en.yaml"
    ]


def test_dead_end(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "    say: nyc\n    end: true\n", "    say: nyc\n")
    line = line_of(flow, "  nyc_answer:")
    assert errors(content) == [
        f"flows/main.yaml:{line}: error: [nyc_answer] dead end: give it "
        "options, a `go:`, a `switch:` or `end: true`"
    ]


def test_unknown_placeholder_in_a_translation(content: Path) -> None:
    locale = content / "locales" / "es.yaml"
    edit(locale, '  welcome: "Bienvenida."', '  welcome: "Bienvenida {nadie}."')
    line = line_of(locale, "Bienvenida")
    assert (
        f"locales/es.yaml:{line}: error: [welcome] placeholder {{nadie}} is not in "
        "flows/directory.yaml" in errors(content)
    )


def test_sources_without_review_date_mean_not_reviewed_yet(content: Path) -> None:
    """No `last_reviewed:` is the honest mark of a fact no person has reviewed: the files load,
    the check warns, and the bot adds the review.none note after that node's facts."""
    flow = content / "flows" / "main.yaml"
    edit(flow, "    last_reviewed: 2026-11-01\n", "")
    bundle, problems = check(content)
    assert bundle is not None and bundle.unreviewed == {"fact"}
    assert any(
        p.severity == "warning" and "no last_reviewed date" in p.reason and "fact" in p.reason
        for p in problems
    )


def test_locale_file_name_must_match_its_language(content: Path) -> None:
    (content / "locales" / "es.yaml").rename(content / "locales" / "fr.yaml")
    assert errors(content) == [
        "locales/fr.yaml:1: error: language 'es' does not match the file name (expected 'fr')"
    ]


def test_flow_error_lists_every_problem(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "go: old_fact}", "go: nowhere}")
    edit(flow, "    say: state\n", "    say: stat\n")
    with pytest.raises(FlowError) as info:
        load(content)
    assert len(info.value.problems) == 2


def test_cli_check_exits_1_with_file_and_line(content: Path) -> None:
    edit(content / "flows" / "main.yaml", "go: old_fact}", "go: nowhere}")
    result = CliRunner().invoke(main, ["flows", "check", str(content)])
    assert result.exit_code == 1
    assert "flows/main.yaml:" in result.output and "no node named 'nowhere'" in result.output


def test_cli_check_passes_on_good_files() -> None:
    result = CliRunner().invoke(main, ["flows", "check", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    assert "OK:" in result.output
