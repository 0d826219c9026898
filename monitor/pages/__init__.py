"""The case pages: what the daemon shows a browser and a feed reader, drawn on the server."""
