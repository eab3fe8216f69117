"""Benchmark the language detector on a labelled TSV (lang, bucket, text, source).

    python bench/langid.py --eval ../shared/data/langid/eval.tsv [--json]
        [--detector NAME] [--split all|even|odd] [--repeat N]

Reports accuracy overall, per bucket (1-2, 3-6, 7+, and 3+ together) and per language, how many
answers were None (counted wrong), Haitian Creole false positives (share of non-ht rows called
ht), median and p99 time per call after loading, load time and RSS growth of loading.

--detector shipped (the default) is bot.language. Baselines: py3langid is stock py3langid
restricted to the 11 languages; shipped-no-ht-profile drops the Creole SMS adaptation;
langdetect is the baseline from the issue: langdetect 1.0.9, seed 0, profiles
limited to the hotline languages plus a Haitian Creole profile built from ht_train.txt, on
lowercased text. layers+langdetect runs the shipped alphabet and lexicon layers with that
langdetect factory as the statistical layer. --split even/odd keeps rows whose 0-based index is
even (the tuning half) or odd (held out).
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langdetect.detector_factory import DetectorFactory

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BUCKETS = ("1-2", "3-6", "7+")
DETECTORS = ("shipped", "shipped-no-ht-profile", "py3langid", "langdetect", "layers+langdetect")
DEFAULT_HT_TRAIN = ROOT / "../shared/data/langid/ht_train.txt"


def read_rows(path: Path, split: str) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    if split == "even":
        return rows[0::2]
    if split == "odd":
        return rows[1::2]
    return rows


def rss() -> int:
    """Resident set size in bytes (Linux /proc; psutil elsewhere)."""
    gc.collect()
    statm = Path("/proc/self/statm")
    if statm.exists():
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    import psutil  # not a project dependency; only needed off Linux

    return int(psutil.Process().memory_info().rss)


# -- detectors under test ---------------------------------------------------------------------


def load_shipped() -> Callable[[str], str | None]:
    from bot.language import get_detector

    detector = get_detector()
    return lambda text: detector.detect(text).lang


def load_shipped_without_ht_profile() -> Callable[[str], str | None]:
    """Ablation: the shipped layers, py3langid's stock Creole class (no SMS adaptation)."""
    from bot.language import Detector
    from bot.language.model import NgramModel

    detector = Detector(model=NgramModel(ht_profile=None))
    return lambda text: detector.detect(text).lang


