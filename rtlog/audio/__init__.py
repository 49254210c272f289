"""The audio bytes: decoding and screening chunks, G.711, resampling, lanes and the stereo
mix, WAV and split sinks — a streaming pass that takes every placement from
`rtlog.conversation`."""
