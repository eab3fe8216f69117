"""Staff login as an attacker tries it: listing names by timing, locking staff out, guessing in
parallel, a password without the second factor, sessions that outlive a logout."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
from click.testing import CliRunner

from bot import create_app
from bot.cli import main
from bot.web.console import staff
from tests.escalation.conftest import PASSWORD, Console, totp_code


def timed_login(app: Any, name: str, address: str) -> float:
    console = Console(app, name, address=address)
    csrf = console.csrf()
    # CPU time of this thread (the test client runs the request in it): the hashing counts,
    # other processes' load on a shared machine does not.
    started = time.thread_time()
    response = console.client.post(
        "/console/login", data={"name": name, "password": "not the password", "csrf": csrf}
    )
    elapsed = time.thread_time() - started
    assert response.status_code == 401
    return elapsed


def test_unknown_and_known_names_take_the_same_time(esc_app: Any, r: redis.Redis) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    known, unknown = [], []
    for n in range(6):  # interleaved, each from its own address: no delay interferes
        known.append(timed_login(esc_app, "maria", f"10.0.1.{n}"))
        unknown.append(timed_login(esc_app, f"nobody{n}", f"10.0.2.{n}"))
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.5 < ratio < 2, (known, unknown)


def test_a_strangers_wrong_passwords_do_not_stop_the_staffer(esc_app: Any, r: redis.Redis) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    stranger = Console(esc_app, "maria", address="203.0.113.9")
    codes = [stranger.login(f"guess number {n}").status_code for n in range(12)]
    assert codes[:5] == [401] * 5 and 429 in codes  # the stranger is slowed down
    maria = Console(esc_app, "maria", address="198.51.100.7")
    assert maria.login().status_code == 302
    assert maria.client.get("/console/").status_code == 200


def test_parallel_guesses_are_counted_before_the_password_is_checked(
    esc_app: Any, r: redis.Redis
) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    stranger = Console(esc_app, "maria", address="203.0.113.9")
    csrf = stranger.csrf()

    def guess(n: int) -> int:
        client = esc_app.test_client()
        client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
        with client.session_transaction() as session:
            session["csrf"] = csrf
        form = {"name": "maria", "password": f"guess {n}", "csrf": csrf}
        return int(client.post("/console/login", data=form).status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(guess, range(24)))
    checked = codes.count(401)
    assert checked <= 7, codes  # five free tries and one per delay, not 24 password checks


def test_a_password_without_the_second_factor_does_not_open_the_console(
    esc_app: Any, r: redis.Redis
) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    console = Console(esc_app, "maria")
    first = console.password()
    assert first.status_code == 302 and "/console/login/code" in first.location
    assert console.client.get("/console/").status_code == 302  # not in yet
    wrong = console.second_factor(
        first.location, "000000" if totp_code(r, "maria") != "000000" else "111111"
    )
    assert wrong.status_code == 401
    assert console.client.get("/console/").status_code == 302
    assert console.second_factor(first.location, totp_code(r, "maria")).status_code == 302
    assert console.client.get("/console/").status_code == 200


def test_backup_codes_work_once(esc_app: Any, r: redis.Redis) -> None:
    enrollment = staff.add(r, "maria", PASSWORD, "rapid", "staff")
    assert len(enrollment.backup_codes) == 10
    assert enrollment.backup_codes[0].encode() not in b"".join(
        r.smembers(staff.BACKUP + "maria")
    )  # only hashes are kept
    code = enrollment.backup_codes[0]
    assert Console(esc_app, "maria").login(code=code).status_code == 302
    again = Console(esc_app, "maria", address="10.0.0.2")
    assert again.login(code=code).status_code == 401


def test_an_authenticator_code_opens_one_session_only(esc_app: Any, r: redis.Redis) -> None:
    """A code seen over a shoulder, or passed on by a phishing page, after the staffer used it:
    the password alone is not enough, and the code is spent (RFC 6238, 5.2)."""
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    code = totp_code(r, "maria", offset=0)
    assert Console(esc_app, "maria").login(code=code).status_code == 302
    thief = Console(esc_app, "maria", address="203.0.113.50")
    assert thief.login(code=code).status_code == 401
    assert thief.client.get("/console/").status_code == 302
    # Nor does the code before it, once a later one was used.
    older = totp_code(r, "maria", offset=-1)
    assert Console(esc_app, "maria", address="203.0.113.51").login(code=older).status_code == 401
    # The next code still works.
    later = Console(esc_app, "maria", address="10.0.0.4")
    assert later.login(code=totp_code(r, "maria", offset=1)).status_code == 302


def test_logout_ends_every_session_of_the_account(esc_app: Any, r: redis.Redis) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    laptop, phone = Console(esc_app, "maria"), Console(esc_app, "maria", address="10.0.0.3")
    assert laptop.login().status_code == 302
    assert phone.login(code=totp_code(r, "maria", offset=1)).status_code == 302
    assert phone.client.get("/console/").status_code == 200
    laptop.post("/console/logout")
    assert laptop.client.get("/console/").status_code == 302
    assert phone.client.get("/console/").status_code == 302  # the other session ended too


def test_reset_and_remove_end_sessions(esc_app: Any, r: redis.Redis) -> None:
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    console = Console(esc_app, "maria")
    assert console.login().status_code == 302
    staff.reset(r, "maria", "a new password 123")
    assert console.client.get("/console/").status_code == 302
    assert console.login("a new password 123").status_code == 302
    assert console.client.get("/console/").status_code == 200
    staff.remove(r, "maria")
    assert console.client.get("/console/").status_code == 302


def test_long_names_and_large_requests_are_refused(esc_app: Any, r: redis.Redis) -> None:
    console = Console(esc_app, "x" * 65)
    assert console.password().status_code == 400
    assert not [k for k in r.scan_iter() if len(k) > 200]
    big = Console(esc_app, "y" * 500_000)
    assert big.password().status_code == 413


def test_next_is_checked_not_an_error(esc_app: Any) -> None:
    client = esc_app.test_client()
    for bad in ("https://evil.example/", "//evil.example/console/", "/console/\r\nSet-Cookie:x"):
        assert client.get("/console/login", query_string={"next": bad}).status_code == 400


def test_staff_commands_print_the_second_factor_and_manage_accounts(
    esc_config: dict[str, Any], r: redis.Redis
) -> None:
    env = {k: str(v) for k, v in esc_config.items()}
    run = CliRunner().invoke
    added = run(
        main, ["staff", "add", "lee", "--provider", "intake", "--password", PASSWORD], env=env
    )
    assert added.exit_code == 0, added.output
    assert "otpauth://totp/" in added.output and "lee" in added.output
    assert len([line for line in added.output.splitlines() if line.startswith("  ")]) == 11
    listed = run(main, ["staff", "list"], env=env)
    assert "lee\tstaff\tintake\tnot yet enrolled" in listed.output
    reset = run(main, ["staff", "reset", "lee", "--password", "another password!"], env=env)
    assert reset.exit_code == 0 and "otpauth://" in reset.output
    assert run(main, ["staff", "remove", "lee"], env=env).exit_code == 0
    assert staff.get(r, "lee") is None
    assert run(main, ["staff", "remove", "lee"], env=env).exit_code == 1


def test_behind_the_proxy_the_limits_count_each_staffers_own_address(
    esc_config: dict[str, Any], r: redis.Redis
) -> None:
    """Behind nginx every request comes from 127.0.0.1: with HOTLINE_TRUSTED_PROXIES the
    address nginx saw counts, so a stranger cannot slow the staffer down through the proxy."""
    app = create_app(dict(esc_config, HOTLINE_TRUSTED_PROXIES="1"))
    staff.add(r, "maria", PASSWORD, "rapid", "staff")
    stranger = Console(app, "maria", address="127.0.0.1")
    stranger.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    codes = [stranger.login(f"guess number {n}").status_code for n in range(12)]
    assert 429 in codes
    maria = Console(app, "maria", address="127.0.0.1")
    maria.client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.7"
    assert maria.login().status_code == 302
