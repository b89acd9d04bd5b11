"""Content-generation roles: writer, item writer and critic, and the checks on their work."""
