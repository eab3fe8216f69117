"""Build bot/language/data/latin_model.npz: which language a text in Latin letters is in, among
the five Latin-script hotline languages, the five others written in Latin letters (Banglish,
Roman Urdu, Arabizi, Russian in Latin letters, pinyin, romanized Korean), and `other` (a
language the hotline does not serve: Portuguese, Tagalog, Wolof, Roman Hindi...).

    python tools/build_latin_model.py [--cv 4]

The py3langid layer knows only the five Latin hotline languages, so it files romanized Russian
under Polish and Tagalog under Creole; this model knows those classes. The detector consults it
after the romanized word lists and before py3langid, and believes it only when it is sure
(LATIN_SURE in bot/language/detector.py).

Training data, and nothing else: the rows written in Latin letters of the training halves of
tests/data/first_texts.tsv (`tune`) and tools/data/intent/*.tsv (`train`). Same features and
trainer as the intent model (tools/build_intent_model.py). --cv K reports K-fold accuracy and,
for each confidence threshold, how often a sure answer is wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "tools"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from build_intent_model import PHRASE_WEIGHT, read, save, train  # noqa: E402

from bench.intent import FIRST_TEXTS, NEW_TEXTS, rows_of  # noqa: E402
from bot.content.bundle import load  # noqa: E402
from bot.language import lexicon_of  # noqa: E402
from bot.language.codes import LATIN_LANGUAGES  # noqa: E402
from bot.language.detector import OTHER_LABEL, ROMANIZED_LABEL  # noqa: E402
from bot.language.intent import LATIN_MODEL_FILE  # noqa: E402
from bot.language.script import classify_script  # noqa: E402

ROMANIZED = ("bn", "ur", "ar", "ru", "zh", "ko")
OTHER = OTHER_LABEL


def label_of(lang: str, style: str) -> str:
    if style == "unsupported":
        return OTHER
    if lang in LATIN_LANGUAGES:
        return lang
    if lang in ROMANIZED:
        return ROMANIZED_LABEL + lang
    return OTHER


def examples() -> list[tuple[str, str]]:
    found = []
    for row in rows_of([FIRST_TEXTS, *NEW_TEXTS], "tune"):
        if row.text and row.lang and classify_script(row.text).script == "latin":
            found.append((row.text, label_of(row.lang, row.style)))
    return found


def phrases() -> list[tuple[str, str]]:
    """The organizers' words in Latin letters, each a short example of its language (or of its
    romanized language): what each locale teaches the detector (bot.language.lexicon_of). A
    word two languages share ("ok", "ICE") teaches nothing and is left out."""
    labels: dict[str, set[str]] = {}
    for lang, entries in lexicon_of(load(ROOT)).items():
        if lang not in LATIN_LANGUAGES and lang not in ROMANIZED:
            continue  # zh-Hant: the same romanized words as zh
        for entry in entries:
            if classify_script(entry).script == "latin":
                labels.setdefault(entry.lower(), set()).add(label_of(lang, "clean"))
    return sorted((text, next(iter(found))) for text, found in labels.items() if len(found) == 1)


def cross_validate(rows: list[tuple[str, str]], extra: list[tuple[str, str]], folds: int) -> None:
    readings = []
    for k in range(folds):
        part = [r for i, r in enumerate(rows) if i % folds != k]
        model = _train(part, extra)
        readings += [(read(model, t), lab) for i, (t, lab) in enumerate(rows) if i % folds == k]
    right = sum(max(r, key=r.get) == lab for r, lab in readings)
    print(f"{folds}-fold accuracy: {right}/{len(readings)}")
    print("threshold: sure answers / wrong among them (romanized or other only)")
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9):
        sure = [(max(r, key=r.get), lab) for r, lab in readings if max(r.values()) >= threshold]
        special = [
            (best, lab) for best, lab in sure if best == OTHER or best.startswith(ROMANIZED_LABEL)
        ]
        wrong = sum(best != lab for best, lab in special)
        print(f"  {threshold:.1f}: {len(special)} / {wrong}")
    print("threshold on the mass of romanized and other together: answers / a hotline language")
    for threshold in (0.5, 0.6, 0.7, 0.8):
        outside = [lab for r, lab in readings if _outside(r) >= threshold]
        wrong = sum(lab in LATIN_LANGUAGES for lab in outside)
        print(f"  {threshold:.1f}: {len(outside)} / {wrong}")


def _train(rows: list[tuple[str, str]], extra: list[tuple[str, str]]) -> Any:
    examples = rows + extra
    weights = [1.0] * len(rows) + [PHRASE_WEIGHT] * len(extra)
    return train([t for t, _ in examples], [lab for _, lab in examples], weights)


def _outside(reading: dict[str, float]) -> float:
    return sum(
        p for label, p in reading.items() if label == OTHER or label.startswith(ROMANIZED_LABEL)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=0)
    args = parser.parse_args()
    rows, extra = examples(), phrases()
    if args.cv:
        cross_validate(rows, extra, args.cv)
    vocabulary, w, b, classes = _train(rows, extra)
    kept, size = save(LATIN_MODEL_FILE, vocabulary, w, b, classes)
    print(f"{len(rows)} rows, {len(extra)} phrases, {kept} features, {len(classes)} labels: "
          f"{LATIN_MODEL_FILE.relative_to(ROOT)} ({size} KB)")  # fmt: skip


if __name__ == "__main__":
    main()
