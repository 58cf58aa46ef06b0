"""Encounter outcomes by the officer's certification, and the officers' field reference."""
