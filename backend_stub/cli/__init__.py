"""``scanpay-backend`` and its subcommands (:mod:`.main`), and the demo data
they seed. On top, beside the API: nothing imports it.
"""
