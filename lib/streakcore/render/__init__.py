"""Pictures of the streak as SVG text: the calendar heatmap and the README badge.

Pure string building (no clock, no I/O), so the CLI writes the result to a file and the
Lambda returns it as a response body.
"""
