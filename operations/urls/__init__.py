"""URL patterns, one module per sub-domain. `backoffice` (namespace "operations", mounted at /backoffice/)
and `volunteer` (namespace "volunteer", mounted at /volunteer/) put them together."""
