"""Translators' files: PO and CSV export, import that refuses broken placeholders, status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.cli import main
from bot.content.bundle import check
from bot.content.translations import (
    Entry,
    TranslationError,
    fingerprint,
    read_csv,
    read_po,
    write_csv,
    write_po,
)
from bot.engine.sms import encoding

ROOT = Path(__file__).resolve().parents[2]


def hotline(content: Path, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env={"HOTLINE_CONTENT_DIR": str(content)})


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def spanish(content: Path) -> dict[str, Any]:
    return yaml.safe_load((content / "locales" / "es.yaml").read_text(encoding="utf-8"))


def message_keys(content: Path, lang: str) -> list[str]:
    data = yaml.safe_load((content / "locales" / f"{lang}.yaml").read_text(encoding="utf-8"))
    return list(data["messages"])


# --- the PO format ---------------------------------------------------------------------------

TRICKY = Entry(
    "k.tricky",
    'Say "no".\nA back\\slash,\ta tab. {ona_phone}',
    'Diga "no".\nUna barra\\invertida,\tun tab. {ona_phone}',
    False,
)


def test_po_quotes_escapes_and_splits_lines() -> None:
    text = write_po([TRICKY], "es", "Español")
    assert (
        f"#. keep: {{ona_phone}}\n#. base: {fingerprint(TRICKY.translation)}\n"
        '#, fuzzy\nmsgctxt "k.tricky"\nmsgid ""\n"Say \\"no\\".\\n"\n'
        '"A back\\\\slash,\\ta tab. {ona_phone}"\nmsgstr ""\n"Diga \\"no\\".\\n"\n'
        '"Una barra\\\\invertida,\\tun tab. {ona_phone}"\n'
    ) in text
    assert '"Language: es\\n"' in text


def test_po_round_trip_keeps_every_character() -> None:
    long = "Palabra " * 40 + "fin."  # wrapped over several lines, joined back without a gap
    items = [
        TRICKY,
        Entry("a", "One.", "Uno.", True),
        Entry("b", "Two.", "", False),
        Entry("c", long, long.upper(), True),
        Entry("d", "ends in a newline\n", "fin\n", True),
    ]
    lang, back = read_po(write_po(items, "es", "Español"), "es.po")
    assert lang == "es"
    assert [(e.key, e.english, e.translation) for e in back] == [
        (e.key, e.english, e.translation) for e in items
    ]
    assert [e.reviewed for e in back if e.translation] == [False, True, True, True]
    assert all(len(line) <= 80 for line in write_po(items, "es", "E").splitlines())


def test_po_reader_names_the_line_of_a_mistake() -> None:
    good = 'msgctxt "a"\nmsgid "One."\nmsgstr "Uno."\n\n'
    with pytest.raises(TranslationError) as bad_escape:
        read_po(good + 'msgctxt "b"\nmsgid "Two."\nmsgstr "Dos\\q"\n', "es.po")
    assert bad_escape.value.problems == ['es.po:7: unknown escape \\q (use \\n, \\t, \\", \\\\)']
    with pytest.raises(TranslationError) as unquoted:
        read_po(good + 'msgctxt "b"\nmsgid "Two."\nmsgstr Dos\n', "es.po")
    assert unquoted.value.problems == ["es.po:7: not PO syntax: 'msgstr Dos'"]
    with pytest.raises(TranslationError) as inner_quote:
        read_po('msgctxt "a"\nmsgid "One."\nmsgstr "Di "no""\n', "es.po")
    assert inner_quote.value.problems == ['es.po:3: a " inside a text must be written \\"']


def test_po_entries_without_blank_lines_and_with_editor_comments() -> None:
    text = (
        '# translator comment\n#: somewhere\n#, fuzzy, python-format\nmsgctxt "a"\n'
        'msgid "One."\nmsgstr "Uno."\nmsgctxt "b"\nmsgid "Two."\nmsgstr "Dos."\n'
        '#~ msgctxt "old"\n#~ msgid "Old."\n#~ msgstr "Viejo."\n'
    )
    lang, items = read_po(text, "x.po")
    assert lang is None
    assert [(e.key, e.translation, e.reviewed, e.line) for e in items] == [
        ("a", "Uno.", False, 4),
        ("b", "Dos.", True, 7),
    ]


# --- the CSV format --------------------------------------------------------------------------


def test_csv_round_trip_with_commas_quotes_and_newlines() -> None:
    items = [TRICKY, Entry("a", "One, two.", "Uno, dos.", True)]
    back = read_csv("\ufeff" + write_csv(items), "es.csv")  # a spreadsheet's byte-order mark
    assert [(e.key, e.english, e.translation, e.reviewed) for e in back] == [
        (e.key, e.english, e.translation, e.reviewed) for e in items
    ]


def test_csv_reader_names_the_row_of_a_mistake() -> None:
    with pytest.raises(TranslationError) as header:
        read_csv("id,en,es\n", "es.csv")
    assert header.value.problems == [
        "es.csv:1: the first row must be key,english,translation,reviewed"
    ]
    with pytest.raises(TranslationError) as flag:
        read_csv("key,english,translation,reviewed\na,One.,Uno.,maybe\n", "es.csv")
    assert flag.value.problems == ["es.csv:2: [a] reviewed must be yes or no, not 'maybe'"]


# --- export ----------------------------------------------------------------------------------


def test_export_po_has_every_english_key_with_translation_and_review_mark(content: Path) -> None:
    result = hotline(content, "translations", "export", "es")
    assert result.exit_code == 0, result.output
    po = result.output
    assert '#, fuzzy\nmsgctxt "welcome"\nmsgid "Welcome."\nmsgstr "Bienvenida."\n' in po
    assert (
        '#. keep: {hotline_phone}\nmsgctxt "fact"\nmsgid "A fact. Call {hotline_phone}."\n'
        'msgstr ""\n'
    ) in po
    english = yaml.safe_load((content / "locales" / "en.yaml").read_text())["messages"]
    assert [e.key for e in read_po(po, "es.po")[1]] == list(english)


def test_export_csv_to_a_file_and_every_language_to_a_folder(content: Path) -> None:
    result = hotline(
        content, "translations", "export", "--format", "csv", "es", "-o", str(content / "es.csv")
    )
    assert result.exit_code == 0, result.output
    english, translated = message_keys(content, "en"), message_keys(content, "es")
    assert result.output == (
        f"Wrote {content / 'es.csv'}: {len(english)} texts, {len(translated)} translated.\n"
    )
    rows = (content / "es.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[:2] == [
        "key,english,translation,reviewed,base",
        f"welcome,Welcome.,Bienvenida.,no,{fingerprint('Bienvenida.')}",
    ]
    folder = hotline(content, "translations", "export", "-o", str(content / "out"))
    assert folder.exit_code == 0, folder.output
    assert sorted(p.name for p in (content / "out").iterdir()) == ["es.po"]
    assert hotline(content, "translations", "export").exit_code == 2  # which language?


def test_export_of_an_unknown_language_says_how_to_add_one(content: Path) -> None:
    result = hotline(content, "translations", "export", "fr")
    assert result.exit_code == 1
    assert result.output == (
        "no locales/fr.yaml (languages here: en, es); to add a language, "
        "copy locales/en.yaml to locales/fr.yaml first\n"
    )


# --- import: the acceptance case ---------------------------------------------------------------


def test_a_po_with_one_good_change_and_one_broken_placeholder(content: Path) -> None:
    """The whole file is refused, naming the bad key; without it, the good change goes in."""
    po = content / "es.po"
    assert hotline(content, "translations", "export", "es", "-o", str(po)).exit_code == 0
    replace(po, 'msgstr "Bienvenida."', 'msgstr "¡Bienvenidos!"')
    replace(
        po,
        'msgid "A fact. Call {hotline_phone}."\nmsgstr ""',
        'msgid "A fact. Call {hotline_phone}."\nmsgstr "Un dato. Llame."',
    )
    locale = content / "locales" / "es.yaml"
    before = locale.read_bytes()

    refused = hotline(content, "translations", "import", str(po))
    assert refused.exit_code == 1
    assert refused.output == (
        "[fact] placeholder {hotline_phone} is missing from the "
        "translation\nNothing was written: fix es.po and import it again.\n"
    )
    assert locale.read_bytes() == before

    replace(po, 'msgstr "Un dato. Llame."', 'msgstr ""')  # the translator takes it out
    applied = hotline(content, "translations", "import", str(po))
    assert applied.exit_code == 0, applied.output
    assert applied.output == (
        f"  [welcome] not reviewed\nUpdated 1 text(s) in {locale}. Now run: hotline flows check\n"
    )
    assert spanish(content)["messages"]["welcome"] == "¡Bienvenidos!"
    assert locale.read_text(encoding="utf-8") == before.decode().replace(
        '  welcome: "Bienvenida."', '  welcome: "¡Bienvenidos!"'
    )
    assert check(content)[0] is not None


def test_import_lists_every_bad_key(content: Path) -> None:
    po = content / "es.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: es\\n"\n\n'
        'msgctxt "fact"\nmsgid "A fact. Call {hotline_phone}."\nmsgstr "Llame {tel}."\n\n'
        'msgctxt "nope"\nmsgid "x"\nmsgstr "y"\n\n'
        'msgctxt "welcome"\nmsgid "Welcome."\nmsgstr "Hola {hotline_phone."\n\n'
        'msgctxt "nyc"\nmsgid "NYC answer."\nmsgstr "Uno."\n\n'
        'msgctxt "nyc"\nmsgid "NYC answer."\nmsgstr "Dos."\n',
        encoding="utf-8",
    )
    result = hotline(content, "translations", "import", str(po))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "[fact] placeholder {hotline_phone} is missing from the translation",
        "[fact] placeholder {tel} is not in the English text",
        "[nope] is not a message key in locales/en.yaml",
        "[welcome] has a { or } outside a {placeholder}: check its spelling",
        "[nyc] is in the file twice (lines 16 and 20)",
        "Nothing was written: fix es.po and import it again.",
    ]


def test_import_writes_new_keys_in_english_order_and_reviewed_marks(content: Path) -> None:
    csv_file = content / "es.csv"
    csv_file.write_text(
        "key,english,translation,reviewed\n"
        "nyc,NYC answer.,Respuesta de NYC.,yes\n"
        'fact,"A fact. Call {hotline_phone}.","Un dato.\nLlame al '
        '{hotline_phone}.",no\n',
        encoding="utf-8",
    )
    result = hotline(content, "translations", "import", str(csv_file))
    assert result.exit_code == 0, result.output
    text = (content / "locales" / "es.yaml").read_text(encoding="utf-8")
    assert (
        '  menu: "1 dato 2 dónde 3 largo"\n  fact: |-\n    Un dato.\n    Llame al '
        '{hotline_phone}.\n  nyc:\n    text: "Respuesta de NYC."\n    reviewed: true\n'
        '  not_understood: "No entendí."\n'
    ) in text
    assert check(content)[0] is not None


def test_a_long_text_is_written_folded_and_comments_elsewhere_stay(content: Path) -> None:
    locale = content / "locales" / "es.yaml"
    replace(locale, "messages:\n", "# Spanish texts.\nmessages:\n  # the first text\n")
    long = "Una frase bastante larga para que la línea pase del ancho. " * 4
    csv_file = content / "es.csv"
    csv_file.write_text(
        f"key,english,translation,reviewed\nwelcome,Welcome.,{long.strip()},no\n", encoding="utf-8"
    )
    assert hotline(content, "translations", "import", str(csv_file)).exit_code == 0
    text = locale.read_text(encoding="utf-8")
    assert "# Spanish texts.\nmessages:\n  # the first text\n  welcome: >-\n    Una frase" in text
    assert all(len(line) <= 92 for line in text.splitlines())
    assert spanish(content)["messages"]["welcome"] == long.strip()


def test_an_export_imported_unchanged_changes_nothing(content: Path) -> None:
    po = content / "es.po"
    hotline(content, "translations", "export", "es", "-o", str(po))
    before = (content / "locales" / "es.yaml").read_bytes()
    result = hotline(content, "translations", "import", str(po))
    assert result.exit_code == 0
    assert result.output == "locales/es.yaml already has every text in es.po: nothing to do.\n"
    assert (content / "locales" / "es.yaml").read_bytes() == before


def test_a_text_whose_english_changed_since_the_export_is_not_reviewed(content: Path) -> None:
    po = content / "es.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: es\\n"\n\nmsgctxt "nyc"\nmsgid "Old English."\n'
        'msgstr "Respuesta."\n',
        encoding="utf-8",
    )
    result = hotline(content, "translations", "import", str(po))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "[nyc] the English text changed since the export: marked as "
        "not reviewed\n  [nyc] not reviewed\n"
    )
    assert spanish(content)["messages"]["nyc"] == "Respuesta."


# --- review marks and stale files (issue 14) ---------------------------------------------------


def test_export_marks_unreviewed_texts_fuzzy_and_an_import_that_clears_it_records_the_reviewer(
    content: Path,
) -> None:
    po = content / "es.po"
    assert hotline(content, "translations", "export", "es", "-o", str(po)).exit_code == 0
    text = po.read_text(encoding="utf-8")
    base = fingerprint("Bienvenida.")
    assert f'#. base: {base}\n#, fuzzy\nmsgctxt "welcome"\nmsgid "Welcome."\n' in text
    replace(po, f"#. base: {base}\n#, fuzzy\n", f"#. base: {base}\n")  # the reviewer's OK
    result = hotline(content, "translations", "import", str(po), "--reviewer", "Ana R.")
    assert result.exit_code == 0, result.output
    assert "  [welcome] reviewed by Ana R. on " in result.output
    welcome = spanish(content)["messages"]["welcome"]
    assert welcome["text"] == "Bienvenida." and welcome["reviewed"] is True
    assert welcome["reviewed_by"] == "Ana R." and welcome["reviewed_on"]
    bundle, _ = check(content)
    assert bundle is not None and bundle.locales["es"].is_reviewed("welcome")


@pytest.mark.parametrize("fmt", ["po", "csv"])
def test_a_stale_file_cannot_put_an_older_text_back(content: Path, fmt: str) -> None:
    """Seen: a stale CSV silently undid a reviewed text. The key whose text changed after the
    export is refused with a reason; the file's other changes still go in."""
    exported = content / f"es.{fmt}"
    assert hotline(content, "translations", "export", "--format", fmt, "es", "-o", str(exported))
    # After the export, a reviewer corrects the welcome in the locale itself...
    replace(
        content / "locales" / "es.yaml",
        '  welcome: "Bienvenida."',
        '  welcome:\n    text: "¡Bienvenida!"\n    reviewed: true',
    )
    # ...and the old file comes back with its own edit of the welcome and a new text.
    if fmt == "po":
        replace(exported, 'msgstr "Bienvenida."', 'msgstr "Bienvenidos."')
        replace(
            exported,
            'msgid "Not understood."\nmsgstr "No entendí."',
            'msgid "Not understood."\nmsgstr "No le entendí."',
        )
    else:
        replace(exported, ",Bienvenida.,", ",Bienvenidos.,")
        replace(exported, ",No entendí.,", ",No le entendí.,")
    result = hotline(content, "translations", "import", str(exported))
    assert result.exit_code == 1
    assert (
        "[welcome] refused: locales/es.yaml has a newer text than this file (it changed after "
        "the export); importing would put the older text back."
    ) in result.output
    messages = spanish(content)["messages"]
    assert messages["welcome"] == {"text": "¡Bienvenida!", "reviewed": True}
    assert messages["not_understood"] == "No le entendí."


