"""Urgent first texts as people write them, read by the whole engine: the held halves of the
first texts and of the hand-written sets, which no model, word list or threshold was tuned on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.intent import FIRST_TEXTS, NEW_TEXTS, rows_of
from bot.cli import intent
from bot.engine import Inbound, Turn, advance
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def loaded() -> Any:
    return intent.load(ROOT)


@pytest.mark.parametrize(
    ("paths", "floor"),
    [([FIRST_TEXTS], 96.0), (NEW_TEXTS, 96.0)],
    ids=["first-texts", "hand-written"],
)
def test_held_urgent_texts_open_a_case_on_the_first_text(
    loaded: Any, paths: list[Path], floor: float
) -> None:
    # Floors under this round's figures (97.4 and 98.0); the model before it reached 86.3 and
    # 78.6. The goal stays 98 on both.
    bundle, detector = loaded
    rows = rows_of(paths, "held")
    assert len(rows) > 300
    results = list(intent.run_rows(bundle, detector, rows))
    summary = intent.summarize(results, bundle.languages)["overall"]
    assert summary["urgent_recall"] >= floor, summary


def test_held_calm_texts_reach_their_topic(loaded: Any) -> None:
    # A floor under round 4's figure (83.9 %, with the intent model's topic head; 85.3 % in
    # round 5); the model without it reached 81.6 %. The goal is 93.
    bundle, detector = loaded
    results = list(intent.run_rows(bundle, detector, rows_of([FIRST_TEXTS], "held")))
    assert intent.summarize(results, bundle.languages)["overall"]["topic"] >= 83.0


def test_a_greeting_given_the_language_menu_has_reached_a_menu(loaded: Any) -> None:
    """Topic accuracy: a greeting in a language the hotline does not serve (label `menu`) that
    gets the language menu got what it asked for; a question about a lawyer did not."""
    bundle, detector = loaded
    text = "Καλησπέρα, μιλάει κανείς ελληνικά εδώ;"
    rows = [intent.Row(text, "el", "no", topic, "unsupported") for topic in ("menu", "lawyer")]
    results = list(intent.run_rows(bundle, detector, rows))
    assert [r["layer"] for r in results] == ["language_menu", "language_menu"]
    assert intent.summarize(results, bundle.languages)["overall"]["topic"] == 50.0


@pytest.mark.parametrize(
    "text",
    [
        "ICE 단속 때 통역 자원봉사 하고 싶어요",
        "Хочу быть волонтёром в группе, которая следит за ICE в районе",
        "m vle fè volontè pou ede moun yo lè ICE vini nan katye a",
        "ICE রেইডের সময় মানুষকে সাহায্য করতে স্বেচ্ছাসেবক হতে চাই",
        "Chcę być wolontariuszem w grupie, która pilnuje ICE na osiedlu",
    ],
)
def test_a_wish_to_volunteer_that_names_ice_reaches_take_action(loaded: Any, text: str) -> None:
    """Volunteering is the action topic's: its words come before the agency's bare name."""
    result = _try(loaded, text)
    assert not result["case_opened"] and result["node"] == "action", result


@pytest.mark.parametrize(
    "text",
    [
        "the owner owes me money for three weeks and says he will call ICE if I complain",
        "the diner owes me two months of overtime and the owner says ICE will take me if I sue",
    ],
)
def test_unpaid_wages_with_a_threat_of_ice_reach_rights_at_work(loaded: Any, text: str) -> None:
    """Pay words are the work topic's: a boss's threat to call ICE over wages is a question
    about rights at work, not agents at the door."""
    result = _try(loaded, text)
    assert not result["case_opened"] and result["node"] == "work", result


def test_a_bare_greeting_never_pages_on_the_model_alone(loaded: Any) -> None:
    """Hello in a language the hotline does not serve is read by the model as little more
    than its prior, which leans urgent: the menu answers it. More words, or urgent words, and
    the model or the lists decide as before."""
    bundle, _ = loaded
    leaning = (("urgent:door", 0.65), ("menu", 0.2))
    for greeting in ("bună ziua", "Merhaba!", "habari, jambo", "xin chào bạn"):
        assert not _opened(_first(bundle, greeting, leaning)), greeting
    assert _opened(_first(bundle, "bună ziua, mă iau de pe stradă", leaning))
    assert _opened(_first(bundle, "merhaba ICE kapıda", leaning))


@pytest.mark.parametrize("text", ["kamusta po", "olá, tudo bem?", "Merhaba", "namaste ji"])
def test_hello_in_a_language_the_hotline_does_not_serve_gets_the_language_menu(
    loaded: Any, text: str
) -> None:
    """Not the menu of whichever hotline language the detector guessed from one word: the
    language menu, and the numbers to call now in English and Spanish."""
    result = _try(loaded, text)
    assert result["layer"] == "language_menu" and result["language"] is None, result
    assert "unsupported.numbers" in result["keys"] and not result["case_opened"], result


def test_immigration_named_in_a_language_not_served_pages_unless_read_as_a_calm_topic(
    loaded: Any,
) -> None:
    """Uzbek: "I need a free immigration lawyer, I have an asylum case"; the cognate alone
    pages, unless the model reads a calm topic without "now"."""
    bundle, _ = loaded
    text = "bepul immigratsiya advokati kerak, boshpana ishim bor"

    def first(reading: tuple[tuple[str, float], ...]) -> Turn:
        inbound = Inbound(text, "sms", 0, None, False, intent=reading, unsupported=True)
        return advance(bundle, None, inbound, lambda: "T001")

    calm = first((("lawyer", 0.8), ("urgent:door", 0.05)))
    assert not _opened(calm) and intent.reached(calm)[0] == "lawyer"
    assert _opened(first((("urgent:door", 0.5), ("lawyer", 0.3))))
    assert _opened(first(()))


def _first(bundle: Any, text: str, reading: tuple[tuple[str, float], ...]) -> Turn:
    inbound = Inbound(text, "sms", 0, "en", True, intent=reading)
    return advance(bundle, None, inbound, lambda: "T001")


def test_an_urgent_word_in_a_text_the_model_reads_as_calm_asks_before_paging(
    loaded: Any,
) -> None:
    bundle, _ = loaded
    text = "my brother was detained by ICE, how do we find which jail he is in?"
    calm = (("detained", 0.85), ("lawyer", 0.05), ("urgent:detained", 0.04))
    asked = _first(bundle, text, calm)
    assert not any(e.type == "case_opened" for e in asked.events)
    assert asked.session is not None and asked.session.node == "detained_if"
    # The same words read as urgent (or with no reading at all), or said rather than asked
    # with less than UNMARKED_CALM_MASS of calm certainty (session 25: a reading this calm asks
    # with or without its mark), open a case at once.
    leaning_calm = (("detained", 0.7), ("urgent:detained", 0.15), ("lawyer", 0.05))
    for said, reading in (
        (text, (("urgent:detained", 0.8), ("detained", 0.1))),
        (text, ()),
        (text.removesuffix("?"), leaning_calm),
    ):
        paged = _first(bundle, said, reading)
        assert any(e.type == "case_opened" for e in paged.events), (said, reading)


def test_a_calm_first_text_goes_where_the_model_reads_it_not_where_a_word_points(
    loaded: Any,
) -> None:
    bundle, _ = loaded
    text = "do cops work with ICE in this city"  # "work": the work topic's word list
    sure = (("services_city", 0.7), ("work", 0.1), ("urgent:door", 0.05))
    turn = _first(bundle, text, sure)
    assert intent.reached(turn)[0] == "services_city"
    assert not any(e.type == "case_opened" for e in turn.events)
    # Unsure, the word lists decide, as before.
    unsure = (("services_city", 0.15), ("work", 0.12), ("urgent:door", 0.05))
    assert intent.reached(_first(bundle, text, unsure))[0] == "work"


def test_a_long_calm_text_needs_less_of_the_model_to_leave_a_word_list_topic(
    loaded: Any,
) -> None:
    """In a sentence the organizer's word is one word among many ("health" here): the model's
    topic wins with LONG_TOPIC_P, unless it gives the word list's topic a fair share. A short
    text is mostly its word, and keeps TOPIC_OVERRIDE_P."""
    bundle, _ = loaded
    long = "I am a home health aide and the agency has not paid me for five weeks, what now"
    short = "home health aide, not paid"
    leaning = (("work", 0.35), ("services_health", 0.08), ("urgent:work_now", 0.05))
    assert intent.reached(_first(bundle, long, leaning))[0] == "work"
    assert intent.reached(_first(bundle, short, leaning))[0] == "services_health"
    shared = (("work", 0.35), ("services_health", 0.2), ("urgent:work_now", 0.05))
    assert intent.reached(_first(bundle, long, shared))[0] == "services_health"
    assert not any(e.type == "case_opened" for e in _first(bundle, long, leaning).events)


def test_a_text_that_only_names_the_agency_and_reads_calm_does_not_page(loaded: Any) -> None:
    """ "ICE" with no topic word and no "now": the model's calm reading decides between a page
    and the calm topic; urgent words or a "now" word still page whatever the model reads."""
    bundle, _ = loaded
    text = "our church group wants to organize a know your rights night about ICE"
    calm = (("action", 0.6), ("door", 0.1), ("urgent:door", 0.1))
    turn = _first(bundle, text, calm)
    assert not _opened(turn) and intent.reached(turn)[0] == "action"
    urgent = (("urgent:door", 0.5), ("action", 0.3))
    assert _opened(_first(bundle, text, urgent))
    assert _opened(_first(bundle, "ICE at the church right now", calm))


@pytest.mark.parametrize(
    "text",
    [
        "my brother was detained by ICE last week and we still don't know where",
        "a mi esposo lo detuvo ICE el mes pasado, donde lo tienen",
        "мужа задержали ICE на прошлой неделе, где его искать",
    ],
)
def test_a_detention_weeks_ago_asks_whether_it_is_happening_now(loaded: Any, text: str) -> None:
    bundle, detector = loaded
    found = detector.detect(text)
    # Even with a reading that leans urgent, the words say it was weeks ago: no page yet.
    inbound = Inbound(text, "sms", 0, found.lang, True, intent=(("urgent:detained", 0.6),))
    turn = advance(bundle, None, inbound, lambda: "T001")
    assert not any(e.type == "case_opened" for e in turn.events)
    assert intent.reached(turn)[0] == "detained_if"


def test_a_past_word_gives_way_when_now_is_said_and_the_model_is_near_sure(loaded: Any) -> None:
    """Weeks ago for a neighbour, now for us, with no "again" word and the urgent word beside
    the past one: the model's near-certain urgent reading (PAST_NOW_MASS) and a "now" word make
    it happening now; a leaning reading keeps the guidance and "is it now?"."""
    text = "neighbour taken last week, now they knock here"
    sure = (("urgent:door", 0.97), ("door", 0.02))
    leaning = (("urgent:door", 0.75), ("door", 0.15))
    assert _opened(_detected(loaded, text, sure))
    assert not _opened(_detected(loaded, text, leaning))


def test_a_dictated_text_whose_urgent_part_lies_apart_from_its_past_opens_on_a_leaning_reading(
    loaded: Any,
) -> None:
    """Session 36 (_now_clause): in one run-on sentence, "now they are in our hallway knocking"
    holds its urgent words four words and more from "last week", which belongs to the
    neighbour: a reading that leans urgent (SENTENCE_NOW_MASS) opens the case; one that leans
    calm does not."""
    text = "they took the man next door last week, now they are in our hallway knocking"
    leaning = (("urgent:door", 0.75), ("door", 0.15))
    calm = (("door", 0.6), ("urgent:door", 0.3))
    assert _opened(_detected(loaded, text, leaning))
    assert not _opened(_detected(loaded, text, calm))


def test_the_urgent_guidance_follows_the_model_when_it_is_sure(loaded: Any) -> None:
    bundle, _ = loaded
    text = "ICE agents are grabbing me at the door of the shop"
    sure = (("urgent:detained", 0.8), ("urgent:door", 0.1))
    unsure = (("urgent:detained", 0.45), ("urgent:door", 0.4))
    for reading, node in ((sure, "detained"), (unsure, "door")):
        turn = _first(bundle, text, reading)
        assert intent.reached(turn)[0] == node, reading
        assert any(e.type == "case_opened" for e in turn.events)


def test_the_engine_asks_the_model_once_a_turn(loaded: Any) -> None:
    bundle, _ = loaded
    calls = []

    def reading() -> tuple[tuple[str, float], ...]:
        calls.append(1)
        return (("detained", 0.85), ("urgent:detained", 0.04))

    text = "my brother was detained by ICE, how do we find which jail he is in?"
    advance(bundle, None, Inbound(text, "sms", 0, "en", True, intent=reading), lambda: "T1")
    assert len(calls) == 1


def _detected(loaded: Any, text: str, reading: tuple[tuple[str, float], ...]) -> Turn:
    bundle, detector = loaded
    found = detector.detect(text)
    inbound = Inbound(
        text, "sms", 0, found.lang, bool(found.lang), intent=reading,
        unsupported=found.unsupported, romanized=found.romanized,
    )  # fmt: skip
    return advance(bundle, None, inbound, lambda: "T001")


def _opened(turn: Turn) -> bool:
    return any(e.type == "case_opened" for e in turn.events)


def test_a_question_asked_while_it_happens_opens_a_case(loaded: Any) -> None:
    # "Do I have to open?" with "right now" in the words, read as urgent: asked at the door.
    text = "immigration is at my door right now, do i have to open it?"
    assert _opened(_detected(loaded, text, (("urgent:door", 0.85), ("door", 0.1))))
    # The same question with no "now" in it, or read as calm, gets the guidance first.
    later = "if immigration comes to my door, do i have to open it?"
    assert not _opened(_detected(loaded, later, (("urgent:door", 0.85), ("door", 0.1))))
    # Read as calm, the question without "right now" gets the guidance first; with it (a word
    # of cue.still: this moment, this place) it is asked at the door whatever the model reads.
    calm = (("door", 0.6), ("urgent:door", 0.3))
    assert not _opened(_detected(loaded, "immigration is at my door, do i have to open it?", calm))
    assert _opened(_detected(loaded, text, calm))


@pytest.mark.parametrize(
    "text",
    [
        "ils m'emmènent, prévenez ma femme svp",  # "warn my wife", not "pass it on"
        "mon cousin m'a appelé, il dit qu'on le transfère ailleurs maintenant",
        "엄마네 집에 이민국 직원들 지금 왔대요 문 열라고 한대요",  # "she says they came"
    ],
)
def test_reported_speech_is_not_a_forwarded_rumour(loaded: Any, text: str) -> None:
    urgent = (("urgent:detained", 0.6), ("urgent:door", 0.3))
    assert _opened(_detected(loaded, text, urgent)), text


def test_a_question_with_a_topic_word_turns_urgent_only_when_the_model_is_sure(
    loaded: Any,
) -> None:
    text = "my cousin never came back from the bodega, where do we bring his papers?"
    assert _opened(_detected(loaded, text, (("urgent:detained", 0.9), ("papers", 0.05))))
    assert not _opened(_detected(loaded, text, (("urgent:detained", 0.6), ("papers", 0.3))))


def test_a_text_naming_only_the_agency_gets_the_guidance_of_what_the_model_reads(
    loaded: Any,
) -> None:
    bundle, _ = loaded
    text = "is it true ICE will raid the factories in sunset park on friday?"
    work = (("work_now", 0.45), ("urgent:work_now", 0.25), ("urgent:door", 0.1))
    turn = _detected(loaded, text, work)
    assert not _opened(turn)
    assert intent.reached(turn)[0] == "work_if"
    # Unsure, or as sure of the door, the agency list's own guidance stands.
    for reading in (
        (("work_now", 0.3), ("report", 0.3)),
        (("work_now", 0.5), ("door", 0.4)),
    ):
        assert intent.reached(_detected(loaded, text, reading))[0] == "door_if", reading


def test_an_unsupported_language_asking_calmly_about_ice_gets_the_guidance_first(
    loaded: Any,
) -> None:
    text = "apa hak saya, imigrasi mengetuk pintu rumah kami?"  # Indonesian
    calm = (("door", 0.7), ("urgent:door", 0.2))
    assert not _opened(_detected(loaded, text, calm))
    # Said, not asked (and read with more than UNMARKED_CALM_MASS urgent), or read as urgent:
    # a case, in English.
    assert _opened(_detected(loaded, text.removesuffix("?"), calm))
    assert _opened(_detected(loaded, text, (("urgent:door", 0.7), ("door", 0.2))))


@pytest.mark.parametrize(
    "text",
    [
        "muzha zabrali",
        "zaderzhali brata u metro",
        "bhai ko pakad ke le gaye",
        "bhaire dhore niye gese",
    ],
)
def test_romanized_urgent_words_open_a_case(loaded: Any, text: str) -> None:
    assert _opened(_detected(loaded, text, ())), text


def test_a_nearly_split_reading_leaves_the_urgent_words_to_decide(loaded: Any) -> None:
    text = "ICE est à ma porte, qu'est-ce que je fais ?"
    split = (("door", 0.24), ("urgent:door", 0.21), ("report", 0.12))
    assert _opened(_detected(loaded, text, split))
    calm = (("door", 0.5), ("urgent:door", 0.2), ("report", 0.1))
    assert not _opened(_detected(loaded, text, calm))


def test_a_free_text_question_gets_the_topic_the_model_reads_not_the_menu(loaded: Any) -> None:
    bundle, _ = loaded
    text = "how much does it cost to get someone out"  # no word list knows it
    weak = (("detained", 0.25), ("lawyer", 0.2), ("menu", 0.15))
    assert intent.reached(_detected(loaded, text, weak))[0] != bundle.menu
    unsure = (("detained", 0.12), ("lawyer", 0.11), ("menu", 0.1))
    assert intent.reached(_detected(loaded, text, unsure))[0] in (bundle.menu, None)


@pytest.mark.parametrize(
    "text",
    [
        "están deteniendo a mi esposo afuera del trabajo",  # es: progressive
        "they arrested her outside the deli",  # en
        "ils nous arrêtent en bas de chez nous",  # fr
        "y ap kenbe m nan estasyon an",  # ht
        "zakuli męża przed sklepem",  # pl
        "сына арестовала полиция у метро",  # ru: feminine subject
        "아버지가 방금 잡혀가셨어요",  # ko: honorific past
        "اعتقلونا من الشغل",  # ar: "they arrested us"
        "میرے دونوں بھائی پکڑ لیے گئے",  # ur: plural passive
        "ভাইকে নিয়ে যাচ্ছিল পুলিশ",  # bn: past progressive
        "他们把他抓进车里了",  # zh
    ],
)
def test_every_form_of_the_urgent_verbs_opens_a_case(loaded: Any, text: str) -> None:
    assert _opened(_detected(loaded, text, ())), text  # the word lists alone, no model


def _try(loaded: Any, text: str) -> dict[str, Any]:
    """A first text through the detector and the engine, as `hotline flows try` runs it."""
    bundle, detector = loaded
    return intent.try_text(bundle, detector, intent.Row(text=text))


@pytest.mark.parametrize(
    "text",
    [
        "Η μετανάστευση είναι έξω από το σπίτι μας",  # Greek
        "göçmenlik polisi kapıda bekliyor",  # Turkish
        "იმიგრაციის აგენტები ჩვენს სახლთან არიან",  # Georgian
        "अध्यागमनका मान्छे पसलमा आएका छन्",  # Nepali
        "ICE kapıda şimdi, ne yapayım",  # said, not asked: a case, "if" words or not
    ],
)
def test_the_agency_named_in_a_language_the_hotline_does_not_serve_opens_a_case(
    loaded: Any, text: str
) -> None:
    result = _try(loaded, text)
    assert result["case_opened"], result


def test_a_what_if_about_the_street_in_arabizi_reaches_the_street_answer_like_its_twins(
    loaded: Any,
) -> None:
    """ "If ICE stops me in the street, must I say where I'm from?" reaches the street answer in
    English, Spanish and Arabic script; in Arabizi ("fel share3") too, and pages no one. It
    names the agency, so the answer asks "is this happening now?" after it (street_if)."""
    for text in (
        "if ICE stops me in the street, do I have to say where I'm from?",
        "لو وقفني ICE في الشارع لازم اقول انا منين؟",
        "law el ICE wa2fooni fel share3 lazem a2ol ana mnen?",
    ):
        result = _try(loaded, text)
        assert result["node"] == "street_if" and result["about"] == "street", result
        assert not result["case_opened"], result


@pytest.mark.parametrize(
    ("text", "node"),
    [
        # Weeks ago, in Latin letters and with the number as people write it.
        ("muzha zaderzhali dve nedeli nazad, kak ego nayti?", "detained_if"),
        ("akhoya et2abad 3aleh min shahr, wen howa?", "detained_if"),  # Arabizi
        # Any number of years, months or weeks ago (# in the word lists), in Arabizi too.
        ("akhoya et2abad 3aleh min 3 snin, lazem yeroo7 el mahkama?", "detained_if"),
        ("3ammi et2abad men 2 shohor fi brooklyn, eih el e7na3melo?", "detained_if"),
        ("brata zabrali pozavchera, gde on seichas?", "detained_if"),
        ("a mi hermano lo agarraron hace 4 semanas, dónde lo buscamos?", "detained_if"),
        ("brata zatrzymali 3 dni temu, gdzie go szukać?", "detained_if"),
        ("我弟弟五天前被移民局抓了，怎么找他", "detained_if"),
        ("남편이 3주전에 잡혀갔는데 지금 어디 있는지 몰라요", "detained_if"),  # no space
        # "What if", in Arabizi ("law el", "loo el"), romanized Korean and languages the
        # hotline does not serve (Turkish, Hindi, Indonesian).
        ("law el ICE wa2fooni lazem a2ol ana mnen?", None),
        ("loo el ICE ija 3al shoghol shu a3mel?", None),
        ("ICE ga jip-e omyeon eotteoke haeyo?", None),
        ("Eğer ICE kapıya gelirse açmak zorunda mıyım?", None),
        ("अगर ICE काम पर आ जाए तो क्या करें?", None),
        ("jika ICE datang ke rumah saya, apakah saya harus buka pintu?", None),
        # A rumour checked: "is it real?", "is it true?" in Arabizi and Roman Urdu.
        ("el nas bt2ool en el ICE fel masjid, da 7a2i2i?", None),
        ("wasalatni risala en ICE fel souk el yom, hal hatha sa7i7?", None),
        ("kya yeh sach hai ke ICE masjid ke bahar khadi hai?", None),
    ],
)
def test_a_calm_first_text_gets_the_guidance_and_is_it_now_before_any_page(
    loaded: Any, text: str, node: str | None
) -> None:
    result = _try(loaded, text)
    assert not result["case_opened"] and result["node"].endswith("_if"), result
    assert node is None or result["node"] == node, result


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        (
            "aresztowali mnie 3 lata temu za jazde bez prawa jazdy,"
            " czy to bedzie problem w sadzie imigracyjnym?",
            "courts",
        ),
        (
            "a mi primo lo detuvieron hace 2 meses, necesitamos un abogado, a donde llamamos?",
            "lawyer",
        ),
        ("akhoya et2abad 3aleh min shahr, ezay nla2i mo7ami", "lawyer"),  # Arabizi
        # Turkish, a language the hotline does not serve: "immigration took my brother last
        # month, where do I find a free lawyer?"
        ("göçmenlik geçen ay kardeşimi aldı, ücretsiz avukat nerede bulurum?", "lawyer"),
    ],
)
def test_a_calm_question_about_a_past_arrest_reaches_the_topic_it_asks_about(
    loaded: Any, text: str, topic: str
) -> None:
    """Urgent words in a calm question would give the detained guidance and "is it now?"; the
    model's topic head reads what is asked (court, a lawyer) with ASKED_TOPIC_P."""
    result = _try(loaded, text)
    assert not result["case_opened"] and result["node"] == topic, result


