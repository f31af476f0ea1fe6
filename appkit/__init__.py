"""What the two Textual apps (POS and PDA) share: catalogs, the scanner hub, the key bar.

Sits between the apps and the layers below: ``pos_client``, ``pda_client`` ->
``appkit`` -> ``terminal_sdk``, ``drivers`` -> ``protocol``. Nothing here
knows which app it serves.

- :mod:`appkit.i18n`     gettext catalogs (compiled by Babel when first used), the language
- :mod:`appkit.devices`  the scanners: opened from their URLs, read, followed as they come and go
- :mod:`appkit.wedgekeys` the app's keys through a keyboard-wedge scanner
- :mod:`appkit.keybar`   the footer of every key that works now, translated
"""
