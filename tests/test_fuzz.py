"""Property-based tests: generated webhook forms and flow files never crash anything."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.content.bundle import check
from tests.conftest import AUTH_TOKEN, FIXTURE, WEBHOOK

FUZZ = settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=2000)
forms = st.fixed_dictionaries(
    {
        "MessageSid": st.one_of(st.text(max_size=40), st.just("SM" + "1" * 32)),
        "From": st.one_of(
            st.just("+15550001111"), st.just("whatsapp:+15550001111"), st.text(max_size=30)
        ),
        "Body": texts,
    },
    optional={
        "To": st.text(max_size=30),
        "NumMedia": st.one_of(st.text(max_size=5), st.integers().map(str)),
        "AccountSid": st.text(max_size=40),
        "ProfileName": st.text(max_size=40),
        "MediaUrl0": st.text(max_size=100),
        "ButtonPayload": st.text(max_size=50),
    },
)


@pytest.fixture(scope="module")
def fuzz_app(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return create_app(
        {
            "REDIS_URL": redis_url,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "HOTLINE_SECRET": "fuzz-" + "s" * 40,
            "HOTLINE_RATE_PER_MINUTE": 10**6,
            "HOTLINE_LOG_LEVEL": "warning",
            "HOTLINE_DATA_DIR": str(tmp_path_factory.mktemp("data")),
        }
    )


@FUZZ
@given(form=forms, signed=st.booleans())
def test_generated_webhook_forms_never_get_a_5xx(
    fuzz_app: Any, form: dict[str, str], signed: bool
) -> None:
    form = {k: v.replace("\x00", "") for k, v in form.items()}  # a form cannot carry NUL
    signature = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK, form) if signed else "x"
    response = fuzz_app.test_client().post(
        "/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code in (200, 403)
    assert response.status_code == 200 or not signed


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=3000))
def test_raw_bodies_and_invalid_utf8_never_get_a_5xx(fuzz_app: Any, body: bytes) -> None:
    response = fuzz_app.test_client().post(
        "/twilio/messages",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": "forged",
        },
    )
    assert response.status_code == 403


yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
yaml_values = st.recursive(
    yaml_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("content")
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    return root


@FUZZ
@given(
    junk=st.one_of(texts, yaml_values.map(repr)),
    where=st.sampled_from(
        ["flows/main.yaml", "locales/en.yaml", "locales/es.yaml", "flows/directory.yaml"]
    ),
    keep=st.integers(min_value=0, max_value=4000),
)
def test_the_flow_loader_never_crashes(content: Path, junk: str, where: str, keep: int) -> None:
    """Truncated files and junk spliced in: a list of located problems, never an exception."""
    path = content / where
    original = (FIXTURE / where).read_text()
    path.write_text(original[:keep] + junk + original[keep : keep + 200])
    try:
        bundle, problems = check(content)
    finally:
        path.write_text(original)
    assert bundle is not None or problems
    for problem in problems:
        assert problem.path and problem.line >= 1 and problem.reason


def test_redis_is_left_clean(r: redis.Redis) -> None:
    assert r.ping()
