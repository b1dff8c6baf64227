"""A member's own account: the notification inbox and the credit balance with its statement."""
