"""The cashier's till: a keyboard-only Textual app."""
