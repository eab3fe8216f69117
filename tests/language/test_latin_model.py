"""Texts in Latin letters that are not in a Latin-script hotline language: the Latin-letters
model keeps them from being answered in Polish, Creole or Spanish."""

from __future__ import annotations

import pytest

from bot.language import Detector


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("chelovek v forme sprashivaet pro moego muzha u sosedey", "ru"),
        ("nas vseh postavili k stene na sklade, sprashivayut dokumenty", "ru"),
        # Cantonese romanized as Hong Kong types it: Chinese, never Haitian Creole (session 28)
        ("nei dei sik m sik gong gwongdungwa", "zh"),
        ("ngo lou gung bei jyu lau, dim syun a", "zh"),
    ],
)
def test_romanized_text_is_read_as_its_language(detector: Detector, text: str, lang: str) -> None:
    found = detector.language(text)
    assert (found.lang, found.romanized) == (lang, True)


@pytest.mark.parametrize(
    "text",
    [
        "nenu ikkada undalenu, naaku sahayam kavali",  # Telugu in Latin letters
        "ola, meu marido foi levado hoje cedo perto do trabalho, nao sei onde ele esta",
    ],
)
def test_a_language_the_hotline_does_not_serve_is_not_labelled_as_one(
    detector: Detector, text: str
) -> None:
    found = detector.language(text)
    assert found.lang is None and found.unsupported


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("my husband did not come home from work and his phone is off", "en"),
        ("mi esposo no ha vuelto del trabajo y no contesta el telefono", "es"),
        ("mon mari n'est pas rentré du travail et son téléphone est coupé", "fr"),
        ("mari m pa tounen soti travay e telefon li etenn", "ht"),
        ("mój mąż nie wrócił z pracy i ma wyłączony telefon", "pl"),
    ],
)
def test_the_latin_hotline_languages_stay_themselves(
    detector: Detector, text: str, lang: str
) -> None:
    assert detector.language(text).lang == lang


def test_a_text_leaning_romanized_is_not_answered_in_polish(detector: Detector) -> None:
    # py3langid, choosing among the Latin hotline languages only, calls this Polish.
    found = detector.language("mama zvonit, govorit k nej lomjatsja")
    assert (found.lang, found.romanized) == ("ru", True)


@pytest.mark.parametrize(
    "text",
    [
        "Guten Abend, ich möchte wissen, wie ich mich ehrenamtlich engagieren kann",
        "Wir suchen einen kostenlosen Anwalt für meinen Onkel, wo finden wir Hilfe?",
        "Goedemiddag, ik zoek een gratis advocaat voor mijn broer, kunt u helpen?",
        "Hej, jag undrar om min son kan börja skolan utan papper",
        "Guten Morgen, darf mein Sohn ohne Papiere zur Schule gehen?",
        "Dobrý den, hledám právníka zdarma pro mého bratra, můžete pomoct?",
        "Dobry den, hladam bezplatneho pravnika pre mojho brata, mozete pomoct?",
        "Bon dia, vull saber si el meu fill pot anar a l'escola sense papers",
    ],
)
def test_a_latin_language_py3langid_alone_would_call_a_hotline_one_gets_the_menu(
    detector: Detector, text: str
) -> None:
    """German, Dutch, Swedish, Czech, Slovak, Catalan: the Latin-letters model does not place
    them in a hotline language, and py3langid, given the common unserved Latin-script languages
    beside the hotline's, is sure of one of those; before, it could only choose among the
    hotline's (Polish, English, Spanish, Creole)."""
    found = detector.language(text)
    assert found.lang is None and found.unsupported, found


@pytest.mark.parametrize(
    "text",
    [
        "zabrali mojego brata z pracy godzine temu, gdzie go trzymaja?",
        "oni zabrali syna sprzed szkoły, pomocy",
        "halo? po polsku?",
    ],
)
def test_polish_that_shares_words_with_russian_in_latin_letters_is_polish(
    detector: Detector, text: str
) -> None:
    """ "zabrali", "brata", "oni", "syn" are Polish as much as Russian written in Latin letters,
    and "po" is Tagalog too: a word of both is evidence for neither, so these are answered in
    Polish, not in English with the offer of Russian (or the menu)."""
    assert detector.language(text).lang == "pl"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("ICE está outside my building ahorita, tengo que abrir the door si tocan?", "es"),
        ("they took my brother ils l'ont mis dans la voiture, please", "fr"),
        ("mon frere arrete 😭", "fr"),
    ],
)
def test_unsure_py3langid_gives_way_to_a_latin_model_that_leans_to_another_language(
    detector: Detector, text: str, lang: str
) -> None:
    """Spanglish and French with English words: py3langid, unsure, said English; the
    Latin-letters model, trained on texts as people text them, leans to the writer's language."""
    assert detector.language(text).lang == lang


@pytest.mark.parametrize(
    "text",
    [
        "migratsiya u dveri",
        "pomoshch",
        "nachalnik grozit pozvonit v migratsiyu",
    ],
)
def test_russian_in_latin_letters_the_model_calls_foreign_is_russian(
    detector: Detector, text: str
) -> None:
    """Words of Russian in Latin letters the lists lacked: these were answered as a language the
    hotline does not serve (or in Polish), not in English with the offer of Russian."""
    found = detector.language(text)
    assert (found.lang, found.romanized) == ("ru", True)
