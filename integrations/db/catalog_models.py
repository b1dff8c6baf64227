"""What the catalog search keeps beside the listings: each business's rating (migration 0011).

Only the triggers on `reviews` write `business_ratings`; it is read by the search's rating
filter and sort, and shown on every listing found.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base


class BusinessRating(Base):
    __tablename__ = "business_ratings"
    __table_args__ = (Index("ix_business_ratings_best", text("rating DESC"), "business_id"),)

    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    rating: Mapped[float]  # the average revealed review, quality, timeliness and communication alike
    reviews: Mapped[int]  # how many revealed reviews
