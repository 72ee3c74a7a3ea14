"""Benchmarks: every figure against its floor or baseline, measured side by side in one run."""
