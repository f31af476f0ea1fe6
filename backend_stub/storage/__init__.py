"""Storage: the database handle and its transactions (:mod:`.db`), the schema,
migrations, online backup, the shared keys and the hashes of stored secrets.
Imports nothing else of the backend.
"""
