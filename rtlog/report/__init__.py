"""Conversation → one self-contained HTML page per log (`rtlog report`): the page data
(`page`), the raw events shown beside each turn (`raw`), waveform peaks from the audio
(`peaks`), the HTML itself (`html`, `assets`), the index over several pages (`index`), and
the run that ties them up (`build`)."""
