"""`streak check --notify URL`: the at-risk alert through apprise, so ntfy, Pushover,
Telegram, e-mail and the rest of apprise's services work from a laptop's cron or a home
server without AWS.

An apprise URL usually carries a token or a password, so no message here repeats it: a
refusal names only the URL's scheme (the service).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from streakcore.errors import ConfigError, StreakError

NOTIFY_EXTRA_MISSING = (
    "streak check --notify needs the notify extra: pip install 'streakcore[notify]'"
)
SERVICES_LIST = "https://github.com/caronc/apprise/wiki"


def service_of(url: str) -> str:
    """'ntfy' for 'ntfy://topic': what a message may name."""
    scheme, sep, _ = url.partition("://")
    return scheme if sep and scheme.isascii() and scheme.replace("+", "").isalnum() else "?"


def apprise_sender(url: str, *, name: str) -> Callable[[str, str], None]:
    """A sender for `url` (given as `name`), checked now, before any sync: ConfigError when
    apprise is not installed or does not know the URL."""
    try:
        import apprise
    except ModuleNotFoundError:
        raise ConfigError(NOTIFY_EXTRA_MISSING) from None
    notifier: Any = apprise.Apprise()
    if not notifier.add(url):
        raise ConfigError(
            f"{name}: apprise cannot use this {service_of(url)}:// URL (the URL is not "
            f"repeated here, it may hold a token): see the services and their URLs at "
            f"{SERVICES_LIST}"
        )

    def send(title: str, body: str) -> None:
        if not notifier.notify(title=title, body=body):
            raise StreakError(
                f"the at-risk alert could not be sent through {service_of(url)}://; the next "
                "check tries again"
            )

    return send
