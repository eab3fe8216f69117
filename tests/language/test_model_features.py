"""The models look a text's features up token by token at run time (a known word's n-gram rows
found once at load); they were trained on a text's features as a list
(bot.language.intent.features). Both must find the same features, or the shipped
models would read texts differently from how they were built and evaluated."""

from __future__ import annotations

import csv

import pytest

from bench.intent import FIRST_TEXTS
from bot.language.intent import (
    LATIN_MODEL_FILE,
    MODEL_FILE,
    IntentModel,
    features,
    shared_intent_model,
    text_features,
)

AWKWARD = [
    "",
    "   ",
    "🙏🙏🙏",
    "HEEEELP they r at the doooor!!!",
    "akhouya t9bed mn 3nd l ICE, 3am y2olo 7absino",  # Arabizi digits
    "call 718-555-0134 or 212 555 0199 now",  # long numbers
    "ICE 在门口，我不敢开门",  # no spaces
    "Ils sont là — «ouvrez» disent-ils… (3 agents)",
    "w w w a w",  # words that look like the "w " prefix of word features
    "ñandú ĳssel ﬁn ǅ",  # compatibility letters
]


def _texts() -> list[str]:
    with FIRST_TEXTS.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [row["text"] for row in rows] + AWKWARD


@pytest.mark.parametrize("path", [MODEL_FILE, LATIN_MODEL_FILE], ids=["intent", "latin"])
def test_the_features_looked_up_are_the_features_trained_on(path: object) -> None:
    model = shared_intent_model(path)  # type: ignore[arg-type]
    assert isinstance(model, IntentModel)
    texts = _texts()
    assert len(texts) > 700
    for text in texts:
        trained = sorted({model.vocabulary[f] for f in features(text) if f in model.vocabulary})
        assert sorted(model.ids(text_features(text)).tolist()) == trained, text


def test_the_topic_head_shares_out_only_the_calm_probability() -> None:
    """The shipped intent model has a second head, trained on calm questions only. How likely
    a text is urgent, and which urgent matter, stay the first head's alone."""
    import numpy as np

    model = shared_intent_model(MODEL_FILE)
    assert model is not None and model.topics is not None
    with np.load(MODEL_FILE, allow_pickle=False) as data:
        first = IntentModel(model.vocabulary, data["weights"], data["bias"], model.labels)
    compared = 0
    for text in _texts()[::7]:
        both, alone = dict(model.read(text)), dict(first.read(text))
        for label in set(both) & set(alone):
            if label.startswith("urgent:"):
                assert both[label] == alone[label], text
                compared += 1
        if both:
            assert sum(both.values()) <= 1.0001
            assert not np.isnan(sum(both.values()))
    assert compared > 50


def test_the_words_of_a_message_are_not_kept() -> None:
    """Known words' n-gram rows are found once, at load; a message's other words are looked up
    and let go, so the process never holds a list of the words people sent (names, streets)."""
    model = shared_intent_model(MODEL_FILE)
    assert model is not None
    known = dict(model.table._known_grams)
    text = "Wojciechowskiego zabrali spod Kowalczykówny"
    assert model.read(text)
    assert model.table._known_grams == known
    assert "wojciechowskiego" not in known
