"""The marketplace API: HTTP client, auth, paging, retries, live-state models."""