def test_an_age_is_not_a_span_of_time(loaded: Any) -> None:
    """Creole "li gen 15 an" is "he is 15", not "15 years ago" ("sa gen 15 an")."""
    result = _try(loaded, "imigrasyon fèk arete frè m devan lekòl la, li gen 15 an sèlman")
    assert result["case_opened"], result


def test_a_text_the_model_reads_as_urgent_but_long_past_asks_first(loaded: Any) -> None:
    """Past spans count on the model's path as on the word lists': no urgent word here, the
    model reads it urgent, and "20 days ago" says it is not happening now."""
    bundle, _ = loaded
    urgent = (("urgent:detained", 0.8), ("detained", 0.1))
    past = _first(bundle, "my uncle 20 days ago, the family does not know what to do", urgent)
    assert not _opened(past) and past.session is not None
    assert past.session.node == "detained_if"
    now = _first(bundle, "my uncle this morning, the family does not know what to do", urgent)
    assert _opened(now)


def test_a_rumour_passed_on_reaches_the_matter_it_tells_of_not_the_report_form(
    loaded: Any,
) -> None:
    """A forwarded warning is not a sighting the writer wants to report: read as a report, it
    takes the next matter the model reads (urgent and calm together), with its guidance and "is
    it now?", and no page."""
    bundle, _ = loaded
    text = "raids at the car washes in the bronx this weekend, pass it on"
    reading = (("report", 0.4), ("work_now", 0.3), ("urgent:work_now", 0.1), ("action", 0.05))
    turn = _first(bundle, text, reading)
    node, _, about = intent.reached(turn)
    assert (node, about) == ("work_if", "work_now")
    assert not _opened(turn)
    # Without the words of a rumour passed on, the same reading is a report.
    said = "raids at the car washes in the bronx this weekend, i saw them"
    assert intent.reached(_first(bundle, said, reading))[2] != "work_now"


