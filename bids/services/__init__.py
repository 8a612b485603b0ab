"""Everything that changes sealed bids: keys, submission, opening and its record."""
