"""Lines → events: what one recorded line means (envelopes, dialect names, the Event and the
objects inside it, the fast audio digest). Knows nothing of conversations or commands."""
