"""Twilio's real form shapes for media, locations, buttons and forwarded messages
(tests/fixtures/twilio/), through the signed webhook against a real Redis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import redis

from bot.escalation import cases
from bot.turn.inbound import parse
from tests.conftest import Phone
from tests.web.test_webhook import messages

FIXTURES = Path(__file__).parents[1] / "fixtures" / "twilio"
MEDIA = [
    "whatsapp_voice_note",
    "whatsapp_photo",
    "whatsapp_video",
    "whatsapp_document_pdf",
    "whatsapp_sticker",
    "whatsapp_contact_card",
    "whatsapp_location",
]
OWN = ("From", "To", "AccountSid", "MessageSid", "SmsMessageSid", "SmsSid", "WaId")


def fixture(name: str) -> dict[str, str]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def send(phone: Phone, name: str) -> Any:
    """Post a captured form as this phone's next message, signed like Twilio signs it."""
    form = {k: v for k, v in fixture(name).items() if k not in OWN}
    return phone.post(phone.form(form.pop("Body"), **form))


@pytest.fixture
def whatsapp(client: Any) -> Phone:
    return Phone(client, channel="whatsapp")


def test_the_fixtures_parse_into_what_the_engine_needs() -> None:
    voice = parse(fixture("whatsapp_voice_note"))
    assert (voice.media, voice.media_types, voice.text) == (1, ("audio/ogg",), "")
    assert parse(fixture("whatsapp_location")).location
    assert not parse(fixture("whatsapp_photo")).location
    assert parse(fixture("whatsapp_forwarded")).forwarded
    assert parse(fixture("whatsapp_frequently_forwarded")).forwarded
    assert not parse(fixture("whatsapp_photo_with_caption")).forwarded
    empty_body = dict(fixture("whatsapp_button_reply"), Body="")
    assert parse(empty_body).text == "Yes"  # the button's words when Body is empty


@pytest.mark.parametrize("name", MEDIA)
def test_media_first_gets_the_menu_what_we_read_and_the_numbers(
    whatsapp: Phone, say: Any, name: str
) -> None:
    response = send(whatsapp, name)
    assert response.status_code == 200
    text = "\n".join(messages(response))
    assert say("en", "lang.menu") in text
    assert say("en", "media.unsupported") in text
    assert say("en", "unsupported.numbers") in text
    assert say("en", "not_understood") not in text


def test_sms_picture_without_text_is_answered_too(phone: Phone, say: Any) -> None:
    text = "\n".join(messages(send(phone, "sms_mms_photo")))
    assert say("en", "media.unsupported") in text and say("en", "lang.menu") in text


@pytest.mark.parametrize("name", ["whatsapp_location", "whatsapp_voice_note", "whatsapp_sticker"])
def test_media_in_a_spanish_conversation_is_answered_in_spanish(
    whatsapp: Phone, say: Any, name: str
) -> None:
    whatsapp.send("hola")
    text = "\n".join(messages(send(whatsapp, name)))
    assert say("es", "media.unsupported") in text
    assert say("es", "media.call") in text
    assert say("es", "not_understood") not in text


def test_a_caption_counts_as_text(whatsapp: Phone, say: Any, r: redis.Redis) -> None:
    text = "\n".join(messages(send(whatsapp, "whatsapp_photo_with_caption")))
    assert say("es", "warrants.what")[:40] in text
    assert say("es", "media.unsupported") not in text


def test_a_photo_of_a_paper_offers_a_person_to_look_at_it_through_a_request(
    whatsapp: Phone, say: Any, r: redis.Redis
) -> None:
    text = "\n".join(messages(send(whatsapp, "whatsapp_photo_with_caption")))
    assert say("es", "warrants.what")[:40] in text
    assert say("es", "warrants.look") in text
    assert cases.open_cases(r) == []  # a question about a paper pages nobody by itself
    opened = "\n".join(messages(whatsapp.send("1")))
    [case] = cases.open_cases(r)
    assert (case["urgency"], case["topic"]) == ("normal", "warrants")
    assert say("es", "warrants.look_opened").split("{case}")[0] in opened
    assert case["id"] in opened


def test_the_same_question_without_a_photo_ends_with_the_answer(whatsapp: Phone, say: Any) -> None:
    caption = fixture("whatsapp_photo_with_caption")["Body"]
    text = "\n".join(messages(whatsapp.send(caption)))
    assert say("es", "warrants.what")[:40] in text
    assert say("es", "warrants.look") not in text


@pytest.mark.parametrize(
    ("name", "lang"),
    [("whatsapp_forwarded", "es"), ("whatsapp_frequently_forwarded", "en")],
)
def test_a_forwarded_rumour_gets_guidance_and_a_question_before_any_page(
    whatsapp: Phone, say: Any, r: redis.Redis, name: str, lang: str
) -> None:
    text = "\n".join(messages(send(whatsapp, name)))
    assert say(lang, "now.ask") in text
    assert not r.keys(cases.CASE + "*")  # nobody paged for a rumour
    whatsapp.send("1")  # yes, it is happening here now
    assert r.keys(cases.CASE + "*")


def test_a_button_reply_answers_the_question(whatsapp: Phone, say: Any, r: redis.Redis) -> None:
    whatsapp.send("ICE is at my door")
    text = "\n".join(messages(send(whatsapp, "whatsapp_button_reply")))
    assert say("en", "area.ask").splitlines()[0] in text  # "yes, write back": where are you?
