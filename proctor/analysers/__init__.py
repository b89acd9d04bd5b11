"""One module per analyser, each behind ``Analyser``: a frame in, signals out."""
