"""The inbound form's shapes (bot/turn/formats.py): what Twilio sends passes, reshaped fails."""

from __future__ import annotations

from bot.turn import formats

SID = "SM" + "0123456789abcdef" * 2
FORM = {
    "MessageSid": SID,
    "AccountSid": "AC" + "a" * 32,
    "From": "+13475550199",
    "To": "+12125550000",
}


def test_twilio_shapes_pass() -> None:
    assert formats.problem(FORM) is None
    assert formats.problem({**FORM, "SmsSid": SID, "SmsMessageSid": SID}) is None
    assert formats.problem({**FORM, "MessageSid": "MM" + SID[2:]}) is None
    assert formats.problem({**FORM, "From": "whatsapp:+5215512345678"}) is None
    assert formats.problem({**FORM, "From": "whatsapp:US.13491208655302741918"}) is None


def test_reshaped_or_forged_fields_fail_by_name() -> None:
    cases = {
        "malformed MessageSid": [
            {"MessageSid": SID + "NumMedia0"},
            {"MessageSid": SID.upper()},
            {"MessageSid": "SM123"},
            {"MessageSid": "XX" + SID[2:]},
        ],
        "MessageSid and SmsSid differ": [{"SmsSid": "SM" + "f" * 32}],
        "malformed AccountSid": [{"AccountSid": "AC" + "a" * 31}, {"AccountSid": "ACx"}],
        "malformed From": [
            {"From": "+13475550199FromCityNEW YORK"},
            {"From": "13475550199"},
            {"From": "whatsapp:+1347555019FromCity"},
            {"From": ""},
        ],
        "malformed To": [{"To": "+12125550000ToCityNY"}],
    }
    for expected, changes in cases.items():
        for change in changes:
            assert formats.problem({**FORM, **change}) == expected, change
    assert formats.problem({k: v for k, v in FORM.items() if k != "MessageSid"}) == (
        "malformed MessageSid"
    )


def test_only_a_well_formed_sid_is_given_to_twilio() -> None:
    assert formats.message_sid(FORM) == SID
    assert formats.message_sid({"MessageSid": "SM1/../../Accounts"}) is None
