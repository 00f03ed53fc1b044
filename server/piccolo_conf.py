"""Piccolo configuration: the engine comes from DATABASE_URL; the apps are the three domains (directory,
accounts, referrals)."""

from piccolo.conf.apps import AppRegistry

from kernel.database import create_engine
from kernel.settings import read_setting

DATABASE_URL: str = read_setting("database_url")
"""Piccolo needs its engine when this module is imported, before any Settings: the same variable, read and checked
by the same rule; `create_app` refuses Settings that name another database."""

DB = create_engine(DATABASE_URL)

APP_REGISTRY = AppRegistry(apps=["directory.piccolo_app", "accounts.piccolo_app", "referrals.piccolo_app"])
