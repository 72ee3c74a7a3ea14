"""The pure core: models, units, streak rules and stats maths.

Nothing in this package reads the clock, the environment, files or the network; "today"
and the home time zone are always arguments.
"""
