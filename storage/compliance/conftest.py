"""SQLAlchemy's dialect compliance suite against the SQLite driver the bot runs on (README.md here).

Its pytest plugin takes over collection and fixtures, so it runs on its own, never under the
project's tests: ``pytest -p no:cacheprovider -c storage/compliance/setup.cfg storage/compliance``.
"""

from sqlalchemy.testing.plugin.pytestplugin import *  # noqa: F403