def test_a_sighting_from_yesterday_read_as_a_report_does_not_page(loaded: Any) -> None:
    """The agency's name and an arrest seen yesterday, no report word: the model reads a report
    first, so it is a sighting to report, not a page. Read as urgent, it still pages."""
    bundle, _ = loaded
    text = "yesterday ICE grabbed a man outside the laundromat, i was there"
    report = (("report", 0.45), ("urgent:detained", 0.3), ("urgent:door", 0.05))
    assert not _opened(_first(bundle, text, report))
    urgent = (("urgent:detained", 0.6), ("report", 0.3))
    assert _opened(_first(bundle, text, urgent))


def test_a_language_the_hotline_does_not_serve_pages_on_less_of_the_model(loaded: Any) -> None:
    """Romanian, no word list reads it: "two men in vests at the door asking the super for my
    husband". Read as urgent with 0.4, it opens a case; the same reading of a text in a hotline
    language (whose word lists had their say) does not."""
    bundle, _ = loaded
    reading = (("urgent:door", 0.25), ("urgent:detained", 0.15), ("door", 0.1))
    text = "doi barbati cu veste la usa il intreaba pe administrator de sotul meu"
    unsupported = Inbound(text, "sms", 0, None, False, intent=reading, unsupported=True)
    turn = advance(bundle, None, unsupported, lambda: "T001")
    assert _opened(turn) and intent.reached(turn)[0] == "door"
    served = Inbound("mi hermano y el edificio", "sms", 0, "es", True, intent=reading)
    assert not _opened(advance(bundle, None, served, lambda: "T001"))


