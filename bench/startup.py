# The empty program: interpreter startup and shutdown only.
