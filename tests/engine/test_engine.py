"""The pure engine, on a small fixture flow: no Redis, no Flask, no clock."""

from __future__ import annotations

import itertools
import subprocess
import sys

import pytest

from bot.content.bundle import load
from bot.engine import Inbound, Session, Turn, advance
from bot.engine.sms import segments
from tests.conftest import FIXTURE


@pytest.fixture(scope="module")
def bundle():  # type: ignore[no-untyped-def]
    return load(FIXTURE)


class Talk:
    """One person's conversation through the engine alone."""

    def __init__(self, bundle, channel: str = "sms") -> None:  # type: ignore[no-untyped-def]
        self.bundle, self.channel = bundle, channel
        self.session: Session | None = None
        self.ids = itertools.count(1)

    def __call__(
        self, text: str, guess: str | None = None, sure: bool = True, media: int = 0
    ) -> Turn:
        turn = advance(
            self.bundle,
            self.session,
            Inbound(text, self.channel, media, guess, sure and guess is not None),  # type: ignore[arg-type]
            lambda: f"C{next(self.ids)}",
        )
        self.session = turn.session
        return turn


def keys(turn: Turn) -> list[str]:
    return [r.key for r in turn.replies]


def types(turn: Turn) -> list[str]:
    return [e.type for e in turn.events]


