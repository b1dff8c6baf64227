"""The staff overview (admin, finance, arbitrator): deals by stage, members, recent deals,
the ledger's trial balance, and a read-only view of any deal. Members get 404 here."""
