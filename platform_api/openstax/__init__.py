"""OpenStax importer: parse CNXML books (folder or zip) into courses, lessons and exercises."""
