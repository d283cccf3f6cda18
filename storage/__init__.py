"""Persistence: typed models, engine and sessions, repositories, migrations."""
