// The Shapes world.
