import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.signing import canonical_string, sign, verify

# WeChat Pay's documented example (merchant API security rules).
WECHAT_PARAMS = {
    "appid": "wxd930ea5d5a258f4f",
    "mch_id": "10000100",
    "device_info": "1000",
    "body": "test",
    "nonce_str": "ibuaiVcKdpRxkhJA",
}
WECHAT_KEY = "192006250b4c09247ec02edce69f6a2d"


def test_wechat_documented_vectors():
    assert canonical_string(WECHAT_PARAMS, WECHAT_KEY) == (
        "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100"
        "&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d"
    )
    assert sign(WECHAT_PARAMS, WECHAT_KEY, "MD5") == "9A0A8659F005D6984697E2CA0A9CF3B7"
    assert sign(WECHAT_PARAMS, WECHAT_KEY) == (
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
    )


def test_empty_values_and_sign_are_left_out():
    params: dict[str, object] = {
        "b": "2",
        "a": "1",
        "empty": "",
        "none": None,
        "list": [],
        "obj": {},
        "sign": "X",
    }
    assert canonical_string(params, "K") == "a=1&b=2&key=K"


def test_zero_and_false_are_not_empty():
    assert canonical_string({"n": 0, "f": False, "t": True}, "K") == "f=false&n=0&t=true&key=K"


def test_nested_values_are_compact_sorted_json():
    params = {"env": {"b": [1, "x", True], "a": "中"}, "amount": 100}
    assert canonical_string(params, "K") == 'amount=100&env={"a":"中","b":[1,"x",true]}&key=K'


def test_names_sort_in_ascii_order():
    # upper case sorts before lower case in ASCII
    assert canonical_string({"b": "1", "B": "2", "a": "3"}, "K") == "B=2&a=3&b=1&key=K"


@pytest.mark.parametrize("value", [1.5, {"a": 0.1}, [1, 2.0]])
def test_floats_are_refused(value):
    with pytest.raises(TypeError):
        sign({"amount": value}, "K")


def test_unknown_sign_type():
    with pytest.raises(ValueError, match="sign_type"):
        sign({"a": "1"}, "K", "SHA1")
    assert not verify({"a": "1", "sign": "AA"}, "K", "SHA1")


params_strategy = st.dictionaries(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_ABC", min_size=1, max_size=8).filter(
        lambda k: k != "sign"
    ),
    st.one_of(st.text(max_size=12), st.integers(-(10**12), 10**12), st.booleans(), st.none()),
    max_size=8,
)


@given(params_strategy, st.randoms())
def test_signature_does_not_depend_on_order(params, rnd):
    items = list(params.items())
    rnd.shuffle(items)
    assert sign(dict(items), "secret") == sign(params, "secret")


@given(params_strategy)
def test_round_trip_and_extension_fields(params):
    signed = {**params, "sign": sign(params, "secret")}
    assert verify(signed, "secret")
    assert verify({**signed, "sign": signed["sign"].lower()}, "secret")
    # an extension field added after signing breaks it; signed with it, it verifies
    extended = {**params, "ext_store_lane": "7"}
    assert not verify({**extended, "sign": signed["sign"]}, "secret")
    assert verify({**extended, "sign": sign(extended, "secret")}, "secret")


@given(params_strategy.filter(lambda p: any(v not in (None, "") for v in p.values())))
def test_tampering_is_detected(params):
    signed = {**params, "sign": sign(params, "secret")}
    name = next(k for k, v in params.items() if v not in (None, ""))
    tampered = dict(signed)
    value = tampered[name]
    tampered[name] = (
        (not value)
        if isinstance(value, bool)
        else (value + 1 if isinstance(value, int) else value + "x")
    )
    assert not verify(tampered, "secret")
    assert not verify(signed, "other-secret")


def test_verify_handles_missing_or_bad_sign():
    assert not verify({"a": "1"}, "K")
    assert not verify({"a": "1", "sign": 5}, "K")
    assert not verify({"a": 1.5, "sign": "AB"}, "K")
    assert not verify({"a": "1", "sign": "ÄÖ"}, "K")
    assert verify({"a": "1"}, "K", signature=sign({"a": "1"}, "K"))
