"""Pure rules of the station: no I/O, no Qt, no SQLAlchemy (stdlib and pydantic only)."""
