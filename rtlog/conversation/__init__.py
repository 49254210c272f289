"""Events → the conversation: sessions, turns, responses, items, truncations and the one
shared timeline, folded from the event stream in one pass."""
