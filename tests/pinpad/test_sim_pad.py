import asyncio

import pytest

from drivers.pinpad import (
    CustomerCancelled,
    PinEntryStopped,
    PinEntryTimeout,
    PinRequest,
    SimPinPad,
)


async def test_scripted_pins_come_back_sealed_for_the_trade(make_request, opened):
    pad = SimPinPad(["1234", "654321"])
    shown: list[str] = []
    typed: list[int] = []
    pad.on_display, pad.on_digits = shown.append, typed.append
    async with pad:
        first = await pad.read_pin(make_request(attempts_left=3))
        await pad.show_message("Wrong PIN, 2 tries left")
        second = await pad.read_pin(make_request(attempts_left=2))
        third = await pad.read_pin(make_request())
    assert [opened(e) for e in (first, second, third)] == ["1234", "654321", "654321"]
    assert shown[:2] == ["CNY 123.45 - Enter PIN (3 tries left)", "Wrong PIN, 2 tries left"]
    assert typed[:4] == [1, 2, 3, 4]
    assert pad.shown[1] == "Wrong PIN, 2 tries left"


async def test_customer_cancel_is_told_apart_from_a_timeout(make_request):
    pad = SimPinPad(["cancel", "timeout"])
    with pytest.raises(CustomerCancelled):
        await pad.read_pin(make_request())
    with pytest.raises(PinEntryTimeout) as info:
        await pad.read_pin(make_request(timeout=0.05))
    assert not isinstance(info.value, CustomerCancelled)
    assert pad.shown[-1] == ""  # the pad was cleared after the timeout


async def test_cancel_from_the_terminal_stops_a_waiting_entry(make_request):
    pad = SimPinPad(["timeout"])
    reading = asyncio.create_task(pad.read_pin(make_request()))
    await asyncio.sleep(0.01)
    await pad.cancel()
    with pytest.raises(PinEntryStopped):
        await reading


async def test_one_entry_at_a_time(make_request):
    pad = SimPinPad(["timeout"])
    reading = asyncio.create_task(pad.read_pin(make_request()))
    await asyncio.sleep(0.01)
    with pytest.raises(RuntimeError):
        await pad.read_pin(make_request())
    await pad.cancel()
    with pytest.raises(PinEntryStopped):
        await reading


def test_a_script_step_must_be_a_pin_or_a_known_word():
    with pytest.raises(ValueError):
        SimPinPad(["12"])
    with pytest.raises(ValueError):
        SimPinPad(["later"])


def test_requests_refuse_bad_amounts_and_empty_refs(public_pem):
    with pytest.raises(TypeError):
        PinRequest(amount_fen=12.5, trade_ref="T", public_key_pem=public_pem)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PinRequest(amount_fen=100, trade_ref="", public_key_pem=public_pem)


async def test_messages_are_one_line_and_bounded():
    pad = SimPinPad()
    await pad.show_message("  Paid\n  thank you ")
    assert pad.shown == ["Paid thank you"]
    with pytest.raises(ValueError):
        await pad.show_message(" ")
    with pytest.raises(ValueError):
        await pad.show_message("x" * 201)


def test_requests_need_the_backends_rsa_key(public_pem):
    ed25519 = (
        b"-----BEGIN PUBLIC KEY-----\n"
        b"MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
        b"-----END PUBLIC KEY-----\n"
    )
    for bad in (ed25519, b"not a key"):
        with pytest.raises(ValueError):
            PinRequest(amount_fen=100, trade_ref="T", public_key_pem=bad)
