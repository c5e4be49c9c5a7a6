"""The iTC journey engine: everything but the workflows, activities and entry points."""
