"""The board-links application: the health of the links to device boards, watched onboard."""
