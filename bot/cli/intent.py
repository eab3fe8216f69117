"""`hotline flows try FILE.tsv`: first texts in bulk through the webhook's own path.

Each row of a TSV (columns lang, urgent, topic, style, text; more columns ignored, only `text`
is required) is the first message of a new conversation: the language detector reads it, then
the engine's `advance` runs on a fresh session, exactly as for a text that reaches the webhook.
Nothing is stored and no Redis is needed. One JSON object per row, then a summary per language
and per style. bench/intent.py uses the same functions for its figures.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from bot.cli.common import content_dir
from bot.content import bundle as content_bundle
from bot.content import intake
from bot.engine import Bundle, Turn, advance
from bot.language import Detector, lexicon_of

URGENT_NODES = ("door", "detained", "work_now")
# Styles whose texts arrive with media or marked as forwarded by WhatsApp.
MEDIA_STYLES = ("media-caption",)
FORWARDED_STYLES = ("forwarded",)
HYPOTHETICAL = "hypothetical"
# The answer is in the menu or in English with a one-line offer of the native script: right for
# a romanized text (most who write Roman Urdu or Banglish read English more easily).
OFFER_KEY = "lang.offer"


@dataclass(frozen=True)
class Row:
    text: str
    lang: str = ""
    urgent: str = ""
    topic: str = ""
    style: str = ""
    media: int = 0
    forwarded: bool = False


def read_rows(path: Path) -> list[Row]:
    """Rows of a first-texts TSV; a `media` or `forwarded` column, when present, overrides the
    style (a media-caption row arrives with one photo, a forwarded row marked forwarded)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames is None or "text" not in reader.fieldnames:
            raise click.BadParameter(f"{path}: the first line must name a `text` column")
        rows = []
        for raw in reader:
            style = (raw.get("style") or "").strip()
            media = raw.get("media")
            forwarded = raw.get("forwarded")
            rows.append(
                Row(
                    text=raw.get("text") or "",
                    lang=(raw.get("lang") or "").strip(),
                    urgent=(raw.get("urgent") or "").strip().lower(),
                    topic=(raw.get("topic") or "").strip(),
                    style=style,
                    media=int(media) if media else int(style in MEDIA_STYLES),
                    forwarded=(forwarded or "").strip().lower() in ("1", "yes", "true")
                    if forwarded
                    else style in FORWARDED_STYLES,
                )
            )
        return rows


def reached(turn: Turn) -> tuple[str | None, str, str | None]:
    """The node a first text reached, the layer that decided and the node it is about (a
    "what if" question enters door_if, about door), read from the turn's events: a trigger or
    the model jumped there, a menu option was chosen, or a menu was shown."""
    for event in turn.events:
        if event.type in ("triggered", "chosen"):
            node = event.data["node"]
            return node, str(event.data.get("layer", "trigger")), event.data.get("about", node)
    session = turn.session
    if session is not None and session.awaiting == "lang":
        return None, "language_menu", None
    node = session.node if session else None
    return node, "menu", node


# Each case a first text opens gets a number of its own, as at the webhook: a reply that
# gives it is then new each time, and is paged again (the same number every time would let
# repeated timings reuse the paged reply of the first).
_CASE_NUMBERS = itertools.count(1)


def try_text(
    bundle: Bundle,
    detector: Detector,
    row: Row,
    channel: intake.Channel = "sms",
    reading: tuple[tuple[str, float], ...] | None = None,
) -> dict[str, Any]:
    """One row as the first message of a new conversation; what the webhook would do.
    `reading` stands in for the intent model's (cross-validation reads with other models)."""
    started = time.perf_counter()
    detection = detector.detect(row.text) if row.text else None
    inbound = intake.inbound(row.text, detection, channel, media=row.media, forwarded=row.forwarded)
    if reading is not None:
        inbound = dataclasses.replace(inbound, intent=reading)
    turn = advance(bundle, None, inbound, lambda: f"TRY{next(_CASE_NUMBERS)}")
    elapsed = time.perf_counter() - started
    node, layer, about = reached(turn)
    opened = [e for e in turn.events if e.type == "case_opened"]
    session = turn.session
    shown = turn.to_json()
    return {
        "text": row.text,
        "lang": row.lang,
        "urgent": row.urgent,
        "topic": row.topic,
        "style": row.style,
        "language": session.lang if session else None,
        "detected": detection.lang if detection else None,
        "detector_layer": detection.layer if detection else "none",
        "node": node,
        "about": about,
        "layer": layer,
        "keys": shown["keys"],
        "events": shown["events"],
        "case_opened": bool(opened),
        "urgency": opened[0].data["urgency"] if opened else None,
        "ms": round(elapsed * 1000, 4),
    }


