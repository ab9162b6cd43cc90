"""Where approved proposals post: Sage 100 (Visual Integrator) and Xero (Accounting API), behind one
interface (:class:`writeback.targets.base.Target`)."""
