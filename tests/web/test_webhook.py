"""The webhook through Flask's test client, against a real Redis."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import pytest
import redis
from twilio.request_validator import RequestValidator

from bot.privacy import pseudonym
from bot.turn import hotline, sessions
from tests.conftest import AUTH_TOKEN, SECRET, WEBHOOK, Phone
from tests.support.clock import FixedClock


def messages(response: Any) -> list[str]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(response.data)
    return [m.text or "" for m in root.iter("Message")]


def session_key(address: str) -> str:
    return sessions.SESSION + pseudonym(SECRET.encode(), address)


def test_signed_request_gets_the_welcome_in_twiml(phone: Phone, say: Any) -> None:
    response = phone.send("hi")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    [text] = messages(response)
    assert text.startswith(say("en", "welcome"))
    assert say("en", "menu.main").splitlines()[1] in text


def test_forged_or_missing_signature_is_403(phone: Phone, r: redis.Redis) -> None:
    form = phone.form("hi")
    assert phone.post(form, token="not-the-token").status_code == 403
    assert phone.post(form, signature="").status_code == 403
    signed_original = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK, form)
    tampered = dict(form, Body="something else")
    assert phone.post(tampered, signature=signed_original).status_code == 403
    assert r.dbsize() == 0  # a forged request changes nothing


def test_other_account_is_refused(phone: Phone) -> None:
    assert phone.post(phone.form("hi", AccountSid="AC" + "9" * 32)).status_code == 403


def test_public_url_is_what_gets_signed_behind_a_tls_proxy(
    config: dict[str, Any], r: redis.Redis
) -> None:
    from bot import create_app

    app = create_app(dict(config, HOTLINE_PUBLIC_URL="https://hotline.example.org/"))
    proxied = Phone(app.test_client(), url="https://hotline.example.org/twilio/messages")
    assert proxied.send("hi").status_code == 200
    internal = Phone(app.test_client())  # signed over the internal http URL: not what Twilio signs
    assert internal.send("hi").status_code == 403


def test_healthz_says_which_part_is_down(client: Any, r: redis.Redis) -> None:
    from bot.escalation import jobs, worker

    response = client.get("/healthz")  # Redis is up, but no worker: nothing reaches staff
    assert response.status_code == 200
    assert response.json["status"] == "degraded" and response.json["down"] == ["worker"]
    assert "nothing reaches staff" in response.json["worker"]
    running = worker.build(jobs.settings(), r)
    running.register_birth()
    running.heartbeat()
    response = client.get("/healthz")
    assert response.json["status"] == "ok" and response.json["workers"] == 1
    running.register_death()
    assert client.get("/healthz").json["down"] == ["worker"]


def test_the_root_leads_to_the_console(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/console/")


def test_conversation_moves_through_the_flow(phone: Phone, say: Any) -> None:
    phone.send("hello")
    [text] = messages(phone.send("4"))
    assert say("en", "warrants.what")[:60] in text


def test_repeated_message_sid_does_not_advance_twice(phone: Phone, r: redis.Redis) -> None:
    phone.send("hi")
    form = phone.form("3")
    first = phone.post(form)
    turns_after_first = r.get(session_key(phone.address))
    again = phone.post(form)
    assert messages(again) == messages(first)
    assert r.get(session_key(phone.address)) == turns_after_first


def test_two_messages_at_once_lose_no_update(config: dict[str, Any], r: redis.Redis) -> None:
    import json

    from bot import create_app

    app = create_app(dict(config, HOTLINE_RATE_PER_MINUTE=100))
    phone = Phone(app.test_client(), number="+15550002222")
    phone.send("hi")
    forms = [phone.form(str(n)) for n in range(20)]
    barrier = threading.Barrier(len(forms))

    def post(form: dict[str, str]) -> None:
        client = app.test_client()
        barrier.wait()
        Phone(client, number="+15550002222").post(form)

    threads = [threading.Thread(target=post, args=(f,)) for f in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session = json.loads(r.get(session_key(phone.address)))
    assert session["t"] == 21  # every one of the 21 turns was counted: none overwrote another


def test_stop_then_silence_then_start(phone: Phone, say: Any) -> None:
    phone.send("hi")
    assert messages(phone.send("STOP")) == []  # on SMS Twilio itself confirms STOP
    assert messages(phone.send("what are my rights")) == []
    assert messages(phone.send("3")) == []
    [text] = messages(phone.send("START"))
    assert text.startswith(say("en", "welcome"))


def test_stop_on_whatsapp_is_confirmed_once(client: Any) -> None:
    wa = Phone(client, channel="whatsapp")
    wa.send("hi")
    [text] = messages(wa.send("stop"))
    assert "START" in text
    assert messages(wa.send("hello")) == []


def test_delete_leaves_no_key_for_that_person(phone: Phone, r: redis.Redis, say: Any) -> None:
    phone.send("hola")
    phone.send("1")  # opens an urgent case
    pseudo = pseudonym(SECRET.encode(), phone.address)
    assert r.keys(f"*{pseudo}*")
    assert r.zcard("hl:cases:urgent") == 1
    [text] = messages(phone.send("BORRAR"))
    assert text == say("es", "delete.done")
    assert r.keys(f"*{pseudo}*") == []
    assert r.keys("hl:case:*") == []
    assert r.zcard("hl:cases:urgent") == 0


def test_empty_body_gets_the_menu(phone: Phone, say: Any) -> None:
    [text] = messages(phone.send(""))
    assert text.startswith(say("en", "welcome"))


def test_media_only_message_is_told_we_read_text(phone: Phone, say: Any) -> None:
    phone.send("hola")
    [text] = messages(
        phone.send(
            "", NumMedia="1", MediaUrl0="https://api.twilio.com/x", MediaContentType0="image/jpeg"
        )
    )
    assert text.startswith(say("es", "media.unsupported"))


def test_a_1600_character_body_is_answered(phone: Phone) -> None:
    body = ("Necesito ayuda con mi caso de inmigración por favor " * 40)[:1600]
    response = phone.send(body)
    assert response.status_code == 200
    assert messages(response)


def test_form_without_from_is_answered_without_a_crash(phone: Phone) -> None:
    form = phone.form("hi")
    del form["From"]
    response = phone.post(form)
    assert response.status_code == 200
    assert messages(response) == []


def test_whatsapp_address_gets_its_own_session(client: Any, r: redis.Redis, say: Any) -> None:
    wa = Phone(client, channel="whatsapp", number="+15550003333")
    [text] = messages(wa.send("hola"))
    assert text.startswith(say("es", "welcome"))
    assert r.exists(session_key("whatsapp:+15550003333"))
    assert not r.exists(session_key("+15550003333"))


def test_unknown_words_get_a_helpful_reply_in_the_persons_language(phone: Phone, say: Any) -> None:
    phone.send("hola")
    [text] = messages(phone.send("xyzzy"))
    assert text.startswith(say("es", "not_understood"))
    assert say("es", "menu.main").splitlines()[0] in text


def test_a_flood_from_one_sender_gets_one_polite_reply_then_silence(
    phone: Phone, say: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(hotline, "time", FixedClock(time.time()))  # all in one minute's count
    for n in range(10):
        assert messages(phone.send(f"hello {n}"))
    [polite] = messages(phone.send("hello again"))
    assert polite == say("en", "rate.limited")
    assert messages(phone.send("and again")) == []
    other = Phone(phone.client, number="+15550004444")
    assert messages(other.send("hi"))  # others are not affected


def test_redis_down_still_answers_200_with_numbers_in_the_persons_language(
    config: dict[str, Any], r: redis.Redis, say: Any
) -> None:
    from bot import create_app

    app = create_app(config)
    app.extensions["hotline"].r = redis.Redis(port=1, socket_connect_timeout=0.2)
    app.extensions["hotline"].limits.r = app.extensions["hotline"].r
    response = Phone(app.test_client()).send("hola, necesito ayuda con mi caso")
    assert response.status_code == 200
    assert messages(response) == [say("es", "outage")]


def test_unknown_to_number_is_not_answered(config: dict[str, Any], r: redis.Redis) -> None:
    from bot import create_app

    app = create_app(dict(config, HOTLINE_NUMBERS="+15559990000"))
    phone = Phone(app.test_client())
    assert messages(phone.send("hi"))
    assert messages(phone.send("hi", To="+15551112222")) == []


def test_rotating_the_secret_keeps_conversations_and_cases(
    config: dict[str, Any], r: redis.Redis
) -> None:
    from bot import create_app
    from bot.escalation import cases

    old_phone = Phone(create_app(config).test_client())
    old_phone.send("hola")
    old_phone.send("ICE está en mi puerta")
    new_secret = "rotated-secret-" + "n" * 32
    app = create_app(dict(config, HOTLINE_SECRET=new_secret, HOTLINE_SECRET_PREVIOUS=SECRET))
    phone = Phone(app.test_client())
    phone.count = 10  # message sids distinct from the first two
    assert messages(phone.send("xyz"))
    new = pseudonym(new_secret.encode(), phone.address)
    old = pseudonym(SECRET.encode(), phone.address)
    assert r.exists(sessions.SESSION + new) and not r.exists(sessions.SESSION + old)
    assert r.smembers(cases.OWNED + new) and not r.exists(cases.OWNED + old)
    assert json.loads(r.get(sessions.SESSION + new))["l"] == "es"  # the same conversation


def test_the_first_text_after_start_does_not_build_the_engine_tables(phone: Phone) -> None:
    """The app builds the flows' lookup tables when it starts (before gunicorn forks), so the
    first person to text does not wait a quarter second for them."""
    import sys

    compiled = sys.modules["bot.engine.advance"]._compile
    built_before = compiled.cache_info().misses
    phone.send("ICE is at my door")
    assert compiled.cache_info().misses == built_before


def test_the_signature_is_twilios_for_any_form() -> None:
    """The webhook's one-HMAC check computes what the twilio library computes, repeats,
    empty values and any script included."""
    import random

    from werkzeug.datastructures import MultiDict

    from bot.web.webhook import signature

    rng = random.Random(7)
    alphabet = "aZ09 +&=%é中ё১ا\n"
    validator = RequestValidator(AUTH_TOKEN)
    for _ in range(300):
        names = ["Body", "From", "MediaUrl0", "X", "a", "Z"]
        pairs = [
            (rng.choice(names), "".join(rng.choices(alphabet, k=rng.randint(0, 6))))
            for _ in range(rng.randint(0, 8))
        ]
        expected = validator.compute_signature(WEBHOOK, MultiDict(pairs))
        assert signature(AUTH_TOKEN, WEBHOOK, pairs) == expected


def test_a_url_signed_with_its_port_or_a_repeated_field_still_passes(
    phone: Phone, say: Any
) -> None:
    """Twilio may sign the URL with its default port; a form may repeat a name (the first
    value is the one read, as Werkzeug's form gives it)."""
    from werkzeug.datastructures import MultiDict

    with_port = WEBHOOK.replace("://localhost/", "://localhost:80/")
    form = phone.form("hi")
    signed = RequestValidator(AUTH_TOKEN).compute_signature(with_port, form)
    assert phone.post(form, signature=signed).status_code == 200
    other = Phone(phone.client, number="+15550002222")
    repeated = MultiDict([*other.form("hola").items(), ("Body", "ICE")])
    signed = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK, repeated)
    response = phone.client.post(
        "/twilio/messages", data=repeated, headers={"X-Twilio-Signature": signed}
    )
    assert response.status_code == 200
    assert messages(response)[0].startswith(say("es", "welcome")[:20])


