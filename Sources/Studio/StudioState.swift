// The studio: filled in by the studio work.
