"""rtlog: inspect recorded realtime voice session logs (OpenAI Realtime API and compatibles)."""

__version__ = "0.1.0"
