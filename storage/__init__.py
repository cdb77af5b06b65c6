"""Storage: SQLAlchemy models, repositories and database set-up.

Repositories add and flush but never commit; the caller's unit of work commits.
"""
