"""Django's SQLite backend, with the write transactions of every process queued on a lock file
(`base.DatabaseWrapper`); settings/base.py makes it the engine of a SQLite database."""