def test_info_logs_the_turns_an_operator_needs_not_every_step(
    phone: Phone, logs: pytest.LogCaptureFixture
) -> None:
    """Menu steps are DEBUG; a case opened is INFO: no minute-by-minute trail of one person
    at the default level, and the lines that matter are still there."""
    phone.send("hi")
    phone.send("menu")
    turns = [r for r in logs.records if r.getMessage().startswith("turn p=")]
    assert turns and {r.levelno for r in turns} == {logging.DEBUG}
    logs.clear()
    phone.send("ICE is at my door")
    [line] = [r for r in logs.records if r.getMessage().startswith("turn p=")]
    assert line.levelno == logging.INFO and "case_opened" in line.getMessage()


def test_a_body_over_the_request_limit_is_refused_before_it_is_read(
    phone: Phone, r: redis.Redis
) -> None:
    form = phone.form("x" * 70_000)
    assert phone.post(form).status_code == 413
    assert r.dbsize() == 0


def test_only_a_post_reaches_the_webhooks_and_other_paths_stay_flasks(
    client: Any, phone: Phone, r: redis.Redis
) -> None:
    """The webhooks answer before Flask: any other method is 405 naming POST, a path that is
    not exactly theirs is Flask's (404 here), and nothing is written for either."""
    for path in ("/twilio/messages", "/twilio/status"):
        response = client.get(path)
        assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert client.post("/twilio/messages/extra", data=phone.form("hi")).status_code == 404
    assert r.dbsize() == 0
    response = phone.post(phone.form("hi"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_the_status_callback_is_on_the_public_url_under_a_path_prefix(
    config: dict[str, Any], r: redis.Redis
) -> None:
    """Mounted under /x behind a proxy whose public URL names the prefix: the replies' status
    callback is that URL's /twilio/status, the prefix once (it was doubled, and each reply's
    status then met a 404)."""
    from bot import create_app

    public = "https://hotline.example.org/x"
    app = create_app(dict(config, HOTLINE_PUBLIC_URL=public, HOTLINE_DELETE_TWILIO_RECORDS="1"))
    phone = Phone(app.test_client(), url=public + "/twilio/messages")
    response = phone.post(phone.form("hi"), base_url="http://10.0.0.5:8000/x/")
    assert response.status_code == 200
    assert f'action="{public}/twilio/status"' in response.data.decode()
