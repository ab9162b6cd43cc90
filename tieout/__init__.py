"""tieout: a reconciliation warehouse for Xero or KashFlow beside Sage 100."""

__version__ = "0.1.0"
