"""The headless core: schema, configuration and every operation on cases. Imports neither textual nor click."""
