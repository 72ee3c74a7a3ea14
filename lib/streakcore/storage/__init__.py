"""Adapters that keep things: the DuckDB run store, blob stores and token stores."""
