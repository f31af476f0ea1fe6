"""First run and start-up: enrolment for a courier, and payments left in doubt settled first."""

from __future__ import annotations

from pda_client.screens.enrol import EnrolScreen
from pda_client.screens.orders import OrdersScreen
from pda_client.screens.startup import StartupScreen
from terminal_sdk.credentials import CredentialStore
from terminal_sdk.journal import Journal, SessionState
from terminal_sdk.terminal import Terminal

from .pilot import flat, screen_text, wait_for, wait_for_screen, wait_for_text


async def test_first_run_enrols_the_handheld_for_its_courier(handhelds, tmp_path):
    courier = handhelds.courier
    courier.order("Li Wei", 6_800)
    config = handhelds.config()
    config.source = str(tmp_path / "terminal.toml")  # where the backend's address is kept
    app = await handhelds.app(config, enrolled=False)
    async with app.run_test(size=(40, 20)) as pilot:
        await wait_for_screen(pilot, EnrolScreen)
        await pilot.press(*"WRONG-CODE-1", "enter")
        await wait_for_text(pilot, "activation code is wrong")
        assert app.screen.query_one("#code").value == ""  # cleared, to type again
        await pilot.press(*courier.activation_code(), "enter")
        await wait_for_screen(pilot, OrdersScreen)
        await wait_for(pilot, lambda: app.started, what="start-up")
        text = await wait_for_text(pilot, "1 Li Wei")
        assert "Chen Jie" in text
    creds = CredentialStore(config.credentials_file).load()
    assert creds.kind == "pda"
    assert f'url = "{handhelds.backend.url}"' in (tmp_path / "terminal.toml").read_text()


async def test_a_payment_left_in_doubt_is_settled_before_any_new_one(handhelds):
    courier = handhelds.courier
    order = courier.order("Li Wei", 6_800)
    config = handhelds.config()
    await handhelds.enrol(config)
    journal = Journal(config.journal_path)  # a crash right after the number was journalled
    number = journal.next_number("P")
    journal.begin_payment(
        number, amount_fen=6_800, issuer="points", code_masked="81**", order_no=order["order_no"]
    )
    journal.close()
    app = await handhelds.app(config)
    async with app.run_test(size=(40, 20)) as pilot:
        await wait_for_screen(pilot, StartupScreen)
        text = flat(await wait_for_text(pilot, "Settled 1 payment"))
        assert "NOT CHARGED" in text and order["order_no"] in text
        assert not app.started  # no new payment before the courier has seen this
        await pilot.press("enter")
        await wait_for_screen(pilot, OrdersScreen)
        await wait_for(pilot, lambda: app.started, what="start-up")
        assert app.terminal.journal.payment(number).state is SessionState.NOT_CHARGED
        assert "1 Li Wei" in screen_text(app)
    async with Terminal.open(config) as terminal:
        view = await terminal.client.query(number)
    assert view.state.value == "CLOSED" and view.amount_fen == 0  # the reverse's tombstone


async def test_credentials_readable_by_others_are_refused_and_the_handheld_says_why(handhelds):
    config = handhelds.config()
    await handhelds.enrol(config)
    config.credentials_file.chmod(0o644)
    app = await handhelds.app(config)
    async with app.run_test(size=(40, 20)) as pilot:
        await wait_for_screen(pilot, EnrolScreen)
        text = flat(screen_text(app))
        assert "is readable by other users (mode 644); fix it with: chmod 600" in text
        await pilot.press("f1")  # in Chinese, the reason too (wrapped: compared without spaces)
        await wait_for(
            pilot, lambda: "可被其他用户读取（权限644）" in "".join(screen_text(app).split())
        )
