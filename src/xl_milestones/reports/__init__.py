"""Documents made from the results: the sign-off pack."""
