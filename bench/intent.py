"""Benchmark first texts: do urgent messages open a case, in a language the person reads?

    python bench/intent.py [--json] [--split held|tune|all] [--tsv tests/data/first_texts.tsv]
    python bench/intent.py --tsv new            # the hand-written sets of tools/data/intent

Each row of the TSV is the first message of a new conversation, run through the same path as
the webhook (detector, then the pure engine on a fresh session) by `hotline flows try`'s
functions. Reports, overall and per language and style: urgent recall (an urgent row opened an
urgent case), false urgent (a calm row, not a "what if" question, paged staff), "what if" pages
(a hypothetical question paged staff), topic accuracy for non-urgent rows (the node reached is
the labelled topic), language of the answer, and the median time per first text after loading.
--misses lists the urgent rows missed, for the tune half only.

Tune on the tune half only (`train` in tools/data/intent); the held halves are run for
reporting.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.cli import intent  # noqa: E402

FIRST_TEXTS = ROOT / "tests" / "data" / "first_texts.tsv"
NEW_TEXTS = sorted((ROOT / "tools" / "data" / "intent").glob("*.tsv"))
TARGETS = {
    "urgent_recall": ">= 98 overall, >= 95 per language and style",
    "false_urgent": "<= 5 (outside what-if questions)",
    "whatif_paged": "<= 20",
    "language": ">= 97",
    "topic": ">= 93 (non-urgent)",
    "median_ms": "<= 0.2",
}


TRAINING_SPLITS = {"tune", "train"}  # the first texts call their training half "tune"


def rows_of(paths: list[Path], split: str) -> list[intent.Row]:
    import csv

    found = []
    for path in paths:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            splits = [r.get("split", "") for r in reader]
        rows = intent.read_rows(path)
        found += [
            row
            for row, s in zip(rows, splits, strict=True)
            if split == "all" or s == split or (split == "tune" and s in TRAINING_SPLITS)
        ]
    return found


def run(paths: list[Path], split: str, repeat: int = 3) -> dict[str, Any]:
    started = time.perf_counter()
    bundle, detector = intent.load(ROOT)
    load_s = time.perf_counter() - started
    rows = rows_of(paths, split)
    for row in rows[:20]:  # warm caches (compiled matchers) before timing
        intent.try_text(bundle, detector, row)
    results = list(intent.run_rows(bundle, detector, rows))
    # Time again, several passes: the median of each text's best time is steadier on a busy box.
    best = [r["ms"] for r in results]
    for _ in range(repeat - 1):
        for i, row in enumerate(rows):
            best[i] = min(best[i], intent.try_text(bundle, detector, row)["ms"])
    summary = intent.summarize(results, bundle.languages)
    summary["overall"]["median_ms"] = round(statistics.median(best), 4) if best else None
    return {
        "tsv": [str(path) for path in paths],
        "split": split,
        "rows": len(rows),
        "load_s": round(load_s, 2),
        "machine": f"{platform.python_version()} on {platform.machine()}",
        "summary": summary,
        "misses": [
            {k: r[k] for k in ("lang", "style", "topic", "node", "language", "text")}
            for r in results
            if r["urgent"] == "yes" and r["urgency"] != "urgent"
        ],
    }


def table(report: dict[str, Any]) -> str:
    overall = report["summary"]["overall"]
    lines = [
        f"split: {report['split']} ({report['rows']} rows), median per first text "
        f"{overall['median_ms']} ms, load {report['load_s']} s",
        "",
        *intent._table(report["summary"]),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tsv",
        type=Path,
        nargs="+",
        default=[FIRST_TEXTS],
        help="one or more TSVs; `--tsv new` means the hand-written sets in tools/data/intent",
    )
    parser.add_argument("--split", choices=("held", "tune", "all"), default="held")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--misses", action="store_true", help="list urgent rows missed")
    args = parser.parse_args()
    paths = [p for arg in args.tsv for p in (NEW_TEXTS if str(arg) == "new" else [arg])]
    report = run(paths, args.split)
    if args.json:
        if not (args.misses and args.split == "tune"):  # held texts are never shown
            report.pop("misses")
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    print(table(report))
    if args.misses and args.split == "tune":  # never print held texts: nobody tunes on them
        for miss in report["misses"]:
            print(json.dumps(miss, ensure_ascii=False))


if __name__ == "__main__":
    main()
