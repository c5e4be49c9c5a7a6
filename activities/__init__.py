"""Activities: the only place the journey touches the outside world."""
