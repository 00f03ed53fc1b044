"""Piccolo configuration: the engine comes from DATABASE_URL; the apps are the three domains (directory,
accounts, referrals)."""

from piccolo.conf.apps import AppRegistry

from kernel.database import create_engine
from kernel.settings import get_settings

DB = create_engine(get_settings().database_url)

APP_REGISTRY = AppRegistry(apps=["directory.piccolo_app", "accounts.piccolo_app", "referrals.piccolo_app"])