def test_import_refuses_english_unknown_languages_and_nameless_files(content: Path) -> None:
    po = content / "en.po"
    po.write_text('msgid ""\nmsgstr "Language: en\\n"\n', encoding="utf-8")
    assert hotline(content, "translations", "import", str(po)).output.startswith(
        "en is the source language: edit locales/en.yaml itself\n"
    )
    nameless = content / "texts.csv"
    nameless.write_text("key,english,translation,reviewed\n", encoding="utf-8")
    result = hotline(content, "translations", "import", str(nameless))
    assert result.exit_code == 1
    assert "which language is it? Add --lang CODE" in result.output
    assert hotline(content, "translations", "import", "--lang", "es", str(nameless)).exit_code == 0
    other = content / "de.po"
    other.write_text('msgid ""\nmsgstr "Language: de\\n"\n', encoding="utf-8")
    assert "no locales/de.yaml" in hotline(content, "translations", "import", str(other)).output


# --- status ------------------------------------------------------------------------------------


def test_status_per_language(content: Path) -> None:
    replace(
        content / "locales" / "es.yaml",
        '  welcome: "Bienvenida."',
        f'  welcome: {{text: "{"Sí. " * 80}", reviewed: true}}',
    )
    english, translated = message_keys(content, "en"), message_keys(content, "es")
    result = hotline(content, "translations", "status", "--json")
    assert result.exit_code == 0, result.output
    en, es = json.loads(result.output)["languages"]
    assert en == {
        "language": "en",
        "name": "English",
        "keys": len(english),
        "missing": 0,
        "unreviewed": len(english),
        "over_budget": 0,
        "ucs2": 0,
    }
    texts = [m if isinstance(m, str) else m["text"] for m in spanish(content)["messages"].values()]
    ucs2 = sum(encoding(text) == "UCS-2" for text in texts)  # any á, í, ó, ú: see test_engine
    assert es == {
        "language": "es",
        "name": "Español",
        "keys": len(english),
        "missing": len(english) - len(translated),
        "unreviewed": len(translated) - 1,
        "over_budget": 1,
        "ucs2": ucs2,
    }
    table = hotline(content, "translations", "status").output.splitlines()
    assert table[0].split() == [
        "language",
        "texts",
        "missing",
        "unreviewed",
        "over",
        "budget",
        "UCS-2",
    ]
    assert table[2].split() == [
        "es",
        "Español",
        *map(str, (len(english), len(english) - len(translated), len(translated) - 1, 1, ucs2)),
    ]


def test_status_of_the_shipped_locales() -> None:
    result = hotline(ROOT, "translations", "status", "--json")
    assert result.exit_code == 0, result.output
    assert {row["language"] for row in json.loads(result.output)["languages"]} >= {"en"}
