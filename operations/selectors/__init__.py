"""Reads. Every queryset here starts from `visible_to(user)`, the one scope. Import from the sub-domain
module (`operations.selectors.people`, …); this package re-exports nothing."""
