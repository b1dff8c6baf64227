"""The finance section (finance users and admins): escrow held by stage, the ledger explorer,
manual adjustments under the four-eyes rule, and revenue and activity as charts and CSV.
Everyone else gets 404 here, as on the staff pages."""
