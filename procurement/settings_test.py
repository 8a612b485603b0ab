"""Test settings: the embedded defaults, faster hashing, isolated file storage."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("ZUSCHLAG_VAR_DIR", tempfile.mkdtemp(prefix="zuschlag-test-"))

from procurement.settings import *  # noqa: F403
from procurement.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
_media = Path(os.environ["ZUSCHLAG_VAR_DIR"]) / "media"
MEDIA_ROOT = _media
STORAGES["default"]["OPTIONS"]["location"] = _media / "public"
STORAGES["documents"]["OPTIONS"]["location"] = _media / "documents"
ZUSCHLAG_KEY_DIR = Path(os.environ["ZUSCHLAG_VAR_DIR"]) / "keys"

# A throwaway FSM model for the workflows tests; it never reaches production migrations.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.workflows.testapp"]  # noqa: F405
# Tests run celery tasks in-process even when CI exports a Redis CELERY_BROKER_URL; only the real
# worker that tests/integration starts (ZUSCHLAG_TEST_CELERY_EAGER=0) consumes from the broker.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("ZUSCHLAG_TEST_CELERY_EAGER", "1") != "0"
CELERY_TASK_EAGER_PROPAGATES = True
