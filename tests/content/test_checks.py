"""`hotline flows check` names the file, line and reason of each new kind of problem."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.content.files import placeholder_differences
from tests.conftest import FIXTURE, edit

ROOT = Path(__file__).resolve().parents[2]


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def check(root: Path) -> tuple[int, list[str]]:
    """What an organizer sees: the exit code and the printed lines."""
    result = CliRunner().invoke(main, ["flows", "check", str(root)])
    return result.exit_code, result.output.splitlines()


def check_with_english_words(content: Path, lists: str) -> tuple[int, list[str], Path]:
    """`flows check` with `lists` (YAML lines of word lists) added to the English locale."""
    locale = content / "locales" / "en.yaml"
    edit(locale, "  fact: [fact, facts]\n", "  fact: [fact, facts]\n" + lists)
    return *check(content), locale


def words_in_block_style(content: Path, lang: str, key: str, words: list[str]) -> Path:
    """Rewrite one word list of a locale as a block list, one word a line, so each has a line."""
    locale = content / "locales" / f"{lang}.yaml"
    lines = locale.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(f"  {key}: ["))
    lines[at : at + 1] = [f"  {key}:\n", *(f"    - {word}\n" for word in words)]
    locale.write_text("".join(lines), encoding="utf-8")
    return locale


def give_option_2_words(content: Path, en: str, es: str | None = None) -> None:
    """Option 2 of the fixture's menu gets the word list `where`."""
    edit(
        content / "flows" / "main.yaml",
        "{number: 2, go: where_topic",
        "{number: 2, words: where, go: where_topic",
    )
    edit(
        content / "locales" / "en.yaml",
        "  urgent: [fire, emergency]\n",
        f"  urgent: [fire, emergency]\n  where: {en}\n",
    )
    if es is not None:
        edit(
            content / "locales" / "es.yaml",
            "  urgent: [incendio]\n",
            f"  urgent: [incendio]\n  where: {es}\n",
        )


# --- keywords that collide within a node ------------------------------------------------------


def test_two_options_of_a_node_sharing_a_word_is_an_error(content: Path) -> None:
    give_option_2_words(content, "[where, facts]")
    line = line_of(content / "locales" / "en.yaml", "  where:")
    code, out = check(content)
    assert code == 1
    assert (
        f"locales/en.yaml:{line}: error: [where] 'facts' is also a word of fact: at [menu] "
        "option 1 takes it before option 2"
    ) in out


def test_a_shared_word_is_found_per_language_and_located_on_its_own_line(content: Path) -> None:
    give_option_2_words(content, "[where]", "[dónde, dato]")
    words_in_block_style(content, "es", "where", ["dónde", "Dato"])
    locale = content / "locales" / "es.yaml"
    code, out = check(content)
    assert code == 1
    assert [line for line in out if ": error: " in line] == [
        f"locales/es.yaml:{line_of(locale, '- Dato')}: error: [where] 'Dato' is also a word of "
        "fact: at [menu] option 1 takes it before option 2"
    ]


def test_a_translated_word_that_the_english_list_of_an_earlier_option_has(content: Path) -> None:
    # A Spanish speaker's words are matched in Spanish, then in English: "facts" goes to option 1.
    give_option_2_words(content, "[where]", "[dónde, facts]")
    line = line_of(content / "locales" / "es.yaml", "  where:")
    code, out = check(content)
    assert code == 1
    assert (
        f"locales/es.yaml:{line}: error: [where] 'facts' is also a word of fact in "
        "locales/en.yaml: at [menu] option 1 takes it before option 2"
    ) in out


def test_a_phrase_containing_an_earlier_options_word_is_a_warning(content: Path) -> None:
    give_option_2_words(content, "[where, fact sheet]")
    line = line_of(content / "locales" / "en.yaml", "  where:")
    code, out = check(content)
    assert code == 0
    assert (
        f"locales/en.yaml:{line}: warning: [where] 'fact sheet' contains 'fact', a word of "
        "fact: at [menu] option 1 takes it before option 2"
    ) in out


def test_two_options_with_the_same_word_list(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "{number: 2, go: where_topic", "{number: 2, words: fact, go: where_topic")
    code, out = check(content)
    assert code == 1
    assert (
        f"flows/main.yaml:{line_of(flow, '{number: 2')}: error: [menu] options 1 and 2 both "
        "use the word list 'fact': the second never matches by word"
    ) in out


