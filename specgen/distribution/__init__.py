"""What distribution (and the OCI spec after it) defines around the descriptors, once, for the
server, the client and the checker alike: the reference grammar, digests, route names, the router
and the URL builder."""
