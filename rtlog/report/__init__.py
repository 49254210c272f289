"""Conversation → one self-contained HTML page per log (`rtlog report`): the page data
(`page`), the raw events shown beside each turn (`raw`), waveform peaks from the audio
(`peaks`), the HTML itself (`html`, `assets`), and the run that ties them up (`build`)."""
