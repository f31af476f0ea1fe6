import pytest

from drivers.pinpad.entry import EntryState, PadKey, PinEntry, PinPolicy


def press_all(entry: PinEntry, keys: str) -> EntryState:
    names = {"E": PadKey.ENTER, "B": PadKey.BACKSPACE, "C": PadKey.CANCEL}
    state = entry.state
    for ch in keys:
        state = entry.press(names.get(ch) or PadKey.for_digit(ch))
    return state


def test_digits_then_enter_give_the_pin():
    entry = PinEntry()
    assert press_all(entry, "123456E") is EntryState.DONE
    assert entry.take().reveal() == "123456"
    with pytest.raises(RuntimeError):
        entry.take()  # the digits are gone once taken


def test_backspace_removes_the_last_digit_and_is_harmless_when_empty():
    entry = PinEntry()
    press_all(entry, "B12B34")
    assert entry.length == 3
    assert press_all(entry, "5E") is EntryState.DONE
    assert entry.take().reveal() == "1345"


def test_enter_before_the_minimum_length_keeps_typing():
    entry = PinEntry(PinPolicy(min_length=6, max_length=6))
    assert press_all(entry, "1234E") is EntryState.TYPING
    assert press_all(entry, "567E") is EntryState.DONE  # the 7th digit was ignored
    assert entry.take().reveal() == "123456"


def test_cancel_ends_the_entry_and_forgets_the_digits():
    entry = PinEntry()
    assert press_all(entry, "12C") is EntryState.CANCELLED
    assert entry.length == 0
    assert press_all(entry, "3456E") is EntryState.CANCELLED  # no more keys count


def test_repr_never_shows_digits():
    entry = PinEntry()
    press_all(entry, "9876")
    assert "9876" not in repr(entry)


def test_policy_is_bounded_by_the_pin_block():
    with pytest.raises(ValueError):
        PinPolicy(3, 6)
    with pytest.raises(ValueError):
        PinPolicy(6, 13)
