"""Organizer commands: flows graph, flows test, translations, and saving a chat as a test."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml

from bot import config
from bot.content import files as flowfiles
from bot.content import graph, transcripts, translations
from bot.content.files import Problem
from bot.engine import Turn
from bot.engine.sms import BUDGET


def register(main: click.Group, flows: click.Group) -> None:
    """Add these commands to `hotline` and `hotline flows`."""
    flows.add_command(flows_graph)
    flows.add_command(flows_test)
    main.add_command(translations_group)


def _content() -> Path:
    return Path(config.load()["HOTLINE_CONTENT_DIR"])


def _fail(lines: list[str] | str) -> NoReturn:
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(line, err=True)
    sys.exit(1)


# --- flows check --json ----------------------------------------------------------------------


def check_report(ok: bool, problems: list[Problem]) -> dict[str, Any]:
    """`hotline flows check --json`: {"ok", "errors", "warnings"}."""

    def item(p: Problem) -> dict[str, Any]:
        return {"file": p.path, "line": p.line, "severity": p.severity, "reason": p.reason}

    return {
        "ok": ok,
        "errors": [item(p) for p in problems if p.severity == "error"],
        "warnings": [item(p) for p in problems if p.severity == "warning"],
    }


# --- flows graph -----------------------------------------------------------------------------


@click.command("graph")
@click.argument("flow", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "svg", "png"]),
    help="Default: from the -o file's ending, else mermaid.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of the screen.",
)
def flows_graph(flow: str | None, fmt: str | None, output: Path | None) -> None:
    """Draw the flow: FLOW is a flow file (flows/main.yaml) or name (main); default: all.

    Mermaid text always works (paste it into GitHub or mermaid.live); svg and png need
    Graphviz.
    """
    if fmt is None:
        suffix = output.suffix.lower().lstrip(".") if output else ""
        fmt = suffix if suffix in ("svg", "png") else "mermaid"
    if fmt == "png" and output is None:
        raise click.UsageError("a PNG is a picture file: add -o FILE.png")
    root, only = graph.flow_file(_content(), flow)
    loaded = flowfiles.parse(root)
    errors = [str(p) for p in loaded.problems if p.severity == "error"]
    if errors:
        _fail([*errors, "Fix these first (hotline flows check), then draw the flow."])
    if only is not None and only not in loaded.flows:
        known = ", ".join(sorted(loaded.flows)) or "none"
        _fail(f"no flow {only} under {root} (flows: {known})")
    picture = graph.build(loaded, only)
    if fmt == "mermaid":
        data = graph.mermaid(picture).encode()
    else:
        try:
            data = graph.render(graph.dot(picture), fmt)
        except (graph.GraphvizMissing, RuntimeError) as exc:
            _fail(str(exc))
    if output is None:
        click.echo(data.decode(), nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({fmt}, {len(picture.boxes) - 1} nodes).")


# --- flows test ------------------------------------------------------------------------------


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def flows_test(paths: tuple[Path, ...]) -> None:
    """Run transcript tests (default: every tests/transcripts/**/*.yaml) through the engine."""
    from bot.language import get_detector
    from bot.turn.hotline import lexicon

    root = _content()
    files = _transcript_files(paths or (root / "tests" / "transcripts",))
    if not files:
        where = " ".join(map(str, paths)) or str(root / "tests" / "transcripts")
        _fail(f"no transcript files (*.yaml) found in {where}")
    bundle, problems = flowfiles.check(root)
    if bundle is None:
        _fail(
            [str(p) for p in problems if p.severity == "error"]
            + ["The flows have errors (hotline flows check): no test can run."]
        )
    detect = get_detector(lexicon(bundle)).detect
    passed = failed = 0
    for path in files:
        shown = _shown(path)
        data, problems = flowfiles.read_yaml(path, shown)
        transcript, more = flowfiles.validate(transcripts.Transcript, data, shown)
        if problems or transcript is None:
            failed += 1
            click.echo(f"FAILED {shown}: not a valid transcript")
            for problem in problems or more:
                click.echo(f"  {problem}")
            continue
        failures = transcripts.run(bundle, transcript, detect)
        if failures:
            failed += 1
            click.echo(f"FAILED {shown}")
            for failure in failures:
                click.echo("  " + str(failure).replace("\n", "\n  "))
        else:
            passed += 1
            click.echo(f"passed {shown}")
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        sys.exit(1)


def _transcript_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.rglob("*.yaml"))
        elif path.exists():
            files.append(path)
    return files


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# --- chat --save-transcript ------------------------------------------------------------------


def transcript_step(text: str, turn: Turn) -> dict[str, Any]:
    """What happened in one chat turn, as a transcript step that expects it again."""
    session = turn.session
    step: dict[str, Any] = {
        "user": text,
        "expect": [reply.key for reply in turn.replies],
        "language": session.lang if session else None,
        "node": session.node if session else None,
    }
    types = list(dict.fromkeys(event.type for event in turn.events))
    if types:
        step["events"] = types
    return step


def check_new_transcript(path: Path) -> None:
    """Refuse before the chat starts, rather than lose a test or the conversation after it."""
    if path.exists():
        raise click.BadParameter(
            f"{path} already exists: choose a new name (tests are worth "
            "keeping) or delete the old file first",
            param_hint="--save-transcript",
        )


def save_transcript(path: Path, channel: str, steps: list[dict[str, Any]]) -> None:
    """Write a finished chat as a transcript test: `hotline flows test FILE` replays it."""
    header = (
        "# Saved by `hotline chat`. Each step is what you typed and what the bot did.\n"
        f"# Run it: hotline flows test {path}\n"
        "# expect: message keys, in order; language and node: after the turn; events: what\n"
        "# must happen. Delete any line you do not want checked; add `says: text` to check\n"
        "# words in the reply.\n"
    )
    body = yaml.dump(
        {"channel": channel, "steps": steps},
        Dumper=_TranscriptDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None,
        width=100,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + body, encoding="utf-8")


class _TranscriptDumper(yaml.SafeDumper):
    """Steps as a block list, one line per expectation, lists of keys inline."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # "- user:" indented under "steps:"


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
            _fail(exc.problems)
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
        _fail([*exc.problems, f"Nothing was written: fix {file.name} and import it again."])
    for note in notes:
        click.echo(note)
    if not changes:
        click.echo(f"locales/{code}.yaml already has every text in {file.name}: nothing to do.")
        if refused:
            _fail(refused)
        return
    try:
        path = translations.apply(content, code, changes)
    except translations.TranslationError as exc:
        _fail(exc.problems)
    for change in changes:
        mark = "reviewed" if change.reviewed else "not reviewed"
        by = f" by {change.reviewer} on {change.on}" if change.reviewer else ""
        click.echo(f"  [{change.key}] {mark}{by}")
    click.echo(f"Updated {len(changes)} text(s) in {path}. Now run: hotline flows check")
    if refused:
        _fail([*refused, f"{len(refused)} text(s) refused: the rest of {file.name} went in."])


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
        return translations.Content.read(_content())
    except translations.TranslationError as exc:
        _fail(exc.problems)
