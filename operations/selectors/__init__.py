"""Reads. Every queryset here starts from `visible_to(user)`, the one scope."""
from .organisations import node_children, org_tree_for, team_choices_for, unit_choices_for  # noqa: F401
from .people import dashboard_counts, volunteer_detail, volunteer_list  # noqa: F401
