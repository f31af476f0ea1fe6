import pytest


@pytest.fixture(autouse=True)
def no_user_overrides(tmp_path, monkeypatch):
    """Keep the tests away from the real HID override file of whoever runs them."""
    monkeypatch.setenv("SCANPAY_HID_DEVICES", str(tmp_path / "hid-devices.toml"))
