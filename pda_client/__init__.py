"""The courier's handheld (``scanpay-pda``): COD orders, payment at the door, sign-off."""
