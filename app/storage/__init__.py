"""SQLAlchemy 2 on SQLite: schema, migrations, the event store (append + project in one
transaction) and read repositories returning frozen domain objects. ORM/Core rows never leave."""
