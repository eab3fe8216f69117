"""Phrase matching as organizers expect it: whole words, in every script."""

from __future__ import annotations

import pytest

from bot.engine.text import PhraseIndex, PhraseMatcher, fold, word_count


@pytest.mark.parametrize(
    ("phrase", "text", "found"),
    [
        ("বস", "ওরা আমাকে বসাবে বলেছে", False),  # "boss" is not the start of "will seat"
        ("বস", "আমার বস পুলিশ ডেকেছে", True),
        ("ভাই", "ভাইয়ারে ধরে নিয়ে গেছে", False),
        ("ধরে নিয়ে গেছে", "ভাইকে ধরে নিয়ে গেছে।", True),  # the danda ends the word
        ("पकड़", "मेरे पति को पकड़ लिया", True),
        ("पकड़", "पकड़ा गया", False),
        ("ice", "ICE is here", True),
        ("ice", "nice one", False),
        ("敲门", "有人在敲门", True),  # unspaced scripts match inside the text
    ],
)
def test_phrases_match_whole_words_in_every_script(phrase: str, text: str, found: bool) -> None:
    assert PhraseMatcher([phrase]).search(fold(text)) is found
    assert bool(PhraseIndex([(phrase, "tag")]).find(fold(text))) is found


def test_a_bengali_or_hindi_word_counts_once() -> None:
    assert word_count("আমার ভাইকে ধরে নিয়ে গেছে") == 5
    assert word_count("मेरे पति को पकड़ लिया") == 5


def test_a_run_of_words_is_found_after_a_false_start() -> None:
    # "ice" starts the phrase "ice at my door"; the run must still find "at my door" after it.
    index = PhraseIndex([("ice at my door", "a"), ("at my door", "b")])
    assert index.find(fold("ice at my door now")) == {"a", "b"}
    assert index.find(fold("the ice at my door")) == {"a", "b"}
    assert index.find(fold("ice was at my door")) == {"b"}


def test_a_link_between_who_and_where_does_not_hide_a_phrase() -> None:
    index = PhraseIndex([("immigration at my house", "a"), ("ice is in", "b")])
    assert index.find(fold("Immigration is at my house!!")) == {"a"}
    assert index.find(fold("agents say immigration are at my house")) == {"a"}
    # A phrase that holds the link still needs it: "ICE in this city" is not "ICE is in".
    assert index.find(fold("do cops work with ICE in this city")) == set()
    assert index.find(fold("ICE is in the lobby")) == {"b"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("أخوي محبوس بريكرز", {"rikers"}),  # "in Rikers": ب joined to the name
        ("وقفوني فالزنقة", {"street"}),  # Darija "so in the street": ف + the article
        ("بدهم يسلموه للهجرة", {"immigration"}),  # "to immigration": لل is ل + ال
        ("كانوا واقفين وبالشارع", {"street"}),  # "and in the street": two letters joined
        ("الهجرة", {"immigration"}),  # the article kept matches a list form without it
        ("ريكرز", {"rikers"}),
        ("بيت", set()),  # three letters: never taken apart
        ("لريك", set()),
    ],
)
def test_arabic_words_are_found_with_the_letters_joined_to_them(text: str, found: set[str]) -> None:
    index = PhraseIndex([("ريكرز", "rikers"), ("الزنقة", "street"), ("شارع", "street"),
                         ("هجرة", "immigration"), ("يت", "house")])  # fmt: skip
    assert index.find(fold(text)) == found


def test_texting_shorthand_for_que_is_read_as_the_word() -> None:
    index = PhraseIndex([("que pasa si", "what-if"), ("dicen que", "rumour"), ("porque", "why")])
    assert index.find(fold("q pasa si me paran")) == {"what-if"}
    assert index.find(fold("Dicen q vienen, xq no abren?")) == {"rumour", "why"}
    assert index.find(fold("q")) == set()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("se lo llevaron hace 3 semanas", True),
        ("hace 12 semanas", True),
        ("hace ٣ semanas", True),  # Arabic-Indic digits are digits
        ("hace semanas", False),  # no number: another phrase's business
        ("hace 3semanas", False),  # a number must stand alone
        ("남편이 2주 전에", True),  # glued to Hangul, still a number
        ("남편이 2주 전", True),
        ("akhoya et2abad min 3 snin", True),
        ("3alaya min snin", False),  # Arabizi's 3 is a letter there
        ("call 311 now", False),
    ],
)
def test_a_number_in_a_phrase_stands_for_any_number(text: str, found: bool) -> None:
    index = PhraseIndex(
        [("hace # semanas", "past"), ("#주 전", "past"), ("min # snin", "past"), ("911", "x")]
    )
    assert (index.find(fold(text)) == {"past"}) is found


def test_a_numbered_phrase_leaves_phrases_with_digits_alone() -> None:
    index = PhraseIndex([("311", "city"), ("hace # dias", "past"), ("# dni temu", "past")])
    assert index.find(fold("llame al 311 hace 2 dias")) == {"city", "past"}
    assert index.find(fold("brata zatrzymali 3 dni temu")) == {"past"}  # a number at the edge
    assert index.find(fold("dni temu")) == set()


@pytest.mark.parametrize(
    ("text", "covered"),
    [
        ("bună ziua", True),
        ("Habari, jambo!", True),
        ("good morning good", True),  # "good" is a phrase of its own here
        ("bună ziua prieten", False),
        ("morning", False),  # the start of no phrase: "good morning" needs both words
        ("", False),
    ],
)
def test_an_index_covers_a_text_made_only_of_its_phrases(text: str, covered: bool) -> None:
    index = PhraseIndex(
        (phrase, "hello") for phrase in ("bună ziua", "habari", "jambo", "good morning", "good")
    )
    assert index.covers(fold(text)) is covered


@pytest.mark.parametrize(
    ("text", "covered"),
    [
        ("你好", True),
        ("请问这是热线吗？", True),  # two phrases joined without a space
        ("你好，hello！", True),  # Chinese and spaced phrases, punctuation between
        ("你好，我老公被抓了", False),
        ("热线吗", False),  # the end of a phrase is not a phrase
        ("안녕하세요 이민 핫라인 맞나요?", True),  # Hangul phrases hold spaces
        ("안녕하세요 도와주세요", False),
    ],
)
def test_an_index_covers_a_text_in_an_unspaced_script(text: str, covered: bool) -> None:
    """Session 34: Chinese and Hangul phrases match inside words, so a text made only of them
    was never covered ("您好，这里是移民热线吗？" got the lawyer's answer, not the menu)."""
    phrases = ("你好", "请问", "这是热线吗", "hello", "안녕하세요", "이민 핫라인 맞나요")
    index = PhraseIndex((phrase, "hello") for phrase in phrases)
    assert index.covers(fold(text)) is covered


def test_a_matcher_blanks_its_phrases_out_of_a_text() -> None:
    matcher = PhraseMatcher(["sans papiers", "没有身份"])
    assert (
        matcher.without(fold("On est six sans papiers, si ICE vient ?"))
        == "on est six  , si ice vient"
    )
    assert matcher.without(fold("我没有身份，要带护照吗")) == fold("我 ，要带护照吗")
    assert matcher.without(fold("papiers")) == "papiers"  # a word of a phrase alone stays
