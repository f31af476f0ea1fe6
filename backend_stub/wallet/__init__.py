"""The customer's wallet page: HTML, CSS and JavaScript served as they are
(:mod:`.page`), and the code images it shows (:mod:`.images`).
"""
