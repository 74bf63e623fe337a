"""How `hygeia` fails. A condition the user caused and can fix is one sentence saying what is
wrong and what to do, with exit status 2; anything else is a fault of Hygeia's, logged on one
line under a reference (`errors.report_unexpected`), and the reference is all the user sees.

Commands raise `UserError` for what they detect themselves. What every command can meet is
recognised here, once: a database that is missing, unreachable or not initialised (checked
before the command starts, so that nothing is half done), a file that cannot be read, a name
or id that matches nothing, an interrupted run, a closed pipe.
"""

from __future__ import annotations

import errno
import getpass
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

USER_ERROR = 2
INTERNAL_ERROR = 70  # EX_SOFTWARE (sysexits.h)
INTERRUPTED = 130
BROKEN_PIPE = 141

# What a command needs of the database before it starts (set with set_defaults(database=...)).
NO_DATABASE = "none"  # works without one (simulate, scan), or reports on it itself (check)
CONNECTION = "connection"  # creates or upgrades the schema itself (init, demo, restore)
SCHEMA = "schema"  # the default: a database initialised for this version of Hygeia


class UserError(Exception):
    """A condition the user caused and can fix; the message says what and how."""


def require_database(need: str) -> None:
    """Raise UserError unless the database is there, reachable and (for SCHEMA) up to date."""
    if need == NO_DATABASE:
        return
    from django.db import connection

    from hygeia.core import checks

    if connection.vendor == "sqlite":
        if need == CONNECTION:
            return  # init, demo and restore create the file
        path = Path(connection.settings_dict["NAME"])
        if not connection.is_in_memory_db() and not path.exists():  # type: ignore[attr-defined]
            raise UserError(
                f"there is no database at {path} yet: run `hygeia init`, or set "
                "HYGEIA_DATA_DIR to the data directory that holds one."
            )
    problem = checks.connection_problem()
    if problem is None and need == SCHEMA:
        problem = checks.schema_problem()
    if problem:
        raise UserError(problem)


def _os_error(exc: OSError) -> str:
    name = exc.filename
    reason = exc.strerror or str(exc) or type(exc).__name__
    if name is None:
        return f"{reason}."
    if isinstance(exc, FileNotFoundError):
        return f"{name}: no such file or folder; check the path."
    if isinstance(exc, IsADirectoryError):
        return f"{name} is a folder; name a file."
    if isinstance(exc, NotADirectoryError):
        return f"{name}: part of this path is a file, not a folder; check the path."
    if isinstance(exc, PermissionError):
        return (
            f"{name}: permission denied; check its owner and mode (Hygeia runs as "
            f"{getpass.getuser()})."
        )
    if exc.errno == errno.ENOSPC:
        return f"{name}: no space left on the device; free some and run the command again."
    return f"{name}: {reason}."


def _missing(exc: Exception) -> str:
    from django.apps import apps

    for model in apps.get_models():
        if type(exc) is getattr(model, "DoesNotExist", None):
            return f"no such {model._meta.verbose_name}: check the id or name you gave."
    return "no such record: check the id or name you gave."


def explain(exc: BaseException) -> str | None:
    """The one sentence for an error the user can fix, or None for a fault of Hygeia's."""
    from django.core.exceptions import ObjectDoesNotExist
    from django.db import DatabaseError

    from hygeia.config import ConfigError

    if isinstance(exc, UserError | ConfigError):
        return str(exc)
    if isinstance(exc, DatabaseError):
        from hygeia.core import checks

        try:
            return checks.connection_problem() or checks.schema_problem()
        except DatabaseError:
            return None
    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, ObjectDoesNotExist):
        return _missing(exc)
    if isinstance(exc, ModuleNotFoundError) and not (exc.name or "").startswith("hygeia"):
        return (
            f"this installation of Hygeia is incomplete: the Python module {exc.name!r} is "
            "missing. Reinstall it from requirements/base.lock (`make demo` does)."
        )
    return None


def _say(message: str) -> None:
    print(f"hygeia: {message}", file=sys.stderr)


def run(command: Callable[[], int], need: str, context: str) -> int:
    """Set Django up, check the database, run `command`; turn whatever it raises into one
    sentence and an exit status."""
    try:
        import django
        from django.apps import apps

        if not apps.ready:  # already set up when called from a test or another command
            django.setup()
        require_database(need)
        code = command()
        sys.stdout.flush()  # a closed pipe shows here, not as a complaint at exit
        return code
    except KeyboardInterrupt:
        _say("interrupted.")
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): say nothing, and keep Python from complaining
        # about the unflushable stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except SystemExit as exc:
        from hygeia.config import ConfigError

        if isinstance(exc, ConfigError):
            _say(str(exc))
            return USER_ERROR
        raise
    except Exception as exc:
        message = explain(exc)
        if message:
            _say(message)
            return USER_ERROR
        from hygeia.core.errors import report_unexpected

        reference = report_unexpected(exc, context)
        if _debug():
            traceback.print_exception(exc)
        _say(
            f"unexpected error (reference {reference}). It is in the application log under "
            "that reference, without any data; please report it."
        )
        return INTERNAL_ERROR


def _debug() -> bool:
    from django.conf import settings

    try:
        return bool(settings.DEBUG)
    except Exception:  # settings themselves failed to load
        return False
