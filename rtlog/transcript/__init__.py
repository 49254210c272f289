"""The transcript view: a conversation as the entries people read (`entries`), rendered by
`rtlog.commands.transcript` as text, markdown, JSON, SRT and WebVTT."""
