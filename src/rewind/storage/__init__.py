"""Persistence: tables, engine, migrations, the repository and the unit of work."""
