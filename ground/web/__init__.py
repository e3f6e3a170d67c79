"""The web ground page: a ground process holding the link, serving a page to any number of browsers."""