def test_a_question_read_as_its_urgent_words_own_calm_side_needs_a_sure_model_to_stay_calm(
    loaded: Any,
) -> None:
    """ "ICE is at my door, what do I do?": the model reading the door's rights (the urgent
    words' own calm side) at 0.33 does not stop the page; at 0.6 it is a question about the
    door's rights, the guidance and "is it now?"."""
    bundle, _ = loaded
    text = "L'ICE est à ma porte, qu'est-ce que je fais ?"
    unsure = (("door", 0.33), ("urgent:door", 0.15), ("report", 0.06))
    assert _opened(_detected(loaded, text, unsure))
    sure = (("door", 0.6), ("urgent:door", 0.15))
    asked = _detected(loaded, text, sure)
    assert not _opened(asked) and intent.reached(asked)[0] == "door_if"


def test_a_rumour_the_model_leans_to_as_happening_keeps_the_guidance_and_the_question(
    loaded: Any,
) -> None:
    """A forwarded warning of checks tomorrow, read likeliest as a raid happening: the guidance
    and "is it now?", not a calm topic's answer that ends the conversation."""
    text = "PRZEKAZCIE DALEJ jutro ICE robi kontrole na Greenpoincie, nie wychodzcie"
    leaning = (("urgent:work_now", 0.32), ("street", 0.25), ("urgent:detained", 0.12))
    turn = _detected(loaded, text, leaning)
    assert not _opened(turn) and intent.reached(turn)[0] == "door_if"
    calm = (("street", 0.6), ("urgent:work_now", 0.1))
    assert intent.reached(_detected(loaded, text, calm))[0] == "street"