def load_py3langid() -> Callable[[str], str | None]:
    """Reference: stock py3langid restricted to the 11 languages, no layers."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from bot.language import LANGUAGES

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(list(LANGUAGES))
    return lambda text: identifier.classify(text)[0]


def langdetect_factory(ht_train: Path) -> DetectorFactory:
    """langdetect restricted to the hotline languages, plus an ht profile from ht_train."""
    import langdetect
    from langdetect.detector_factory import DetectorFactory
    from langdetect.utils.lang_profile import LangProfile

    profiles = Path(langdetect.__file__).parent / "profiles"
    stock = ["en", "es", "zh-cn", "zh-tw", "ru", "bn", "ko", "ar", "ur", "fr", "pl"]
    jsons = [(profiles / name).read_text(encoding="utf-8") for name in stock]
    ht = LangProfile(name="ht")
    for line in ht_train.read_text(encoding="utf-8").splitlines():
        ht.update(line.lower())
    ht.omit_less_freq()
    jsons.append(json.dumps({"name": "ht", "freq": dict(ht.freq), "n_words": ht.n_words}))
    factory = DetectorFactory()
    factory.load_json_profile(jsons)
    factory.set_seed(0)
    return factory


def _langdetect_probs(
    factory: DetectorFactory, text: str, langs: Sequence[str] | None
) -> list[tuple[str, float]]:
    from langdetect.lang_detect_exception import LangDetectException

    det = factory.create()
    if langs is not None:
        det.set_prior_map({lang: (1.0 if lang in langs else 0.0) for lang in factory.langlist})
    det.append(text.lower())
    try:
        found = det.get_probabilities()
    except LangDetectException:
        return []
    merged: dict[str, float] = {}
    for item in found:  # zh-cn and zh-tw are one hotline language
        lang = "zh" if item.lang.startswith("zh") else item.lang
        merged[lang] = merged.get(lang, 0.0) + item.prob
    return sorted(merged.items(), key=lambda pair: pair[1], reverse=True)


def load_langdetect(ht_train: Path) -> Callable[[str], str | None]:
    factory = langdetect_factory(ht_train)

    def detect(text: str) -> str | None:
        ranked = _langdetect_probs(factory, text, None)
        return ranked[0][0] if ranked else None

    return detect


def load_layers_langdetect(ht_train: Path) -> Callable[[str], str | None]:
    """The shipped alphabet + lexicon layers, with langdetect as the statistical layer."""
    from bot.language import Detector
    from bot.language.codes import ARABIC_LANGUAGES, LATIN_LANGUAGES

    factory = langdetect_factory(ht_train)

    class LangdetectModel:
        def rank(self, text: str, langs: Sequence[str] | None = None) -> list[tuple[str, float]]:
            return _langdetect_probs(factory, text, langs or LATIN_LANGUAGES)

        def rank_arabic(self, text: str) -> list[tuple[str, float]]:
            return _langdetect_probs(factory, text, ARABIC_LANGUAGES)

        def unserved_latin(self, text: str) -> str | None:
            return None  # this comparison scores only the hotline's languages

    detector = Detector(model=LangdetectModel())
    return lambda text: detector.detect(text).lang


# -- measurement ------------------------------------------------------------------------------


def pct(right: int, total: int) -> float:
    return round(100.0 * right / total, 2) if total else 0.0


def evaluate(
    detect: Callable[[str], str | None], rows: list[dict[str, str]], repeat: int
) -> dict[str, object]:
    for row in rows[:50]:  # warm caches before timing
        detect(row["text"])
    answers: list[str | None] = []
    timings: list[float] = []
    for rep in range(repeat):
        for row in rows:
            start = time.perf_counter_ns()
            answer = detect(row["text"])
            timings.append((time.perf_counter_ns() - start) / 1e6)
            if rep == 0:
                answers.append(answer)
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    nones: Counter[str] = Counter()
    confusions: Counter[str] = Counter()
    ht_false = non_ht = 0
    for row, answer in zip(rows, answers, strict=True):
        lang, bucket = row["lang"], row["bucket"]
        groups = ["overall", f"bucket:{bucket}", f"lang:{lang}"]
        if bucket != "1-2":
            groups.append("bucket:3+")
        for group in groups:
            total[group] += 1
            right[group] += answer == lang
            nones[group] += answer is None
        if answer != lang:
            confusions[f"{lang}->{answer}"] += 1
        if lang != "ht":
            non_ht += 1
            ht_false += answer == "ht"
    timings.sort()
    return {
        "rows": len(rows),
        "accuracy": {group: pct(right[group], total[group]) for group in sorted(total)},
        "correct": {group: right[group] for group in sorted(total)},
        "total": {group: total[group] for group in sorted(total)},
        "none": {group: nones[group] for group in sorted(total) if nones[group]},
        "ht_false_positive_pct": pct(ht_false, non_ht),
        "ht_false_positives": ht_false,
        "median_ms": round(statistics.median(timings), 4),
        "p99_ms": round(timings[int(0.99 * (len(timings) - 1))], 4),
        "confusions": dict(confusions.most_common()),
    }


def machine() -> dict[str, object]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d"),
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    rows = read_rows(args.eval, args.split)
    rss_start = rss()
    t0 = time.perf_counter()
    if args.detector.startswith("shipped"):
        import bot.language  # noqa: F401  (import cost reported apart from loading)
    elif args.detector == "py3langid":
        import py3langid  # noqa: F401
    else:
        import langdetect  # noqa: F401
    t1 = time.perf_counter()
    rss_imported = rss()
    if args.detector == "shipped":
        detect = load_shipped()
    elif args.detector == "shipped-no-ht-profile":
        detect = load_shipped_without_ht_profile()
    elif args.detector == "py3langid":
        detect = load_py3langid()
    elif args.detector == "langdetect":
        detect = load_langdetect(args.ht_train)
    else:
        detect = load_layers_langdetect(args.ht_train)
    t2 = time.perf_counter()
    rss_loaded = rss()
    result: dict[str, object] = {
        "detector": args.detector,
        "eval": str(args.eval),
        "split": args.split,
        "import_s": round(t1 - t0, 3),
        "load_s": round(t2 - t1, 3),
        "load_rss_mb": round((rss_loaded - rss_imported) / 2**20, 1),
        "import_and_load_rss_mb": round((rss_loaded - rss_start) / 2**20, 1),
        "machine": machine(),
    }
    result.update(evaluate(detect, rows, args.repeat))
    return result


def table(result: dict[str, object]) -> str:
    acc = result["accuracy"]
    correct = result["correct"]
    total = result["total"]
    nones = result["none"]
    assert isinstance(acc, dict) and isinstance(correct, dict)
    assert isinstance(total, dict) and isinstance(nones, dict)
    lines = [
        f"detector: {result['detector']}   eval: {result['eval']} ({result['split']}, "
        f"{result['rows']} rows)",
        "",
        "| group | accuracy % | right / rows | None |",
        "|---|---|---|---|",
    ]
    groups = ["overall"] + [f"bucket:{b}" for b in (*BUCKETS, "3+")]
    groups += sorted(g for g in acc if g.startswith("lang:"))
    for group in groups:
        if group in acc:
            lines.append(
                f"| {group} | {acc[group]:.1f} | {correct[group]} / {total[group]} "
                f"| {nones.get(group, 0)} |"
            )
    lines += [
        "",
        f"Haitian Creole false positives: {result['ht_false_positive_pct']:.2f}% "
        f"({result['ht_false_positives']} non-ht rows called ht)",
        f"time per call after load: median {result['median_ms']} ms, p99 {result['p99_ms']} ms",
        f"import {result['import_s']} s; load {result['load_s']} s, "
        f"RSS +{result['load_rss_mb']} MB (import+load +{result['import_and_load_rss_mb']} MB)",
        f"machine: {json.dumps(result['machine'])}",
    ]
    confusions = result["confusions"]
    assert isinstance(confusions, dict)
    if confusions:
        top = ", ".join(f"{pair} {n}" for pair, n in list(confusions.items())[:12])
        lines.append(f"most frequent errors (label->answer): {top}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, required=True, help="TSV: lang, bucket, text, source")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--detector",
        choices=DETECTORS,
        default="shipped",
        help="the shipped detector, or a baseline/ablation to compare it with",
    )
    parser.add_argument("--split", choices=("all", "even", "odd"), default="all")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over the rows")
    parser.add_argument("--ht-train", type=Path, default=DEFAULT_HT_TRAIN, help="for langdetect")
    args = parser.parse_args(argv)
    result = run(args)
    print(json.dumps(result, ensure_ascii=False) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
