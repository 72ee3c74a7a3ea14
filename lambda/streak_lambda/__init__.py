"""The Lambda adapter. In a Lambda container, importing it pauses the garbage collector
until the first invocation ends (see `cold_start_gc`)."""

from streak_lambda.cold_start_gc import pause_for_cold_start

pause_for_cold_start()
