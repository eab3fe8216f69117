"""`hotline flows`: check, graph and test the flow and locale files; save a chat as a test."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import yaml

from bot.cli.common import content_dir, fail
from bot.content import bundle as content_bundle
from bot.content import files as flowfiles
from bot.content import graph, routing, transcripts
from bot.content.yamlfile import Problem, read_yaml, validate
from bot.engine import Turn
from bot.escalation import signing


@click.group()
def flows() -> None:
    """Check the flow and locale files."""


@flows.command("check")
@click.argument(
    "path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print {ok, errors, warnings} as JSON.")
def flows_check(path: Path | None, as_json: bool) -> None:
    """Validate flows/ and locales/ under PATH (default: the configured content folder)."""
    root = path or content_dir()
    bundle, problems = content_bundle.check(root)
    if bundle is not None:  # a provider webhook that would be signed with no key is an error
        unsigned = signing.webhook_problems(routing.load(root).providers)
        problems += [
            Problem("flows/routing.yaml", 1, p.split(": ", 1)[1], "error") for p in unsigned
        ]
        bundle = None if unsigned else bundle
    if as_json:
        report = check_report(bundle is not None, problems)
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        sys.exit(0 if bundle is not None else 1)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    if bundle is None:
        click.echo(f"{errors} error(s): the files are refused.", err=True)
        sys.exit(1)
    click.echo(
        f"OK: {len(bundle.nodes)} nodes, {len(bundle.locales)} languages, "
        f"{len(problems)} warning(s)."
    )


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


@flows.command("graph")
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
    root, only = graph.flow_file(content_dir(), flow)
    loaded = flowfiles.parse(root)
    errors = [str(p) for p in loaded.problems if p.severity == "error"]
    if errors:
        fail([*errors, "Fix these first (hotline flows check), then draw the flow."])
    if only is not None and only not in loaded.flows:
        known = ", ".join(sorted(loaded.flows)) or "none"
        fail(f"no flow {only} under {root} (flows: {known})")
    picture = graph.build(loaded, only)
    if fmt == "mermaid":
        data = graph.mermaid(picture).encode()
    else:
        try:
            data = graph.render(graph.dot(picture), fmt)
        except (graph.GraphvizMissing, RuntimeError) as exc:
            fail(str(exc))
    if output is None:
        click.echo(data.decode(), nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({fmt}, {len(picture.boxes) - 1} nodes).")


# --- flows test ------------------------------------------------------------------------------


@flows.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def flows_test(paths: tuple[Path, ...]) -> None:
    """Run transcript tests (default: every tests/transcripts/**/*.yaml) through the engine."""
    from bot.language import get_detector
    from bot.language import lexicon_of as lexicon

    root = content_dir()
    files = _transcript_files(paths or (root / "tests" / "transcripts",))
    if not files:
        where = " ".join(map(str, paths)) or str(root / "tests" / "transcripts")
        fail(f"no transcript files (*.yaml) found in {where}")
    bundle, problems = content_bundle.check(root)
    if bundle is None:
        fail(
            [str(p) for p in problems if p.severity == "error"]
            + ["The flows have errors (hotline flows check): no test can run."]
        )
    detect = get_detector(lexicon(bundle)).detect
    passed = failed = 0
    for path in files:
        shown = _shown(path)
        data, problems = read_yaml(path, shown)
        transcript, more = validate(transcripts.Transcript, data, shown)
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
    types = list(dict.fromkeys(event.type.value for event in turn.events))
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
