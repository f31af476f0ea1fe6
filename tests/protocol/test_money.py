import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.money import ExchangeRate, format_fen, format_points, parse_fen, require_amount


@given(st.integers(1, 1000), st.integers(1, 1000), st.integers(0, 10**9))
def test_conversions_favour_the_customer(points, fen, amount):
    rate = ExchangeRate(points, fen)
    # the points asked for an amount never cover more than... they are worth at least the amount
    asked = rate.points_for_fen(amount)
    assert asked * fen <= amount * points  # never more points than the exact value
    assert (asked + 1) * fen > amount * points  # and as many as possible below it
    worth = rate.fen_for_points(amount)
    assert worth * points >= amount * fen  # points are never worth less than exact
    assert (worth - 1) * points < amount * fen


def test_example_rate():
    rate = ExchangeRate(150, 100)  # 150 points = CNY 1.00
    assert rate.points_for_fen(1) == 1  # 1.5 points rounded down
    assert rate.fen_for_points(1) == 1  # 0.67 fen rounded up
    assert rate.max_points_for(1000, 700) == 700
    assert rate.max_points_for(100, 700) == 150
    assert str(rate) == "150 points = CNY 1.00"


@pytest.mark.parametrize("bad", [1.0, True, "100", None])
def test_floats_and_other_types_are_refused(bad):
    with pytest.raises(TypeError):
        require_amount(bad)
    with pytest.raises(TypeError):
        ExchangeRate(100, 100).points_for_fen(bad)


def test_rate_must_be_positive():
    with pytest.raises(ValueError):
        ExchangeRate(0, 100)
    with pytest.raises(TypeError):
        ExchangeRate(1.5, 100)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fen"),
    [("12", 1200), ("12.3", 1230), ("12.34", 1234), ("¥0.05", 5), (" CNY 7 ", 700), ("0", 0)],
)
def test_parse_fen(text, fen):
    assert parse_fen(text) == fen


@pytest.mark.parametrize("text", ["", "-1", "1.234", "abc", "1,000", "1e3", ".5", "12."])
def test_parse_fen_refuses_with_a_plain_message(text):
    with pytest.raises(ValueError, match="not an amount"):
        parse_fen(text)


@given(st.integers(0, 10**11 - 1))
def test_format_parse_round_trip(fen):
    assert parse_fen(format_fen(fen).replace(",", "")) == fen


def test_formatting():
    assert format_fen(123456) == "CNY 1,234.56"
    assert format_fen(-5) == "-CNY 0.05"
    assert format_points(1) == "1 point"
    assert format_points(12345) == "12,345 points"
