"""A local stand-in for the Xero Accounting API: OAuth tokens, paging, limits, writes, webhooks, faults."""