def language_right(result: dict[str, Any], hotline: Iterable[str]) -> bool:
    """Whether the person can read the answer: their language; for a romanized text (mostly
    Latin letters, in a language with another script) also English with the offer of it; for
    a language the hotline does not serve, the language menu or English (never another
    hotline language on weak evidence)."""
    lang, got, style = result["lang"], result["language"], result["style"]
    if lang not in set(hotline):
        return got in (None, "en")
    if style == "traditional":
        return got == "zh-Hant"
    if got == lang:
        return True
    # A romanized text (whatever style it is labelled with: caps, typo, indirect...) is a text
    # in a non-Latin-script language written mostly in Latin letters.
    return romanized(result["text"], lang) and got == "en" and OFFER_KEY in result["keys"]


NON_LATIN = ("zh", "ru", "bn", "ko", "ar", "ur")
MENU_TOPIC = "menu"  # the label of a greeting or an unclear text (tools/data/intent/README.md)


def romanized(text: str, lang: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    latin = sum(c.isascii() for c in letters)
    return lang in NON_LATIN and bool(letters) and latin > len(letters) / 2


def topic_right(result: dict[str, Any]) -> bool:
    """Whether a calm text reached its topic. A greeting or an unclear text (topic `menu`)
    reaches a menu when it gets the language menu too: "do you speak Tagalog?" asks for it."""
    if result["layer"] == "language_menu":
        return result["topic"] == MENU_TOPIC
    return bool(result["about"] == result["topic"])


def paged(result: dict[str, Any]) -> bool:
    return bool(result["case_opened"])


def summarize(results: list[dict[str, Any]], hotline: Iterable[str]) -> dict[str, Any]:
    """Urgent recall, false alarms, what-if pages, topic and language accuracy; overall, per
    language and per style. A rate is None when no row counts toward it."""
    hotline = tuple(hotline)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        groups["overall"].append(result)
        groups["lang:" + (result["lang"] or "?")].append(result)
        groups["style:" + (result["style"] or "?")].append(result)
    summary = {name: _figures(rows, hotline) for name, rows in sorted(groups.items())}
    times = [r["ms"] for r in results]
    summary["overall"]["median_ms"] = round(statistics.median(times), 4) if times else None
    return summary


def _rate(hits: int, total: int) -> float | None:
    return round(100.0 * hits / total, 1) if total else None


def _figures(rows: list[dict[str, Any]], hotline: tuple[str, ...]) -> dict[str, Any]:
    urgent = [r for r in rows if r["urgent"] == "yes"]
    calm = [r for r in rows if r["urgent"] == "no" and r["style"] != HYPOTHETICAL]
    whatif = [r for r in rows if r["urgent"] == "no" and r["style"] == HYPOTHETICAL]
    topical = [r for r in rows if r["urgent"] == "no" and r["topic"]]
    labelled = [r for r in rows if r["lang"]]
    return {
        "rows": len(rows),
        "urgent_recall": _rate(sum(r["urgency"] == "urgent" for r in urgent), len(urgent)),
        "urgent_rows": len(urgent),
        "false_urgent": _rate(sum(paged(r) for r in calm), len(calm)),
        "calm_rows": len(calm),
        "whatif_paged": _rate(sum(paged(r) for r in whatif), len(whatif)),
        "whatif_rows": len(whatif),
        "topic": _rate(sum(topic_right(r) for r in topical), len(topical)),
        "topic_rows": len(topical),
        "language": _rate(sum(language_right(r, hotline) for r in labelled), len(labelled)),
    }


def run_rows(bundle: Bundle, detector: Detector, rows: list[Row]) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield try_text(bundle, detector, row)


def load(root: Path) -> tuple[Bundle, Detector]:
    """The flows in force and the detector taught their words, as the webhook has them."""
    from bot.language import get_detector

    bundle, problems = content_bundle.check(root)
    if bundle is None:
        for problem in problems:
            if problem.severity == "error":
                click.echo(str(problem), err=True)
        click.echo("The flows have errors (hotline flows check): nothing can run.", err=True)
        sys.exit(1)
    return bundle, get_detector(lexicon_of(bundle))


def _table(summary: dict[str, Any]) -> list[str]:
    columns = ("rows", "urgent_recall", "false_urgent", "whatif_paged", "topic", "language")
    lines = ["| group | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, figures in summary.items():
        cells = ["-" if figures[c] is None else str(figures[c]) for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


@click.command("try")
@click.argument("tsv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per row, then a summary.")
def flows_try(tsv: Path, as_json: bool) -> None:
    """Run each row of TSV (columns lang, urgent, topic, style, text) as a first text."""
    bundle, detector = load(content_dir())
    rows = read_rows(tsv)
    results = list(run_rows(bundle, detector, rows))
    summary = summarize(results, bundle.languages)
    if as_json:
        for result in results:
            click.echo(json.dumps(result, ensure_ascii=False))
        click.echo(json.dumps({"summary": summary}, ensure_ascii=False))
        return
    for result in results:
        where = result["node"] or "language menu"
        case = " CASE" if result["case_opened"] else ""
        click.echo(
            f"{result['language'] or '-':7} {where:16} {result['layer']:13}{case}  "
            f"{result['text'][:60]}"
        )
    click.echo("")
    for line in _table(summary):
        click.echo(line)
