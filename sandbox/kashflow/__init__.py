"""A local stand-in for the KashFlow REST API v2: session-token sign-in, paged lists, documents, faults."""
