"""The HTTP edge: one controller per resource, thin around the domain and the store."""
