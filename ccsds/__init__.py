"""The space-link layer both ends share: TC and TM transfer frames, CLCW, SDLS, space-packet splitting,
COBS packet framing and CFDP carriage (floor 2 of DESIGN.md, beside hal, which keeps the devices)."""
