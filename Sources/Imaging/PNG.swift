// Imaging.
