"""Plans and subscriptions on the web: the member's plans page and the admin's plans and fees."""