def test_a_calm_question_takes_the_model_s_likeliest_calm_topic_past_an_urgent_label(
    loaded: Any,
) -> None:
    """Urgent words about a detention two months ago led to "is it now?"; the model's likeliest
    label is urgent, its likeliest calm one the lawyer: the question is about a lawyer."""
    bundle, _ = loaded
    text = "a mi primo lo detuvieron hace 2 meses, necesitamos un abogado, a donde llamamos?"
    reading = (("urgent:detained", 0.39), ("lawyer", 0.38), ("detained", 0.19))
    turn = _detected(loaded, text, reading)
    assert not _opened(turn) and intent.reached(turn)[0] == "lawyer"


def test_a_language_not_served_gets_a_topic_on_the_model_alone_only_when_it_is_sure(
    loaded: Any,
) -> None:
    """Portuguese, no word list matched: a weak reading of a topic gets the language menu and the
    numbers to call, not the street answer in English."""
    text = "Oi, vocês podem me ajudar com uma dúvida sobre o meu visto?"
    weak = (("street", 0.24), ("urgent:door", 0.12), ("urgent:detained", 0.12))
    result = _detected(loaded, text, weak)
    assert intent.reached(result)[1] == "language_menu" and not _opened(result)
    sure = (("street", 0.6), ("urgent:door", 0.05))
    assert intent.reached(_detected(loaded, text, sure))[0] == "street"


