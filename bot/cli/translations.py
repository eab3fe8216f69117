"""`hotline translations`: export texts for translators, import their work, see what is left."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot.cli.common import content_dir, fail
from bot.content import translations
from bot.engine.sms import BUDGET

# --- translations ----------------------------------------------------------------------------


@click.group("translations")
def translations_group() -> None:
    """Export texts for translators, import their work, see what is left to do."""


@translations_group.command("export")
@click.argument("lang", required=False)
@click.option("--format", "fmt", type=click.Choice(["po", "csv"]), default="po", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="A file (one language) or a folder (every language). Default: the screen.",
)
def translations_export(lang: str | None, fmt: str, output: Path | None) -> None:
    """Write every text with its English source, translation and review mark.

    Without LANG, every language but English goes into the folder given by -o (one file each).
    """
    content = _translations_content()
    langs = [lang] if lang else content.translations()
    if not lang and output is None:
        raise click.UsageError("name a language (for example: es) or give -o FOLDER for all")
    if not lang:
        assert output is not None
        output.mkdir(parents=True, exist_ok=True)
    for code in langs:
        try:
            items = translations.entries(content, code)
        except translations.TranslationError as exc:
            fail(exc.problems)
        name = content.locales[code][0].name
        text = (
            translations.write_po(items, code, name)
            if fmt == "po"
            else translations.write_csv(items)
        )
        target = output / f"{code}.{fmt}" if output and not lang else output
        if target is None:
            click.echo(text, nl=False)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        # Spreadsheet programs read UTF-8 CSV correctly only with the byte-order mark.
        target.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        done = sum(bool(i.translation) for i in items)
        click.echo(f"Wrote {target}: {len(items)} texts, {done} translated.")


@translations_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--lang", help="The language of the file (default: from the file).")
@click.option(
    "--reviewer",
    help="Your name: texts whose fuzzy mark you cleared are recorded as reviewed by you, today.",
)
def translations_import(file: Path, lang: str | None, reviewer: str | None) -> None:
    """Write a translated PO or CSV file back into locales/<lang>.yaml.

    Nothing is written if any entry would break a placeholder: every bad key is listed. A key
    whose text changed in the locale after the export is refused (the file's text is older);
    the other keys go in, and the command exits with 1.
    """
    content = _translations_content()
    refused: list[str] = []
    try:
        named, items = translations.read_file(file)
        code = translations.language_of(file, lang or named, content)
        changes, notes = translations.plan(content, code, items, refused, reviewer)
    except translations.TranslationError as exc:
        fail([*exc.problems, f"Nothing was written: fix {file.name} and import it again."])
    for note in notes:
        click.echo(note)
    if not changes:
        click.echo(f"locales/{code}.yaml already has every text in {file.name}: nothing to do.")
        if refused:
            fail(refused)
        return
    try:
        path = translations.apply(content, code, changes)
    except translations.TranslationError as exc:
        fail(exc.problems)
    for change in changes:
        mark = "reviewed" if change.reviewed else "not reviewed"
        by = f" by {change.reviewer} on {change.on}" if change.reviewer else ""
        click.echo(f"  [{change.key}] {mark}{by}")
    click.echo(f"Updated {len(changes)} text(s) in {path}. Now run: hotline flows check")
    if refused:
        fail([*refused, f"{len(refused)} text(s) refused: the rest of {file.name} went in."])


@translations_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def translations_status(as_json: bool) -> None:
    """Per language: texts, missing, not reviewed, over the SMS budget, in UCS-2."""
    rows = translations.status(_translations_content())
    if as_json:
        click.echo(json.dumps({"languages": rows}, ensure_ascii=False, indent=2))
        return
    head = ("language", "texts", "missing", "unreviewed", "over budget", "UCS-2")
    click.echo(f"{head[0]:<16}" + "".join(f"{h:>12}" for h in head[1:]))
    for row in rows:
        name = f"{row['language']} {row['name']}"
        numbers = (row["keys"], row["missing"], row["unreviewed"], row["over_budget"], row["ucs2"])
        click.echo(f"{name:<16}" + "".join(f"{n:>12}" for n in numbers))
    click.echo(
        "\nmissing: the English text is sent instead.\n"
        f"over budget: more than {BUDGET} SMS segments, so the person must reply MORE.\n"
        "UCS-2: a character outside GSM-7 (like á, ó or “) makes every segment hold 67 "
        "characters instead of 153."
    )


def _translations_content() -> translations.Content:
    try:
        return translations.Content.read(content_dir())
    except translations.TranslationError as exc:
        fail(exc.problems)
