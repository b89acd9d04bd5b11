"""Analytics: tutor facts captured from the event bus into ClickHouse, scrubbed of personal data."""
