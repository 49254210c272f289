"""Numbers over a conversation: the summary's aggregates and checks, usage and pricing."""