def test_the_model_s_calm_reading_of_an_urgent_matter_passes_a_word_list_s_calm_topic(
    loaded: Any,
) -> None:
    """A job word found Rights at work, but the model reads the question as what to do in a
    raid at work: that guidance and "is it now?", no page. Read as rights at work, it stays."""
    bundle, _ = loaded
    text = "the guys at my job say there will be checks at the warehouse soon, what do we do then"
    raid = (("work_now", 0.8), ("work", 0.1), ("urgent:work_now", 0.05))
    turn = _first(bundle, text, raid)
    assert intent.reached(turn)[::2] == ("work_if", "work_now") and not _opened(turn)
    rights = (("work", 0.8), ("work_now", 0.1), ("urgent:work_now", 0.05))
    assert intent.reached(_first(bundle, text, rights))[0] == "work"


def test_a_short_calm_text_takes_the_model_s_topic_at_0_4_and_keeps_its_word_below(
    loaded: Any,
) -> None:
    """A car word found the traffic-stop answer; the model reads papers 0.45: papers. A
    weaker reading (0.35, as "¿qué es una orden de retención?" gets) leaves the word's topic."""
    bundle, _ = loaded
    text = "passport needed in the car?"
    sure = (("papers", 0.45), ("car", 0.2), ("street", 0.1))
    assert intent.reached(_first(bundle, text, sure))[0] == "papers"
    weak = (("papers", 0.35), ("car", 0.2), ("street", 0.1))
    assert intent.reached(_first(bundle, text, weak))[0] == "car"


