"""The Lambda's container: one `streakcore.bootstrap.Services` per Lambda container (or local
gateway), built from the settings on first use, plus the one thing only the Lambda does:
send the evening alert through SNS.

Warm invocations reuse everything built here (clients, the ETag cache). The imports of this
module are the standard library and `streakcore.errors` only: `bootstrap` and the rest are
imported where first needed, so importing the handler stays cheap.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from streakcore.errors import ConfigError, StreakError

if TYPE_CHECKING:
    from streakcore.bootstrap import Services
    from streakcore.domain.evening_check import EveningCheck


def alert_if_at_risk(services: Services, check: EveningCheck, message: str) -> bool:
    """Publish `message` when the streak is at risk, once per home date; say whether this
    call published it."""
    if not check.at_risk:
        return False
    topic = services.settings.sns_topic_arn
    if not topic:
        raise ConfigError("the streak is at risk but STREAK_SNS_TOPIC_ARN is not set")
    from botocore.exceptions import BotoCoreError, ClientError

    from streakcore.usecases.alert import alert_once_a_day

    def publish(subject: str, body: str) -> None:
        try:
            services.aws_client("sns").publish(TopicArn=topic, Subject=subject, Message=body)
        except (BotoCoreError, ClientError) as exc:
            raise StreakError(
                f"could not publish the at-risk alert ({type(exc).__name__})"
            ) from None

    return alert_once_a_day(services.blobs, services.location.key, check, message, publish)


_container: Services | None = None
_lock = threading.Lock()


def container() -> Services:
    """This container's services, built from the environment on first use."""
    global _container
    with _lock:
        if _container is None:
            from streakcore.bootstrap import Services
            from streakcore.settings import read_settings

            _container = Services(read_settings())
        return _container


def install_container(replacement: Services | None) -> None:
    """Use `replacement` from now on; None forgets the current one so the next request
    reads the settings again (tests, and the local gateway with its own settings)."""
    global _container
    with _lock:
        _container = replacement