def test_an_option_word_a_trigger_takes_elsewhere_is_a_warning(content: Path) -> None:
    # Triggers are tried before option words, in every language.
    locale = words_in_block_style(content, "es", "fact", ["dato", "fire drill"])
    code, out = check(content)
    assert code == 0
    assert (
        f"locales/es.yaml:{line_of(locale, '- fire drill')}: warning: [fact] 'fire drill' "
        "contains 'fire', a word of the trigger urgent in locales/en.yaml: at [menu] it goes "
        "to alarm, not to option 1"
    ) in out


def test_a_topic_phrase_an_earlier_urgent_list_holds_is_a_warning(content: Path) -> None:
    # The topic list comes after the urgent one: "fire drill at school" can never reach it.
    edit(
        content / "flows" / "main.yaml",
        "  - words: urgent\n    go: alarm\n",
        "  - words: urgent\n    go: alarm\n  - words: fact\n    go: fact\n",
    )
    locale = words_in_block_style(content, "en", "fact", ["fact", "fire drill"])
    code, out = check(content)
    assert code == 0
    assert (
        f"locales/en.yaml:{line_of(locale, '- fire drill')}: warning: [fact] 'fire drill' "
        "contains 'fire', a word of urgent: a text with it opens an urgent case (alarm), "
        "never fact"
    ) in out


def test_an_urgent_phrase_an_earlier_topic_list_holds_is_a_warning(content: Path) -> None:
    edit(
        content / "flows" / "main.yaml",
        "  - words: urgent\n    go: alarm\n",
        "  - words: fact\n    go: fact\n  - words: urgent\n    go: alarm\n",
    )
    edit(content / "locales" / "en.yaml", "urgent: [fire, emergency]", "urgent: [fire, facts]")
    line = line_of(content / "locales" / "en.yaml", "urgent: [fire, facts]")
    code, out = check(content)
    assert (
        f"locales/en.yaml:{line}: warning: [urgent] 'facts' is also a word of fact: a text "
        "with it reaches fact and opens no case"
    ) in out
    # The shipped flows have no such collision.
    assert not [line for line in check(ROOT)[1] if "a text with it" in line]


# --- keywords that are global commands ----------------------------------------------------------


def test_an_option_word_that_is_a_command_of_its_language(content: Path) -> None:
    locale = words_in_block_style(content, "en", "fact", ["fact", "facts", "Menu"])
    code, out = check(content)
    assert code == 1
    assert [line for line in out if ": error: " in line] == [
        f"locales/en.yaml:{line_of(locale, '- Menu')}: error: [fact] 'Menu' is also the command "
        "MENU in locales/en.yaml: a message of just this word runs MENU, remove it from fact"
    ]


def test_a_translated_word_that_is_a_spanish_or_english_command(content: Path) -> None:
    locale = words_in_block_style(content, "es", "fact", ["dato", "menú", "help"])
    code, out = check(content)
    assert code == 1
    assert [line for line in out if ": error: " in line] == [
        f"locales/es.yaml:{line_of(locale, '- menú')}: error: [fact] 'menú' is also the command "
        "MENU in locales/es.yaml: a message of just this word runs MENU, remove it from fact",
        f"locales/es.yaml:{line_of(locale, '- help')}: error: [fact] 'help' is also the command "
        "HELP in locales/en.yaml: a message of just this word runs HELP, remove it from fact",
    ]


def test_a_command_of_another_language_is_a_warning(content: Path) -> None:
    locale = words_in_block_style(content, "en", "fact", ["fact", "borrar"])
    code, out = check(content)
    assert code == 0
    assert (
        f"locales/en.yaml:{line_of(locale, '- borrar')}: warning: [fact] 'borrar' is also "
        "the command DELETE in locales/es.yaml: a message of just this word runs DELETE, in "
        "every language"
    ) in out


def test_trigger_words_are_checked_against_commands_too(content: Path) -> None:
    edit(content / "locales" / "en.yaml", "urgent: [fire, emergency]", "urgent: [fire, help]")
    line = line_of(content / "locales" / "en.yaml", "urgent: [fire, help]")
    code, out = check(content)
    assert code == 1
    assert (
        f"locales/en.yaml:{line}: error: [urgent] 'help' is also the command HELP in "
        "locales/en.yaml: a message of just this word runs HELP, remove it from urgent"
    ) in out