@pytest.mark.parametrize(
    ("text", "past"),
    [
        ("immigration arrested my uncle like 3 weeks back, how do we find where he is", True),
        ("immigration arrested my uncle like 10 minutes back, they are still outside", False),
        # Creole: "they arrested my cousin 3 weeks ago, we don't know where he is"
        ("imigrasyon te arete kouzen m gen 3 semen, nou pa konnen ki kote l ye", True),
        # ... and "15 minutes ago": now
        ("imigrasyon arete kouzen m gen 15 minit, yo la toujou", False),
        # The month it happened in is the past too (session 25).
        ("immigration picked up my brother in february, he's in a jail in jersey", True),
        ("a mi primo se lo llevó la migra en octubre, sigue en un centro en Texas", True),
        ("Брата забрала иммиграция в сентябре, он в центре в Нью-Джерси", True),
        ("Teścia zatrzymało ICE w listopadzie, jest w ośrodku w Batavii", True),
        ("imigrasyon arete kouzen m nan mwa jen, li nan yon sant an Lwizyana", True),
        ("immigration picked up my brother just now, he's in a van outside", False),
    ],
)
def test_an_arrest_weeks_back_does_not_page_and_minutes_back_does(
    loaded: Any, text: str, past: bool
) -> None:
    """A span ago said as "back", or in Creole as "gen <n> semèn", or the month it happened in
    ("in February", "w listopadzie") is the past (cue.past): the guidance and "is it now?", no
    page; "yes" opens the case. Minutes ago, or just now, is now."""
    assert _try(loaded, text)["case_opened"] is not past