def test_engine_imports_no_flask_redis_or_rq() -> None:
    code = (
        "import sys, bot.engine; bad = {'flask', 'redis', 'rq'} & set(sys.modules); "
        "print(sorted(bad)); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_first_message_greets_in_the_guessed_language(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    turn = talk("hola", guess="es")
    # The fixture's Spanish is not reviewed: the welcome says so, once.
    assert keys(turn) == ["welcome", "welcome.machine", "menu"]
    assert turn.replies[0].text == "Bienvenida."
    assert talk.session and talk.session.lang == "es" and talk.session.node == "menu"
    assert types(turn) == ["language_changed"]


def test_unsure_first_message_gets_the_language_menu(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    turn = talk("ok", guess=None)
    assert keys(turn) == ["lang.menu"]
    assert "1 English\n2 Español" in turn.replies[0].text
    turn = talk("2")
    assert keys(turn) == ["welcome", "welcome.machine", "menu"]
    assert talk.session.lang == "es"  # type: ignore[union-attr]


def test_short_messages_never_switch_an_established_language(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hello", guess="en")
    talk("hola amigo", guess="es")
    assert talk.session.lang == "en"  # type: ignore[union-attr]
    turn = talk("quiero saber mis derechos", guess="es")
    assert talk.session.lang == "es"  # type: ignore[union-attr]
    assert "language_changed" in types(turn)


def test_numbers_and_words_choose_options_and_set_variables(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hi", guess="en")
    turn = talk("tell me the facts please")
    assert keys(turn) == ["fact", "disclaimer"]
    assert turn.replies[0].text == "A fact. Call 555-0100."  # placeholder from the directory
    assert talk.session.vars == {"topic": "fact"} and talk.session.node is None  # type: ignore[union-attr]
    assert keys(talk("1")) == ["fact"]  # after an end the menu's numbers still work


@pytest.mark.parametrize("one", ["١", "۱", "১", "१", "１"])
def test_a_menu_number_typed_in_any_script_is_that_number(bundle, one: str) -> None:  # type: ignore[no-untyped-def]
    """Arabic, Urdu and Persian, Bengali and Hindi keyboards type their own digits."""
    talk = Talk(bundle)
    talk("hi", guess="en")
    assert keys(talk(one)) == ["fact", "disclaimer"]
    talk = Talk(bundle)
    talk("ok", guess=None)
    talk({"١": "٢", "۱": "۲", "১": "২", "१": "२", "１": "２"}[one])  # the language menu's 2
    assert talk.session.lang == "es"  # type: ignore[union-attr]


def test_disclaimer_once_per_session(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hi", guess="en")
    assert keys(talk("1")) == ["fact", "disclaimer"]
    assert "disclaimer" not in keys(talk("1"))


def test_stale_fact_gets_the_check_the_latest_note(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hi", guess="en")
    assert keys(talk("4")) == ["fact", "review.stale", "disclaimer"]
    assert "review.stale" not in keys(talk("1"))


def test_not_understood_repeats_the_question_in_the_persons_language(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hola", guess="es")
    turn = talk("xyz")
    assert [r.text for r in turn.replies] == ["No entendí.", "1 dato 2 dónde 3 largo"]


def test_switch_asks_where_once(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hi", guess="en")
    assert keys(talk("2")) == ["ask_area"]
    assert keys(talk("1")) == ["nyc"]
    assert talk.session.vars["borough"] == "bronx"  # type: ignore[union-attr]
    assert keys(talk("2")) == ["nyc"]  # asked once: the answer is remembered


def test_trigger_from_the_first_text_opens_a_case(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    turn = talk("¡incendio en mi casa!", guess=None)
    assert keys(turn) == ["alarm"]
    assert types(turn) == ["language_changed", "triggered", "case_opened", "ended"]
    case = turn.events[2].data
    assert case["case"] == "C1" and case["urgency"] == "urgent" and case["lang"] == "es"
    assert turn.replies[0].fallback  # no Spanish text for it: English, and reported


def test_commands_work_in_any_language(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hello", guess="en")
    turn = talk("BORRAR")
    assert turn.session is None and types(turn) == ["erased"] and keys(turn) == ["delete.done"]


def test_stop_is_silent_until_start(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hi", guess="en")
    assert talk("stop").outgoing == []
    assert talk("hello", guess="en").outgoing == []
    assert talk("fire").events == []  # even a trigger: the person asked for silence
    turn = talk("start")
    assert keys(turn) == ["welcome", "menu"] and "started" in types(turn)


def test_stop_on_whatsapp_confirms(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle, channel="whatsapp")
    talk("hi", guess="en")
    assert keys(talk("stop")) == ["stop.done"]


def test_long_sms_reply_is_paged_and_more_sends_the_rest(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hi", guess="en")
    turn = talk("3")
    [first] = turn.outgoing
    assert first.endswith("Reply MORE.")
    assert segments(first) <= 4
    pages = [first]
    while talk.session and talk.session.pages:
        [page] = talk("more").outgoing
        assert segments(page) <= 4
        pages.append(page)
    assert len(pages) >= 2
    whole = " ".join(p.replace("\n\nReply MORE.", "") for p in pages)
    for reply in turn.replies:  # nothing lost: every sentence arrives
        for sentence in reply.text.split(". "):
            assert sentence.rstrip(".") in whole


def test_whatsapp_is_not_paged(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle, channel="whatsapp")
    talk("hi", guess="en")
    turn = talk("3")
    assert len(turn.outgoing) == 2 and not talk.session.pages  # type: ignore[union-attr]


def test_a_vanished_node_sends_the_person_to_the_start(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk.session = Session(node="removed_node", lang="en")
    turn = talk("whatever")
    assert keys(turn) == ["welcome", "menu"]
    assert types(turn)[0] == "node_missing"


def test_media_only_message_is_answered(bundle) -> None:  # type: ignore[no-untyped-def]
    talk = Talk(bundle)
    talk("hi", guess="en")
    assert keys(talk("", media=1)) == ["media.unsupported", "menu"]


def test_session_round_trips_through_json(bundle) -> None:  # type: ignore[no-untyped-def]
    session = Session(
        node="menu", lang="es", vars={"area": "nyc"}, turns=3, disclaimed=True, pages=("rest",)
    )
    assert Session.from_json(session.to_json()) == session


def test_the_welcome_notes_an_unreviewed_translation_until_a_person_reviews_it() -> None:
    import dataclasses

    bundle = load(FIXTURE)
    assert not bundle.translation_checked("es") and bundle.translation_checked("en")
    talk = Talk(bundle)
    assert keys(talk("hello", guess="en")) == ["welcome", "menu"]  # English is the source
    spanish = bundle.locales["es"].model_copy(update={"reviewed": True})
    reviewed = dataclasses.replace(bundle, locales={**bundle.locales, "es": spanish})
    assert keys(Talk(reviewed)("hola", guess="es")) == ["welcome", "menu"]


def test_an_unreviewed_fact_gets_the_not_reviewed_note(bundle) -> None:  # type: ignore[no-untyped-def]
    import dataclasses

    unreviewed = dataclasses.replace(bundle, unreviewed=frozenset({"fact", "old_fact"}))
    talk = Talk(unreviewed)
    talk("hello", guess="en")
    assert keys(talk("1")) == ["fact", "review.none", "disclaimer"]
    assert keys(talk("4")) == ["fact", "review.none"]  # not also "checked a while ago"


def test_hours_are_data_written_in_the_persons_language() -> None:
    from bot.engine.model import Hours, format_hours

    spans = [Hours(days="weekdays", open=8, close=20), Hours(days="weekend", open=9, close=17)]
    english = {
        "hours.weekdays": "Mon-Fri",
        "hours.weekend": "Sat-Sun",
        "hours.am": "{h}am",
        "hours.pm": "{h}pm",
        "hours.span": "{days} {open}-{close}",
    }
    assert format_hours(spans, english.__getitem__) == "Mon-Fri 8am-8pm, Sat-Sun 9am-5pm"
    korean = {**english, "hours.weekdays": "평일", "hours.weekend": "주말"}
    korean |= {"hours.am": "오전 {h}시", "hours.pm": "오후 {h}시"}
    assert (
        format_hours(spans, korean.__getitem__) == "평일 오전 8시-오후 8시, 주말 오전 9시-오후 5시"
    )
    french = {**english, "hours.am": "{h24}h", "hours.pm": "{h24}h"}
    assert format_hours(spans[:1], french.__getitem__) == "Mon-Fri 8h-20h"


def test_emoji_typed_between_phrases_end_sentences() -> None:
    # Session 37: people in a hurry type emoji as stops; the sentence rules read each phrase
    # on its own, and the ends keep any question mark so a question is still known.
    from bot.engine.advance import SENTENCE

    found = SENTENCE.findall("se lo llevaron 😭😭 el mes pasado 🙏 qué hago❓ ICE ❤️ 👩‍👧 ok")
    assert [text.strip() for text, _ in found] == [
        "se lo llevaron",
        "el mes pasado",
        "qué hago",
        "ICE",
        "ok",
    ]
    assert [ends.strip() for _, ends in found] == ["😭😭", "🙏", "❓", "❤️ 👩‍👧", ""]