def test_zero_is_the_menu_shortcut(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "{number: 4, go: old_fact}", "{number: 0, go: old_fact}")
    edit(content / "locales" / "en.yaml", "fact: [fact, facts]", "fact: [fact, '0']")
    code, out = check(content)
    assert code == 1
    assert (
        f"flows/main.yaml:{line_of(flow, 'number: 0')}: error: [menu] option number 0 is "
        "the menu shortcut: use 1 to 99"
    ) in out
    assert (
        f"locales/en.yaml:{line_of(content / 'locales' / 'en.yaml', 'fact: [')}: error: "
        "[fact] '0' always opens the menu (0 is the menu shortcut): remove this word"
    ) in out


# --- SMS segments ------------------------------------------------------------------------------


def test_a_long_ucs2_text_is_a_warning_with_segments_encoding_and_length(content: Path) -> None:
    text = ("Llame al número. " * 23).strip()  # ó makes it UCS-2: 67 characters a segment
    assert len(text) == 390
    locale = content / "locales" / "es.yaml"
    edit(locale, '  welcome: "Bienvenida."', f'  welcome: "{text}"')
    code, out = check(content)
    assert code == 0
    assert (
        f"locales/es.yaml:{line_of(locale, 'welcome:')}: warning: [welcome] 6 segments "
        "(UCS-2, 390 chars) over the budget of 4: the person must reply MORE"
    ) in out


def test_segments_are_counted_on_the_text_as_sent_with_numbers_filled_in(content: Path) -> None:
    locale = content / "locales" / "en.yaml"
    # 604 + len("{hotline_phone}") = 619 characters in the file, 612 as sent: 4 GSM-7 segments.
    edit(
        locale, '  fact: "A fact. Call {hotline_phone}."', f'  fact: "{"a" * 604}{{hotline_phone}}"'
    )
    assert not [line for line in check(content)[1] if "segments" in line]
    edit(locale, '"a', '"aa')
    line = line_of(locale, '  fact: "aa')
    assert (
        f"locales/en.yaml:{line}: warning: [fact] 5 segments (GSM-7, "
        "613 chars) over the budget of 4: the person must reply MORE"
    ) in check(content)[1]


# --- placeholders --------------------------------------------------------------------------------


def test_a_placeholder_missing_from_a_translation_is_named(content: Path) -> None:
    locale = content / "locales" / "es.yaml"
    edit(locale, '  menu: "1 dato', '  fact: "Un dato. Llame."\n  menu: "1 dato')
    line = line_of(locale, '  fact: "Un')
    code, out = check(content)
    assert code == 1
    assert [line for line in out if ": error: " in line] == [
        f"locales/es.yaml:{line}: error: [fact] placeholder {{hotline_phone}} is missing from "
        "the translation"
    ]


def test_a_placeholder_the_english_text_lacks_is_named(content: Path) -> None:
    locale = content / "locales" / "es.yaml"
    edit(locale, '  welcome: "Bienvenida."', '  welcome: "Bienvenida: {hotline_phone}."')
    code, out = check(content)
    assert code == 1
    assert (
        f"locales/es.yaml:{line_of(locale, 'welcome:')}: error: [welcome] placeholder "
        "{hotline_phone} is not in the English text"
    ) in out


def test_placeholder_differences_lists_each_once() -> None:
    assert placeholder_differences("Call {a} or {b}, {a}.", "Llame {b} {c} {c}") == [
        "placeholder {a} is missing from the translation",
        "placeholder {c} is not in the English text",
    ]
    assert placeholder_differences("{a} {b}", "{b} {a}") == []


# --- urgent nodes --------------------------------------------------------------------------------


def test_an_urgent_node_that_opens_no_case_is_a_warning(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "    escalate: {topic: alarm, urgency: urgent}\n", "")
    code, out = check(content)
    assert code == 0
    assert (
        f"flows/main.yaml:{line_of(flow, 'urgent: true')}: warning: [alarm] is urgent but "
        "opens no case: add `escalate:` so staff hear of it"
    ) in out