def test_a_romanized_question_the_model_reads_urgent_at_0_6_pages(loaded: Any) -> None:
    """Roman Urdu, "people with badges came to the factory and lined everyone up, what do I
    do?": a work word, and 0.62 urgent pages (the romanized floor was 0.65); 0.55 does not."""
    text = "factory me badge wale log aaye hain sab ko line me khara kar diya kya karun?"
    assert _opened(_detected(loaded, text, (("urgent:work_now", 0.62), ("work", 0.2))))
    assert not _opened(_detected(loaded, text, (("urgent:work_now", 0.55), ("work", 0.2))))


@pytest.mark.parametrize(
    "text",
    [
        # "my brother was taken by ICE a while ago and now he is in a center in Jersey, how do I
        # send him money", typed in a hurry: no mark and no question word the lists know.
        "a mi hermano lo agarro ICE hace rato y ahora esta en un centro en Jersey como le mando"
        " plata",
        # "my husband has been held by ICE since summer, now he sits in Batavia and we do not
        # know what comes next": no question at all, and no page either
        "Mój mąż jest zatrzymany przez ICE od lata, teraz siedzi w Batavii a my nie wiemy co dalej",
    ],
)
def test_a_question_without_its_mark_that_the_model_reads_as_calm_does_not_page(
    loaded: Any, text: str
) -> None:
    """Hurried and dictated questions drop their "?". Urgent words and a "now" word in one the
    model reads as calm, under UNMARKED_CALM_MASS on the urgent labels, get the guidance and
    "is it now?" as the same text with its mark does; a reading with more urgent mass still
    pages."""
    calm = (("detained", 0.9), ("lawyer", 0.04), ("urgent:detained", 0.03))
    assert not _opened(_detected(loaded, text, calm))
    assert not _opened(_detected(loaded, text + "?", calm))
    unsure = (("detained", 0.7), ("urgent:detained", 0.2), ("lawyer", 0.05))
    assert _opened(_detected(loaded, text, unsure))


@pytest.mark.parametrize("text", ["good morning", "marhaba", "😭", "🙏🙏", "помогите", "hi 🙏"])
def test_a_greeting_help_or_emoji_alone_never_pages_however_the_model_reads_it(
    loaded: Any, text: str
) -> None:
    """Nothing in it to read a matter from: every such first text in the data is labelled menu.
    The model once read "good morning" as the door and a lone crying face as someone taken."""
    urgent = (("urgent:detained", 0.9), ("menu", 0.05))
    assert not _opened(_detected(loaded, text, urgent))
    assert _opened(_detected(loaded, "they took my dad " + text, urgent))
