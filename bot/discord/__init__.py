"""Everything that speaks Discord: delivery, uploads, permissions, the tree, buttons, forms."""
