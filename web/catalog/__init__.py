"""The catalog: browse and search listings, a listing, a business's public profile, publishing."""
