"""Shared fixtures: users per role, real sign-in helpers, synthetic patients, a real SMTP
server."""

from __future__ import annotations

import logging
import os
import socket

import pyotp
import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Group
from django.test import Client

from hygeia.core import mfa
from hygeia.core.middleware import MFA_OK_KEY
from hygeia.core.models import User
from hygeia.privacy import simulate

PASSWORD = "Sturdy-Passw0rd-for-tests"
ROLES = [
    "Administrator",
    "Privacy Officer",
    "Security Analyst",
    "Vendor Risk Manager",
    "Security Officer",
    "AI Governance Reviewer",
    "Auditor",
    "Staff",
    "Survey Organizer",
]


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def uses_the_database(item: pytest.Item) -> bool:
    """Whether a test reaches the database under test: through pytest-django's marker or one
    of its fixtures (directly or through another fixture, such as `make_user`). Tests that
    run `hygeia` in a child process give it a SQLite file of their own."""
    if "database_independent" in item.keywords:
        return False
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(DATABASE_FIXTURES & names)


def pytest_collection_modifyitems(config, items):
    """The suite runs twice, on SQLite and on PostgreSQL; a test whose outcome cannot depend on
    the database (parsers, detection over Parquet, Spark, child processes on their own SQLite
    file) runs in the SQLite half only, so the second half spends its time on what differs."""
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        return
    skip = pytest.mark.skip(reason="does not depend on the database: runs in the SQLite half")
    for item in items:
        if not uses_the_database(item):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.MEDIA_ROOT = settings.DATA_DIR / "uploads"


@pytest.fixture
def make_user(db):
    def make(username: str, *roles: str, password: str = PASSWORD, totp: bool = False) -> User:
        user = User.objects.create_user(
            username=username, password=password, email=f"{username}@example.org"
        )
        for role in roles:
            user.groups.add(Group.objects.get(name=role))
        if totp:
            device = mfa.start_enrolment(user)
            device.confirmed_at = device.created_at
            device.save()
        return user

    return make


def totp_now(user: User) -> str:
    return pyotp.TOTP(user.totp.key).now()


def signed_in_client(user: User) -> Client:
    """A client with a full session (second factor passed), for tests not about sign-in."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[MFA_OK_KEY] = True
    session.save()
    return client


@pytest.fixture
def patients(db):
    simulate.populate(30, seed=3)
    from hygeia.privacy.models import Patient

    return list(Patient.objects.order_by("mrn"))


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server on localhost; Hygeia is pointed at it."""
    inbox = Inbox()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-connection chatter
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    try:
        yield inbox
    finally:
        controller.stop()