# --- --json and the shipped content ----------------------------------------------------------


def test_json_lists_errors_and_warnings_with_file_line_severity_reason(content: Path) -> None:
    flow = content / "flows" / "main.yaml"
    edit(flow, "    escalate: {topic: alarm, urgency: urgent}\n", "")
    edit(flow, "go: old_fact}", "go: nowhere}")
    result = CliRunner().invoke(main, ["flows", "check", "--json", str(content)])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["ok"] is False
    assert report["errors"] == [
        {
            "file": "flows/main.yaml",
            "line": line_of(flow, "nowhere"),
            "severity": "error",
            "reason": "[menu] option go: no node named 'nowhere'",
        }
    ]
    assert {
        "file": "flows/main.yaml",
        "line": line_of(flow, "urgent: true"),
        "severity": "warning",
        "reason": "[alarm] is urgent but opens no case: add `escalate:` so staff hear of it",
    } in report["warnings"]


def test_json_on_good_files_is_ok() -> None:
    result = CliRunner().invoke(main, ["flows", "check", "--json", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True and report["errors"] == []
    assert all(set(w) == {"file", "line", "severity", "reason"} for w in report["warnings"])


def test_the_unchanged_fixture_has_none_of_the_new_problems() -> None:
    code, out = check(FIXTURE)
    assert code == 0
    assert not [line for line in out if "segments" in line or "also" in line or "urgent" in line]


def test_the_shipped_flows_pass() -> None:
    result = CliRunner().invoke(main, ["flows", "check", "--json", str(ROOT)])
    report = json.loads(result.output)
    assert report["errors"] == [] and report["ok"] is True
    assert result.exit_code == 0


def test_urgent_guidance_over_the_budget_is_an_error(content: Path) -> None:
    locale = content / "locales" / "en.yaml"
    long = "Stay calm and call now. " * 30  # 720 GSM-7 characters: 5 segments
    edit(locale, '  alarm: "Alarm guidance."', f'  alarm: "{long.strip()}"')
    line = next(i for i, t in enumerate(locale.read_text().splitlines(), 1) if "  alarm:" in t)
    result = CliRunner().invoke(main, ["flows", "check", str(content)])
    assert result.exit_code == 1
    assert (
        f"locales/en.yaml:{line}: error: [alarm] 5 segments (GSM-7, 719 chars) over the "
        "budget of 4: urgent guidance must fit one SMS page; shorten it"
    ) in result.output


def test_first_urgent_message_must_fit_with_the_more_hint(content: Path) -> None:
    locale = content / "locales" / "en.yaml"
    text = ("Stay calm. " * 55).strip()  # 604 characters: fits 4 segments, not with the hint
    edit(locale, '  alarm: "Alarm guidance."', f'  alarm: "{text}"')
    result = CliRunner().invoke(main, ["flows", "check", str(content)])
    assert result.exit_code == 1
    assert (
        "[alarm] 4 segments (GSM-7, 604 chars): with the MORE hint over the budget of 4, "
        "so it would not arrive whole in the first SMS; shorten it" in result.output
    )


def test_a_past_phrase_holding_a_now_phrase_is_a_warning(content: Path) -> None:
    # French "il y a" is "there is" and also "ago": as a "now" word it made every "il y a
    # trois semaines" read as happening now.
    code, out, locale = check_with_english_words(
        content, "  cue.now: [right now, there is]\n  cue.past: [years ago, there is a year]\n"
    )
    assert code == 0
    assert (
        f"locales/en.yaml:{line_of(locale, 'cue.past')}: warning: [cue.past] 'there is a year' "
        "contains 'there is', a word of cue.now: a text with it reads as happening now"
    ) in out
    assert not any("'years ago'" in line for line in out)


def test_a_phrase_that_is_only_a_number_is_an_error(content: Path) -> None:
    # "#" stands for any number: alone, every text with a number would match.
    code, out, locale = check_with_english_words(
        content, '  cue.past: [years ago, "# weeks ago", "#"]\n'
    )
    assert code != 0
    assert (
        f"locales/en.yaml:{line_of(locale, 'cue.past')}: error: [cue.past] '#' matches every "
        'number: write the words around # too ("hace # semanas")'
    ) in out
    assert not any("'# weeks ago'" in line for line in out)
