"""The central server (FastAPI + PostgreSQL). Empty in this version."""
