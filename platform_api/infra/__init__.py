"""Infrastructure: one small interface per external capability, each with embedded and server backends."""
