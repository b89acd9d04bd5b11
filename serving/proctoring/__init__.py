"""The proctor deployment of the Serve application: it hosts proctoring sessions (WebRTC peer,
analysers, risk engine, encrypted evidence), and the small client the platform reaches it with."""
