"""The live flight software (`zorka serve`) and its ground ports: the authenticated frame link, raw
space packets on TCP and COBS-framed packets on a serial line."""
