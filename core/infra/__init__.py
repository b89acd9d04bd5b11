"""Infrastructure: one small interface per external capability, embedded and server backends."""
