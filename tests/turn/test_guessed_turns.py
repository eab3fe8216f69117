"""A conversation a web process of this host answered last runs its next turn on the session
in the host's table (a first text on none), and the commit checks that guess, counts the sender
and applies the limits in the same round trip (bot/turn/hotline.py, bot/turn/sessions.py,
bot/db.py). A wrong guess must never give a wrong answer."""

from __future__ import annotations

from typing import Any

import redis

from bot import create_app
from bot.db import Commit, Writes
from bot.privacy import pseudonym
from bot.turn.sessions import NEW, Recent
from tests.conftest import SECRET, Phone
from tests.web.test_webhook import messages, session_key

URGENT = "ICE is at my door"


def round_trips(r: redis.Redis) -> int:
    """The turn's script calls so far (the read and the commit are one EVALSHA each)."""
    return int(r.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def test_a_first_text_and_the_next_turn_of_a_conversation_this_process_answered_take_one_round_trip(
    app: Any, r: redis.Redis
) -> None:
    Phone(app.test_client(), number="+13475550400").send("hi")  # Redis has the scripts now
    app.extensions["hotline"].recent = Recent()  # a host just started
    phone = Phone(app.test_client(), number="+13475550401")
    before = round_trips(r)
    assert messages(phone.send("hi"))
    first = round_trips(r) - before
    hotline = app.extensions["hotline"]
    pseudo = pseudonym(SECRET.encode(), phone.address)
    assert hotline.recent.get(pseudo) == r.get(session_key(phone.address))
    before = round_trips(r)
    assert messages(phone.send("3"))
    assert (first, round_trips(r) - before) == (1, 1)  # a first text is guessed to be new
    assert hotline.recent.get(pseudo) == r.get(session_key(phone.address))
    phone.send("delete")  # an erased conversation is not kept to guess from
    assert r.get(session_key(phone.address)) is None and hotline.recent.get(pseudo) is None


def test_a_guess_another_process_made_stale_is_refused_and_the_turn_runs_on_the_real_one(
    config: dict[str, Any], r: redis.Redis
) -> None:
    """Two web processes on two hosts (two apps, each with its own table of sessions) take turns
    answering one person: every reply is the one a single process gives."""
    script = ["hola", "3", "4", "menu", "5", URGENT, "0"]
    alone = Phone(create_app(config).test_client(), number="+13475550402")
    expected = [messages(alone.send(text)) for text in script]
    apps = [create_app(config), create_app(config)]
    for each in apps:
        each.extensions["hotline"].recent = Recent()
    one, two = (each.test_client() for each in apps)
    number = "+13475550403"
    got = []
    for n, text in enumerate(script):
        phone = Phone(one if n % 3 != 1 else two, number=number)
        phone.count = 100 + n  # a new MessageSid for each message, whichever app takes it
        got.append(messages(phone.send(text)))
    assert [len(g) for g in got] == [len(e) for e in expected]
    case_free = [g for g, text in zip(got, script, strict=True) if text not in (URGENT, "0")]
    assert case_free == [
        e for e, text in zip(expected, script, strict=True) if text not in (URGENT, "0")
    ]


def test_the_reply_budget_and_the_senders_limit_hold_on_a_guessed_turn(
    config: dict[str, Any], r: redis.Redis
) -> None:
    app = create_app(dict(config, HOTLINE_REPLY_BUDGET_PER_HOUR="3", HOTLINE_RATE_PER_MINUTE="3"))
    person = Phone(app.test_client(), number="+13475550404")
    assert messages(person.send("hi"))  # reply 1 of 3; this process now guesses their session
    for n in range(2):
        assert messages(Phone(app.test_client(), number=f"+1347555041{n}").send("hi"))
    before = round_trips(r)
    assert messages(person.send("3")) == []  # the budget is spent: a calm turn is refused
    assert round_trips(r) - before == 1  # refused by the guessed turn's own commit
    assert messages(person.send(URGENT))  # past the budget, an urgent text is answered
    assert len(r.keys("hl:case:*")) >= 1

    flood = create_app(dict(config, HOTLINE_RATE_PER_MINUTE="2"))
    sender = Phone(flood.test_client(), number="+13475550405")
    assert messages(sender.send("hi")) and messages(sender.send("xyzzy"))
    polite = messages(sender.send("hello?"))
    assert len(polite) == 1  # one polite word past the limit, on a guessed turn
    assert messages(sender.send("hello??")) == []  # then silence
    assert messages(sender.send(URGENT))  # a first emergency still gets through


def test_the_guesses_are_bounded_in_number_and_in_time(monkeypatch: Any) -> None:
    from bot.turn import sessions

    clock = [1000.0]
    monkeypatch.setattr(sessions.time, "time", lambda: clock[0])
    recent = sessions.Recent(slots=1, seconds=300)  # one slot: the later writer takes it
    assert recent.get("a") == NEW  # nobody here has written a session for "a"
    recent.wrote("a", b"1")
    assert recent.get("a") == b"1"
    recent.wrote("b", b"2")
    assert (recent.get("a"), recent.get("b")) == (None, b"2")
    recent.wrote("b", b"x" * recent.SLOT)  # too long to keep: read first
    assert recent.get("b") is None
    recent.wrote("b", b"3")
    clock[0] += 301  # five minutes on, nothing is guessed from
    assert recent.get("b") is None


def test_a_worker_guesses_the_session_another_worker_of_its_host_wrote(
    config: dict[str, Any], r: redis.Redis, monkeypatch: Any
) -> None:
    """Behind nginx a person's turns go to any of gunicorn's workers: forked from one app, they
    share its table of sessions. Worker one answers the first text, worker two (a forked
    process) the second: worker one runs the third on the session worker two wrote, in one
    round trip, and never on its own stale one."""
    import os

    results: list[Commit] = []
    commit = Writes.commit

    def counted(self: Writes, *args: Any, **kwargs: Any) -> Any:
        result = commit(self, *args, **kwargs)
        results.append(result[0])
        return result

    monkeypatch.setattr(Writes, "commit", counted)
    app = create_app(config)  # as gunicorn --preload: made once, before the workers fork
    phone = Phone(app.test_client(), number="+13475550406")
    assert messages(phone.send("hi"))
    child = os.fork()
    if child == 0:  # worker two takes the second text
        code = 0 if messages(phone.send("3")) else 1
        os._exit(code)
    assert os.waitpid(child, 0)[1] == 0
    phone.count += 1  # the message worker two answered had the next sid
    before = round_trips(r)
    assert messages(phone.send("4"))
    assert round_trips(r) - before == 1  # guessed from worker two's session, and right
    assert results == [Commit.WRITTEN, Commit.WRITTEN]


def test_the_table_is_shared_with_the_processes_forked_after_it() -> None:
    import os

    recent = Recent(slots=64)
    recent.wrote("p", b"mine")
    child = os.fork()
    if child == 0:  # a forked worker answers the person's next turn
        recent.wrote("p", b"theirs")
        os._exit(0)
    os.waitpid(child, 0)
    assert recent.get("p") == b"theirs"


def test_a_person_the_host_has_not_heard_from_since_it_started_is_answered_on_their_session(
    config: dict[str, Any], r: redis.Redis
) -> None:
    """After a restart the table is empty: a first text is guessed to have no
    session, and a person whose session is in Redis gets the answer their session gives."""
    before = create_app(config)
    phone = Phone(before.test_client(), number="+13475550407")
    assert messages(phone.send("hi")) and r.get(session_key(phone.address)) is not None
    after = create_app(config)
    after.extensions["hotline"].recent = Recent()  # the host restarted
    again = Phone(after.test_client(), number="+13475550407")
    again.count = phone.count + 1
    alone = Phone(create_app(config).test_client(), number="+13475550408")
    alone.send("hi")
    assert messages(again.send("3")) == messages(alone.send("3"))
