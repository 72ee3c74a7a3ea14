"""The fake SmashRun server as a command (import it from `streakcore.testing`).

    python -m streakcore.testing.fake_smashrun [--port 0] [--years 3] [--latency-ms 0]

prints the base URL and an access token for a synthetic athlete and serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from streakcore.errors import StreakError
from streakcore.testing.athletes import synthetic_athlete
from streakcore.testing.fake_server import FakeSmashRun
from streakcore.testing.rate_limit import RateLimit


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m streakcore.testing.fake_smashrun",
        description="Serve a synthetic athlete from a fake SmashRun on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--years", type=float, default=3.0, help="history to generate")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tz", default="America/New_York", help="the athlete's home zone")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every answer")
    parser.add_argument(
        "--rate-limit",
        action="append",
        type=_rate_limit,
        default=None,
        metavar="N/SECONDS",
        help="e.g. 250/3600; repeat for several windows",
    )
    args = parser.parse_args(argv)
    try:
        athlete = synthetic_athlete(
            now=datetime.now(UTC), years=args.years, home_tz=args.tz, seed=args.seed
        )
        fake = FakeSmashRun(
            athlete, port=args.port, latency_s=args.latency_ms / 1000, rate_limit=args.rate_limit
        )
        fake.start()
    except (StreakError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        print(f"base URL      {fake.base_url}")
        print(f"access token  {fake.access_token}")
        print(f"authorize URL {fake.authorize_url}")
        print(f"token URL     {fake.token_url}")
        print(f"client        {fake.client_id} / {fake.client_secret}")
        print(f"runs          {len(athlete.runs)}; Ctrl-C to stop", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


def _rate_limit(text: str) -> RateLimit:
    try:
        return RateLimit.parse(text)
    except StreakError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


if __name__ == "__main__":
    sys.exit(main())
